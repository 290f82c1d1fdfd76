// Issue 5's table: RPC calls of add(a, b) from the main thread to a worker thread. Throughput: calls/s with 1,000
// in flight; latency: one call at a time, p50 and p99. Over MessagePort: swarmwire (RPC on a bare postMessage
// transport, and on a session over it) vs Comlink, birpc and capnweb, each on its own port. Over WebSocket on
// loopback: swarmwire (session) vs capnweb. Clients run in turn, in rounds that alternate their order; figures are
// medians over rounds, ratios are medians of per-round ratios.
import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { createBirpc } from 'birpc';
import { newMessagePortRpcSession, newWebSocketRpcSession } from 'capnweb';
import { WebSocket } from 'ws';
import { connectWorker, init } from 'swarmwire';
import { connectSession, connectWebSocket, wrap } from 'swarmwire';
import { portTransport } from './lib/port-transport.mjs';
import { mark, sig } from './lib/table.mjs';
import { latencies, percentile, startRpcServers, throughput } from './lib/calls.mjs';

// capnweb reads the global WebSocket (for its constants), which Node 20 does not have.
globalThis.WebSocket ??= WebSocket;
const WINDOW = 1000;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export async function run({ rounds = 5 } = {}) {
  const { worker, channels, wsPorts } = await startRpcServers();

  const comlink = Comlink.wrap(channels.comlink.port1);
  const birpc = createBirpc({}, { post: (d) => channels.birpc.port1.postMessage(d), on: (fn) => channels.birpc.port1.on('message', fn) });
  const capnweb = newMessagePortRpcSession(channels.capnweb.port1);
  const swBare = wrap(portTransport(channels.swarmwire.port1));
  const swSession = wrap(await connectSession(() => portTransport(channels.swarmwireSession.port1), { heartbeatIntervalMs: 0, reconnect: false }));
  const capnwebWs = newWebSocketRpcSession(new WebSocket(`ws://127.0.0.1:${wsPorts.capnwebWs}/`));
  const wsSession = await connectSession(() => connectWebSocket(`ws://127.0.0.1:${wsPorts.swarmwireWs}/`), { heartbeatIntervalMs: 0, reconnect: false });
  const swWs = wrap(wsSession);

  // The SDK's own Web Worker links (issue 3), once they are in the package: a session over the shared-memory ring
  // and one over its postMessage transport, each to its own worker thread.
  const sdk = {};
  const sdkWorkers = [];
  if (typeof connectWorker === 'function') {
    await init();
    for (const path of ['ring', 'postmessage']) {
      const agent = new Worker(new URL('./lib/rpc-worker-agent.mjs', import.meta.url));
      sdkWorkers.push(agent);
      const session = await connectSession(() => connectWorker(agent, { path }), { heartbeatIntervalMs: 0, reconnect: false });
      const remote = wrap(session);
      sdk[path === 'ring' ? 'swarmwire (ring session)' : 'swarmwire (SDK postMessage session)'] = (i) => remote.add(i, 1);
      sdkWorkers.push({ terminate: () => session.close() });
    }
  }

  const groups = {
    MessagePort: {
      ...sdk,
      'swarmwire (transport)': (i) => swBare.add(i, 1),
      'swarmwire (session)': (i) => swSession.add(i, 1),
      Comlink: (i) => comlink.add(i, 1),
      birpc: (i) => birpc.add(i, 1),
      capnweb: (i) => capnweb.add(i, 1),
    },
    WebSocket: {
      'swarmwire (session)': (i) => swWs.add(i, 1),
      capnweb: (i) => capnwebWs.add(i, 1),
    },
  };
  const raw = {};
  for (const [group, clients] of Object.entries(groups)) {
    for (const name of Object.keys(clients)) raw[`${group} ${name}`] = { rate: [], p50: [], p99: [] };
    for (const call of Object.values(clients)) await throughput(call, 3_000, WINDOW); // warm up
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? Object.keys(clients).reverse() : Object.keys(clients);
      for (const name of order) {
        const r = raw[`${group} ${name}`];
        r.rate.push(await throughput(clients[name], 20_000, WINDOW));
        const lat = await latencies(clients[name], 1_000);
        r.p50.push(percentile(lat, 0.5));
        r.p99.push(percentile(lat, 0.99));
      }
    }
  }
  wsSession.close();
  for (const w of sdkWorkers.reverse()) await w.terminate();
  worker.postMessage('stop');
  for (const c of Object.values(channels)) c.port1.close();

  const ratio = (group, a, b, key) => median(raw[`${group} ${a}`][key].map((x, i) => x / raw[`${group} ${b}`][key][i]));
  const rows = [];
  for (const [group, clients] of Object.entries(groups)) {
    const peers = group === 'MessagePort' ? ['birpc', 'Comlink'] : ['capnweb'];
    for (const name of Object.keys(clients)) {
      const r = raw[`${group} ${name}`];
      const row = { over: group, library: name, 'calls/s': Math.round(median(r.rate)), 'p50 µs': sig(median(r.p50)), 'p99 µs': sig(median(r.p99)) };
      for (const peer of peers) row[`× ${peer} calls/s`] = sig(ratio(group, name, peer, 'rate'));
      rows.push(row);
    }
  }
  const bare = rows.find((r) => r.over === 'MessagePort' && r.library === 'swarmwire (transport)');
  const ring = rows.find((r) => r.library === 'swarmwire (ring session)');
  const ws = rows.find((r) => r.over === 'WebSocket' && r.library === 'swarmwire (session)');
  const table = {
    title: `RPC: add(a, b) from the main thread to a worker thread; calls/s with ${WINDOW} in flight, sequential round trip`,
    columns: ['over', 'library', 'calls/s', 'p50 µs', 'p99 µs', '× birpc calls/s', '× Comlink calls/s', '× capnweb calls/s'],
    rows,
    notes: [
      'swarmwire (transport) and (session): RPC over a bench-local MessagePort transport (bench/lib/port-transport.mjs), bare and with a session;' +
        ' (ring session) and (SDK postMessage session): the SDK\'s Web Worker links (connectWorker), when present.',
      `targets: postMessage path ≥ birpc calls/s ${mark(bare['× birpc calls/s'] >= 1)}; WebSocket ≥ capnweb calls/s ${mark(ws['× capnweb calls/s'] >= 1)}` +
        (ring ? `; ring ≥ 2× birpc calls/s ${mark(ring['× birpc calls/s'] >= 2)}, ring p50 ≤ 5 µs ${mark(ring['p50 µs'] <= 5)}` : ''),
    ],
  };
  return { tables: [table], readme: table, summary: { bare, ws, ring }, raw };
}
