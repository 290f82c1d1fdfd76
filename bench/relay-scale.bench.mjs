// Issue 17's scale table: the relay against socket.io 4.8 with many peers, side by side in one run. Each server
// runs alone in a child process (bench/lib/scale-server.mjs) so its memory and CPU time are its own; the peers are
// raw `ws` clients in another (bench/lib/scale-clients.mjs). For each server and each peer count, a fresh server:
//   - memory per idle peer: the server's RSS (after two full collections) with the peers connected and idle for a
//     few seconds, heartbeats on, minus its RSS before the first peer, divided by the peers;
//   - time to connect them (every handshake through, 256 at a time; swarmwire identities made beforehand), and the
//     server's CPU time for it per peer;
//   - broadcast deliveries/s with 64 B payloads: one peer sends a burst of broadcasts, every other peer receives
//     each; swarmwire with peers that offer BATCHING (the relay coalesces what it sends each of them in a task) and
//     with peers that do not (one WebSocket message per frame, as socket.io sends);
//   - a topic (room) broadcast reaching 10 % of the peers, as deliveries/s and as server CPU per broadcast against
//     a broadcast to everyone (work proportional to the subscribers gives about 0.1);
//   - bytes per delivery on the wire (what the peers' sockets read, WebSocket framing included) and the server's
//     CPU time per delivery.
// Servers: socket.io (a 64-character string per message, its cheapest: one WebSocket message), the library relay
// startRelay({ agents: false }), and the CLI relay `swarmwire relay` (with its agent host). Rounds interleave the
// servers (reversing their order each round); figures are medians over rounds, ratios medians of per-round ratios.
// Both swarmwire relays run with two limits raised, so the table measures what it did before they existed: every
// peer here shares 127.0.0.1 (maxPeersPerAddress, a quarter of maxPeers by default) and peer 0's burst of broadcasts
// is the figure (maxBroadcastDeliveriesPerSecond, 20,000 by default): see bench/lib/scale-server.mjs.
// Options (environment): SCALE_PEERS (default "1000,10000"), SCALE_ROUNDS (default 3), SCALE_SERVERS (default all),
// SCALE_PROFILE=DIR (a V8 CPU profile of each server process, written to DIR).
// Takes ~5 minutes with the defaults, so `npm run bench` runs it only when named: node bench/run.mjs relay-scale.
import { fork } from 'node:child_process';
import { sig } from './lib/table.mjs';

const SERVERS = (process.env.SCALE_SERVERS ?? 'socket.io,relay,cli').split(',');
const LABEL = { 'socket.io': 'socket.io 4.8', relay: 'startRelay({ agents: false })', cli: 'swarmwire relay (CLI)' };
const SETTLE_MS = 3_000;
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A child process answering { id, cmd } messages with { kind: 'done' | 'sample', id }. */
function child(script, args, execArgv = []) {
  const proc = fork(new URL(script, import.meta.url), args, { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let nextId = 1;
  const waiting = new Map();
  let ready;
  const readyP = new Promise((resolve, reject) => {
    ready = resolve;
    proc.once('exit', (code) => reject(new Error(`[bench] ${script} ${args.join(' ')} exited with ${code}`)));
  });
  proc.on('message', (m) => {
    if (m.kind === 'ready') return ready(m);
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.error) w.reject(new Error(m.error));
    else w.resolve(m);
  });
  proc.on('exit', () => {
    for (const w of waiting.values()) w.reject(new Error(`[bench] ${script} exited`));
  });
  return {
    ready: readyP,
    ask: (cmd, body = {}) => new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      proc.send({ id, cmd, ...body });
    }),
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      try {
        proc.send({ cmd: 'stop' });
      } catch {
        // gone already
      }
      await Promise.race([exited, sleep(5_000)]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}

/** A fresh server of `kind` with `n` fresh peers; `measure(server, clients, url)` takes its figures. */
async function withServer(kind, n, batching, measure) {
  const profile = process.env.SCALE_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SCALE_PROFILE}`] : [];
  const server = child('./lib/scale-server.mjs', [kind], ['--expose-gc', ...profile]);
  const clients = child('./lib/scale-clients.mjs', []);
  try {
    const { url } = await server.ready;
    await clients.ready;
    await sleep(500);
    const base = await server.ask('sample');
    const connect = await clients.ask('connect', { server: kind, url, n, batching });
    const connected = await server.ask('sample');
    return await measure(server, clients, { base, connectMs: connect.ms, connectCpuUs: (connected.cpuUs - base.cpuUs) / n });
  } finally {
    await clients.stop();
    await server.stop();
  }
}

/** One broadcast burst of `count` (to everyone, or to topic 't'), with the server's CPU time for it. */
async function broadcast(server, clients, topic, count, expected) {
  const before = await server.ask('sample');
  const r = await clients.ask('broadcast', { count, topic, expected });
  const after = await server.ask('sample');
  const cpu = after.cpuUs - before.cpuUs;
  return { rate: r.deliveries / (r.ms / 1000), bytesPerDelivery: r.bytes / r.deliveries, cpuUsPerDelivery: cpu / r.deliveries, cpuUsPerBroadcast: cpu / count };
}

/**
 * One server kind at one peer count: every figure of the table. Peers that offer BATCHING first (memory, connect
 * time, broadcasts, topic broadcasts); then, on another fresh server, peers that do not (swarmwire only: socket.io
 * does not batch). A fresh server each time, so peers that left do not linger in what is measured.
 */
async function measureOne(kind, n) {
  const k = Math.max(2, Math.round(100_000 / n));
  const warm = Math.max(2, k >> 2);
  const out = await withServer(kind, n, true, async (server, clients, { base, connectMs, connectCpuUs }) => {
    await sleep(SETTLE_MS);
    const idle = await server.ask('sample');
    await broadcast(server, clients, false, warm, warm * (n - 1));
    const all = await broadcast(server, clients, false, k, k * (n - 1));
    const { subscribers } = await clients.ask('subscribe', { fraction: 0.1 });
    const topic = await broadcast(server, clients, true, k * 10, k * 10 * subscribers);
    return {
      connectMs, connectCpuUs, bytesPerPeer: (idle.rss - base.rss) / n, batched: all, topic, topicCpuRatio: topic.cpuUsPerBroadcast / all.cpuUsPerBroadcast,
    };
  });
  out.unbatched = kind === 'socket.io' ? out.batched : await withServer(kind, n, false, async (server, clients) => {
    await sleep(500);
    await broadcast(server, clients, false, warm, warm * (n - 1));
    return broadcast(server, clients, false, k, k * (n - 1));
  });
  return out;
}

export async function run({ rounds } = {}) {
  rounds = Number(process.env.SCALE_ROUNDS ?? Math.min(rounds ?? 3, 3));
  const sizes = (process.env.SCALE_PEERS ?? '1000,10000').split(',').map(Number);
  const raw = {};
  for (const n of sizes) for (const s of SERVERS) raw[`${s}@${n}`] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...SERVERS].reverse() : SERVERS;
    for (const n of sizes) {
      for (const s of order) {
        const t0 = performance.now();
        try {
          raw[`${s}@${n}`].push(await measureOne(s, n));
        } catch (error) {
          console.error(`[bench] relay-scale ${s} at ${n} peers, round ${round + 1}: ${error.message}`);
          raw[`${s}@${n}`].push({ error: error.message });
        }
        console.error(`[bench] relay-scale ${s} at ${n} peers, round ${round + 1}/${rounds}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      }
    }
  }
  const get = (key, f) => median(raw[key].map((r) => (r.error ? NaN : f(r))));
  /** Median over rounds of the per-round ratio of `f` between two servers at one size. */
  const ratio = (a, b, f) => median(raw[a].map((r, i) => (r.error || raw[b][i]?.error ? NaN : f(r) / f(raw[b][i]))));
  const rows = [];
  const ratios = [];
  for (const n of sizes) {
    const io = `socket.io@${n}`;
    for (const s of SERVERS) {
      const key = `${s}@${n}`;
      rows.push({
        server: LABEL[s], peers: n,
        'KB per idle peer': sig(get(key, (r) => r.bytesPerPeer / 1024)),
        'connect s': sig(get(key, (r) => r.connectMs / 1000)),
        'server CPU ms per connect': sig(get(key, (r) => r.connectCpuUs / 1000), 2),
        'broadcast deliveries/s': Math.round(get(key, (r) => r.batched.rate)),
        'unbatched deliveries/s': Math.round(get(key, (r) => r.unbatched.rate)),
        'topic (10 %) deliveries/s': Math.round(get(key, (r) => r.topic.rate)),
        'topic CPU ÷ broadcast CPU': sig(get(key, (r) => r.topicCpuRatio), 2),
        'B per delivery': sig(get(key, (r) => r.batched.bytesPerDelivery)),
        'B per unbatched delivery': sig(get(key, (r) => r.unbatched.bytesPerDelivery)),
        'server CPU µs per delivery': sig(get(key, (r) => r.unbatched.cpuUsPerDelivery), 2),
      });
      if (s === 'socket.io' || !raw[io]) continue;
      ratios.push({
        server: LABEL[s], peers: n,
        'memory per peer × socket.io': sig(ratio(key, io, (r) => r.bytesPerPeer), 2),
        'connect time × socket.io': sig(ratio(key, io, (r) => r.connectMs), 2),
        'CPU per connect × socket.io': sig(ratio(key, io, (r) => r.connectCpuUs), 2),
        'deliveries/s × socket.io (batched)': sig(ratio(key, io, (r) => r.batched.rate), 2),
        'deliveries/s × socket.io (unbatched)': sig(ratio(key, io, (r) => r.unbatched.rate), 2),
        'topic deliveries/s × socket.io': sig(ratio(key, io, (r) => r.topic.rate), 2),
        'bytes per delivery × socket.io': sig(ratio(key, io, (r) => r.unbatched.bytesPerDelivery), 2),
      });
    }
  }
  const table = {
    title: `Many peers on one server: swarmwire relays against socket.io 4.8 (64 B payloads, heartbeats on; median of ${rounds} rounds)`,
    columns: ['server', 'peers', 'KB per idle peer', 'connect s', 'server CPU ms per connect', 'broadcast deliveries/s', 'unbatched deliveries/s', 'topic (10 %) deliveries/s', 'topic CPU ÷ broadcast CPU', 'B per delivery', 'B per unbatched delivery', 'server CPU µs per delivery'],
    rows,
    notes: [
      'Memory: the server process\'s RSS with the peers idle (after two full collections) minus its RSS before any peer, per peer.',
      'socket.io sends each message as one WebSocket message (it does not batch): its batched and unbatched figures are the same run.',
      'Connect: wall time for every handshake through, 256 at a time, from one client process; server CPU per connect is the server process\'s CPU time over it, per peer (it depends less on how busy the shared machine is).',
      'Topic CPU ÷ broadcast CPU: server CPU time for one broadcast to a topic held by 10 % of the peers over one to everyone (0.1 when the work follows the subscribers).',
    ],
  };
  const ratioTable = {
    title: 'The same as ratios to socket.io (medians of per-round ratios; above 1 is more for memory, time and bytes, better for deliveries/s)',
    columns: ['server', 'peers', 'memory per peer × socket.io', 'connect time × socket.io', 'CPU per connect × socket.io', 'deliveries/s × socket.io (batched)', 'deliveries/s × socket.io (unbatched)', 'topic deliveries/s × socket.io', 'bytes per delivery × socket.io'],
    rows: ratios,
  };
  return { tables: [table, ratioTable], readme: table, summary: { rows, ratios }, raw };
}
