// Issue 4's WebSocket table: swarmwire sessions over WebSocket vs raw `ws` vs socket.io, on loopback, 64 B and
// 1 KiB messages. Throughput: round trips per second with a window of 1,000 messages in flight. Latency: one
// message in flight at a time, p50 and p99. Servers run in a worker thread; each client runs in turn, in several
// rounds that alternate their order, and figures are medians over rounds.
import { Worker } from 'node:worker_threads';
import { WebSocket } from 'ws';
import { io as ioClient } from 'socket.io-client';
import { MessageType, connectSession, connectWebSocket } from 'swarmwire';
import { mark, sig } from './lib/table.mjs';

const WINDOW = 1000;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

/** A client that can send one payload and calls `onReply` for each echo. */
async function rawWs(port) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  await new Promise((r) => ws.once('open', r));
  let onReply = () => {};
  ws.on('message', () => onReply());
  return { send: (payload) => ws.send(payload, { binary: true }), set onReply(f) { onReply = f; }, close: () => ws.close() };
}

async function socketIo(port) {
  const socket = ioClient(`http://127.0.0.1:${port}`, { transports: ['websocket'] });
  await new Promise((r) => socket.once('connect', r));
  let onReply = () => {};
  socket.on('m', () => onReply());
  return { send: (payload) => socket.emit('m', payload), set onReply(f) { onReply = f; }, close: () => socket.close() };
}

async function swarmwire(port) {
  const session = await connectSession(() => connectWebSocket(`ws://127.0.0.1:${port}/`), { heartbeatIntervalMs: 0, reconnect: false });
  let onReply = () => {};
  session.on('frame', () => onReply());
  return { send: (payload) => session.send({ type: MessageType.Request, payload }), set onReply(f) { onReply = f; }, close: () => session.close() };
}

/** Round trips per second with WINDOW messages in flight. */
function throughput(client, payload, total) {
  return new Promise((resolve) => {
    let sent = 0;
    let got = 0;
    const t0 = performance.now();
    client.onReply = () => {
      got++;
      if (sent < total) {
        client.send(payload);
        sent++;
      }
      if (got === total) resolve(total / ((performance.now() - t0) / 1000));
    };
    for (; sent < Math.min(WINDOW, total); sent++) client.send(payload);
  });
}

/** Round-trip times in µs, one message in flight. */
function latencies(client, payload, count) {
  return new Promise((resolve) => {
    const out = [];
    let t0 = 0;
    client.onReply = () => {
      out.push((performance.now() - t0) * 1000);
      if (out.length === count) return resolve(out);
      t0 = performance.now();
      client.send(payload);
    };
    t0 = performance.now();
    client.send(payload);
  });
}

export async function run({ rounds = 5 } = {}) {
  const worker = new Worker(new URL('./lib/ws-servers.mjs', import.meta.url));
  const ports = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const clients = { 'raw ws': await rawWs(ports.ws), 'socket.io': await socketIo(ports.io), swarmwire: await swarmwire(ports.swarmwire) };
  const sizes = [64, 1024];
  const raw = {};
  for (const size of sizes) {
    const payload = new Uint8Array(size).fill(7);
    const total = size === 64 ? 40_000 : 20_000;
    for (const name of Object.keys(clients)) raw[`${name} ${size}`] = { rate: [], p50: [], p99: [] };
    for (const name of Object.keys(clients)) await throughput(clients[name], payload, 2_000); // warm up
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? Object.keys(clients).reverse() : Object.keys(clients);
      for (const name of order) {
        const r = raw[`${name} ${size}`];
        r.rate.push(await throughput(clients[name], payload, total));
        const lat = await latencies(clients[name], payload, 1_000);
        r.p50.push(percentile(lat, 0.5));
        r.p99.push(percentile(lat, 0.99));
      }
    }
  }
  for (const c of Object.values(clients)) c.close();
  worker.postMessage('stop');

  const rows = [];
  for (const size of sizes) {
    const get = (name, key) => median(raw[`${name} ${size}`][key]);
    const base = { rate: get('raw ws', 'rate'), p50: get('raw ws', 'p50') };
    for (const name of Object.keys(clients)) {
      rows.push({
        size: `${size} B`, client: name, 'msgs/s': Math.round(get(name, 'rate')), 'p50 µs': sig(get(name, 'p50')), 'p99 µs': sig(get(name, 'p99')),
        '× raw ws msgs/s': sig(get(name, 'rate') / base.rate), '× socket.io msgs/s': sig(get(name, 'rate') / get('socket.io', 'rate')),
        'p50 ÷ raw ws': sig(get(name, 'p50') / base.p50),
      });
    }
  }
  const ours = rows.filter((r) => r.client === 'swarmwire');
  const targets = ours.map((r) => `${r.size}: ≥ 0.9× raw ws msgs/s ${mark(r['× raw ws msgs/s'] >= 0.9)}, ≥ 2× socket.io ${mark(r['× socket.io msgs/s'] >= 2)}, p50 ≤ 1.1× raw ws ${mark(r['p50 ÷ raw ws'] <= 1.1)}`);
  const table = {
    title: `WebSocket on loopback: round trips/s with ${WINDOW} in flight, and sequential round-trip latency`,
    columns: ['size', 'client', 'msgs/s', 'p50 µs', 'p99 µs', '× raw ws msgs/s', '× socket.io msgs/s', 'p50 ÷ raw ws'],
    rows,
    notes: ['swarmwire: Request → Response frames through sessions (handshake done, heartbeats off), raw payload bytes.', ...targets],
  };
  const summary = Object.fromEntries(ours.map((r) => [r.size, { vsRawWs: r['× raw ws msgs/s'], vsSocketIo: r['× socket.io msgs/s'], p50VsRawWs: r['p50 ÷ raw ws'] }]));
  return { tables: [table], readme: table, summary, raw };
}
