// swarmwire/lite (issue 7's slim client) measured against what it replaces, in one run:
//   1. its MessagePack subset vs @msgpack/msgpack (the full SDK's codec, RPC options) on RPC-shaped bodies;
//   2. RPC over WebSocket on loopback, `add(a, b)` served by the full SDK in a worker thread: the lite client vs
//      the full SDK's session client vs capnweb (calls/s with 1,000 in flight; one call at a time, p50 / p99).
// Size is size-limit's business (`npm run size`), not this suite's.
import { Decoder, Encoder } from '@msgpack/msgpack';
import { newWebSocketRpcSession } from 'capnweb';
import { WebSocket } from 'ws';
import { connectSession, connectWebSocket, wrap } from 'swarmwire';
import { connect, pack, unpack, wrap as liteWrap } from 'swarmwire/lite';
import { measure, median, speedup } from './lib/measure.mjs';
import { sig } from './lib/table.mjs';
import { latencies, percentile, startRpcServers, throughput } from './lib/calls.mjs';

// capnweb reads the global WebSocket (for its constants), which Node 20 does not have.
globalThis.WebSocket ??= WebSocket;
const WINDOW = 1000;

const BODIES = {
  'args [2, 3]': [2, 3],
  'object (8 fields)': { id: 123456, name: 'counter-agent', tags: ['a', 'bb', 'ccc'], score: 0.75, active: true, owner: null, created: 1_700_000_000_000, bytes: new Uint8Array(16) },
  '1 KiB text': ['swarmwire '.repeat(102)],
};

async function codec({ rounds, time }) {
  const encoder = new Encoder({ ignoreUndefined: true });
  const decoder = new Decoder();
  const cases = [];
  for (const [name, body] of Object.entries(BODIES)) {
    const bytes = encoder.encode(body);
    cases.push(
      { name: `${name} encode lite`, fn: () => pack(body) },
      { name: `${name} encode @msgpack/msgpack`, fn: () => encoder.encode(body) },
      { name: `${name} decode lite`, fn: () => unpack(bytes) },
      { name: `${name} decode @msgpack/msgpack`, fn: () => decoder.decode(bytes) },
    );
  }
  const results = await measure(cases, { rounds, time });
  const byName = Object.fromEntries(results.map((r) => [r.name, r]));
  const rows = [];
  for (const name of Object.keys(BODIES)) {
    for (const op of ['encode', 'decode']) {
      const lite = byName[`${name} ${op} lite`], ref = byName[`${name} ${op} @msgpack/msgpack`];
      rows.push({ body: name, op, 'lite ns': sig(lite.ns), '@msgpack/msgpack ns': sig(ref.ns), '× @msgpack/msgpack': sig(speedup(ref, lite)) });
    }
  }
  return { title: 'lite MessagePack vs @msgpack/msgpack (ns per operation; × > 1: lite is faster)', columns: ['body', 'op', 'lite ns', '@msgpack/msgpack ns', '× @msgpack/msgpack'], rows };
}

async function rpc({ rounds }) {
  // The full SDK's callee (bench/lib/rpc-servers.mjs), which also serves the MessagePort libraries: give it ports.
  const { worker, channels, wsPorts } = await startRpcServers();
  const url = `ws://127.0.0.1:${wsPorts.swarmwireWs}/`;
  const conn = await connect(url, { WebSocket, heartbeatIntervalMs: 0 });
  const lite = liteWrap(conn);
  const session = await connectSession(() => connectWebSocket(url), { heartbeatIntervalMs: 0, reconnect: false });
  const full = wrap(session);
  const capnweb = newWebSocketRpcSession(new WebSocket(`ws://127.0.0.1:${wsPorts.capnwebWs}/`));
  const clients = {
    'swarmwire/lite': (i) => lite.add(i, 1),
    'swarmwire (session)': (i) => full.add(i, 1),
    capnweb: (i) => capnweb.add(i, 1),
  };
  const raw = Object.fromEntries(Object.keys(clients).map((n) => [n, { rate: [], p50: [], p99: [] }]));
  for (const call of Object.values(clients)) await throughput(call, 3_000, WINDOW); // warm up
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 ? Object.keys(clients).reverse() : Object.keys(clients)) {
      raw[name].rate.push(await throughput(clients[name], 20_000, WINDOW));
      const lat = await latencies(clients[name], 1_000);
      raw[name].p50.push(percentile(lat, 0.5));
      raw[name].p99.push(percentile(lat, 0.99));
    }
  }
  conn.close();
  session.close();
  capnweb[Symbol.dispose](); // before the server goes: capnweb rejects a peer's close as an error
  worker.postMessage('stop');
  await new Promise((resolve) => worker.once('exit', resolve));
  for (const c of Object.values(channels)) c.port1.close();
  const ratio = (a, b) => median(raw[a].rate.map((x, i) => x / raw[b].rate[i]));
  const rows = Object.keys(clients).map((name) => ({
    client: name, 'calls/s': Math.round(median(raw[name].rate)), 'p50 µs': sig(median(raw[name].p50)), 'p99 µs': sig(median(raw[name].p99)),
    '× full session calls/s': sig(ratio(name, 'swarmwire (session)')), '× capnweb calls/s': sig(ratio(name, 'capnweb')),
  }));
  return {
    table: {
      title: `RPC over WebSocket (loopback): add(a, b) served by the full SDK in a worker thread; calls/s with ${WINDOW} in flight, sequential round trip`,
      columns: ['client', 'calls/s', 'p50 µs', 'p99 µs', '× full session calls/s', '× capnweb calls/s'],
      rows,
      notes: ['Both swarmwire clients batch the frames of one task into one WebSocket message (BATCHING); lite keeps one timer per call, the full SDK deadline lanes.'],
    },
    raw,
  };
}

export async function run({ rounds = 5, time = 80 } = {}) {
  const codecTable = await codec({ rounds, time });
  const { table: rpcTable, raw } = await rpc({ rounds });
  const liteRow = rpcTable.rows.find((r) => r.client === 'swarmwire/lite');
  return { tables: [codecTable, rpcTable], readme: rpcTable, summary: { lite: liteRow, codec: codecTable.rows }, raw };
}
