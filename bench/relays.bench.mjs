// Issue 7's relay table: what a routed round trip costs through one Node relay, through two relays bridged by Redis
// pub/sub, and through the Durable Object relay in workerd (Miniflare, on this machine) — and, as the floor of the
// bridge, a bare PUBLISH round trip through the same redis-server. Peer A sends a Routed frame to peer B, B routes
// it back. Throughput: round trips/s with a window in flight. Latency: one in flight, p50 and p99. Each path runs
// in turn, in rounds that alternate the order; figures are medians over rounds. Needs redis-server on PATH.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { MessageType, connectSession, connectWebSocket, decodeBody } from 'swarmwire';
import { encodeFrame, parseRouted, routedBody } from 'swarmwire/wire';
import { bridgeRedis, startRelay } from 'swarmwire/node';
import { rawRedis } from './lib/raw-redis.mjs';
import { sig } from './lib/table.mjs';

const WINDOW = 200;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const root = new URL('..', import.meta.url).pathname;

async function redisServer() {
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('[bench] redis-server not ready in 10 s')), 10_000);
    child.stdout.on('data', (d) => String(d).includes('Ready to accept') && (clearTimeout(timer), resolve()));
    child.once('error', reject);
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => process.kill(child.pid, 'SIGTERM') };
}

/** Two peers: A's sends come back from B; returns a client for throughput() / latencies(). */
async function pair(urlA, urlB) {
  const options = { heartbeatIntervalMs: 0, reconnect: false };
  const a = await connectSession(() => connectWebSocket(urlA), options);
  const b = await connectSession(() => connectWebSocket(urlB), options);
  b.on('frame', (f) => {
    const { from, frame } = parseRouted(decodeBody(f));
    b.send({ type: MessageType.Routed, body: routedBody(from, frame) });
  });
  let onReply = () => {};
  a.on('frame', () => onReply());
  const inner = encodeFrame({ type: MessageType.Event, payload: new Uint8Array(64).fill(7) });
  const send = () => a.send({ type: MessageType.Routed, body: routedBody(b.nodeId, inner) });
  // Until B is reachable (through Redis: once its relay has subscribed its channel).
  for (let ok = false; !ok;) {
    ok = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), 200);
      onReply = () => (clearTimeout(timer), resolve(true));
      send();
    });
  }
  return { send, set onReply(f) { onReply = f; }, close: () => (a.close(), b.close()) };
}

/** PUBLISH to a subscriber that publishes back: the round trip the bridge adds, twice over. */
async function redisFloor(url) {
  const [pubA, subA, pubB, subB] = await Promise.all([1, 2, 3, 4].map(() => rawRedis(url)));
  await subA.subscribe('bench:a');
  await subB.subscribe('bench:b');
  const payload = new Uint8Array(160).fill(7); // about a Routed envelope of a 64 B frame
  subB.onMessage = () => void pubB.publish('bench:a', payload);
  let onReply = () => {};
  subA.onMessage = () => onReply();
  return {
    send: () => void pubA.publish('bench:b', payload),
    set onReply(f) { onReply = f; },
    close: () => [pubA, subA, pubB, subB].forEach((c) => c.close()),
  };
}

async function workerd() {
  const dir = mkdtempSync(join(tmpdir(), 'swarmwire-bench-workerd-'));
  await build({
    stdin: { contents: "import { SwarmwireRelay } from 'swarmwire/workers'; export { SwarmwireRelay }; export default { fetch: (r, env) => env.RELAY.get(env.RELAY.idFromName('bench')).fetch(r) };", resolveDir: root },
    outfile: join(dir, 'worker.js'), bundle: true, format: 'esm', platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], external: ['*.wasm'], logLevel: 'warning',
  });
  copyFileSync(`${root}dist/swarmwire.wasm`, join(dir, 'swarmwire.wasm'));
  const mf = new Miniflare({
    modules: true, modulesRoot: dir, scriptPath: join(dir, 'worker.js'), modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-01-01', durableObjects: { RELAY: 'SwarmwireRelay' }, host: '127.0.0.1', port: 0,
  });
  const url = await mf.ready;
  return { wsUrl: `ws://${url.host}/ws`, close: async () => (await mf.dispose(), rmSync(dir, { recursive: true, force: true })) };
}

function throughput(client, total) {
  return new Promise((resolve) => {
    let sent = 0;
    let got = 0;
    const t0 = performance.now();
    client.onReply = () => {
      got++;
      if (sent < total) (client.send(), sent++);
      if (got === total) resolve(total / ((performance.now() - t0) / 1000));
    };
    for (; sent < Math.min(WINDOW, total); sent++) client.send();
  });
}

function latencies(client, count) {
  return new Promise((resolve) => {
    const out = [];
    let t0 = performance.now();
    client.onReply = () => {
      out.push((performance.now() - t0) * 1000);
      if (out.length === count) return resolve(out);
      t0 = performance.now();
      client.send();
    };
    client.send();
  });
}

export async function run({ rounds = 5 } = {}) {
  rounds = Math.min(rounds, 5);
  const redis = await redisServer();
  const single = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
  const r1 = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
  const r2 = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
  const b1 = await bridgeRedis(r1.relay, { url: redis.url, prefix: 'bench' });
  const b2 = await bridgeRedis(r2.relay, { url: redis.url, prefix: 'bench' });
  const edge = await workerd();
  const clients = {
    'one Node relay': await pair(single.wsUrl, single.wsUrl),
    'two Node relays via Redis': await pair(r1.wsUrl, r2.wsUrl),
    'Durable Object relay (workerd)': await pair(edge.wsUrl, edge.wsUrl),
    'bare Redis PUBLISH round trip': await redisFloor(redis.url),
  };
  const raw = Object.fromEntries(Object.keys(clients).map((n) => [n, { rate: [], p50: [], p99: [] }]));
  for (const name of Object.keys(clients)) await throughput(clients[name], 1_000); // warm up
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? Object.keys(clients).reverse() : Object.keys(clients);
    for (const name of order) {
      raw[name].rate.push(await throughput(clients[name], 5_000));
      const lat = await latencies(clients[name], 500);
      raw[name].p50.push(percentile(lat, 0.5));
      raw[name].p99.push(percentile(lat, 0.99));
    }
  }
  for (const c of Object.values(clients)) c.close();
  await Promise.all([b1.close(), b2.close()]);
  await Promise.all([single.close(), r1.close(), r2.close(), edge.close()]);
  redis.stop();

  const get = (name, key) => median(raw[name][key]);
  const base = 'one Node relay';
  const rows = Object.keys(clients).map((name) => ({
    path: name, 'round trips/s': Math.round(get(name, 'rate')), 'p50 µs': sig(get(name, 'p50')), 'p99 µs': sig(get(name, 'p99')),
    '× one relay round trips/s': sig(get(name, 'rate') / get(base, 'rate')), 'p50 ÷ one relay': sig(get(name, 'p50') / get(base, 'p50')),
  }));
  const bridged = rows[1];
  const table = {
    title: `Routed round trips (64 B frame, A → relay(s) → B → back): ${WINDOW} in flight, and one at a time`,
    columns: ['path', 'round trips/s', 'p50 µs', 'p99 µs', '× one relay round trips/s', 'p50 ÷ one relay'],
    rows,
    notes: [
      'The Redis bridge adds a PUBLISH hop each way; its floor is the bare PUBLISH round trip (no relay, no session).',
      `The bridge adds ${sig(bridged['p50 µs'] - rows[0]['p50 µs'])} µs at p50 over one relay; the bare round trip through Redis takes ${rows[3]['p50 µs']} µs.`,
      'workerd runs locally under Miniflare: it shows the relay logic in that runtime, not Cloudflare\'s network.',
    ],
  };
  return { tables: [table], readme: table, summary: rows, raw };
}
