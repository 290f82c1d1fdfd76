// Issue 6's mesh table: live agent migration time for 1 KiB and 1 MiB of state, node → node over an in-memory link,
// over WebSocket on loopback, and worker → worker over the shared-memory ring (two worker_threads joined by
// linkWorkers(), the main thread off the path; bench/lib/mesh-worker.mjs), each against one acked round trip of the
// same bytes on the same link (the floor any migration pays), with issue 6's worker → worker targets ✓/✗; and the
// cost of each relay hop a Routed frame takes (sequential round trips of a 64 B frame through 0, 1, 2 and 4 relay
// nodes, and the bytes the envelope adds).
import { Worker } from 'node:worker_threads';
import { AgentHost, MeshNode, MessageType, connectWebSocket, createIdentity, linkWorkers, memoryPair } from 'swarmwire';
import { listenWebSocket } from 'swarmwire/node';
import { mark, sig } from './lib/table.mjs';

const MESH_WORKER = new URL('./lib/mesh-worker.mjs', import.meta.url);
const RING_LANE_BYTES = 4 << 20;

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))];
const nodeOptions = { heartbeatIntervalMs: 0, loadIntervalMs: 0 };

class Blob {
  data = new Uint8Array(0);
  version = 0;
  touch() {
    return ++this.version;
  }
}

async function memoryLink(a, b) {
  const [ta, tb] = memoryPair();
  const accepted = b.accept(tb);
  await a.connect(() => ta, { reconnect: false });
  await accepted;
  return async () => {};
}

async function wsLink(a, b) {
  const listener = await listenWebSocket((t) => void b.accept(t).catch(() => {}), { port: 0 });
  await a.connect(() => connectWebSocket(listener.url), { reconnect: false });
  return () => listener.close();
}

/** One acked frame of `bytes` there, and its answer back: what a migration's transfer + MigrationAck cost at least. */
async function ackedRoundTrip(a, b, bytes) {
  const payload = new Uint8Array(bytes);
  for (let at = 0; at < bytes; at += 65536) crypto.getRandomValues(payload.subarray(at, at + 65536));
  const t0 = performance.now();
  const done = new Promise((resolve) => {
    const offB = b.on('message', ({ frame }) => {
      if (frame.type !== MessageType.Event) return;
      offB();
      b.send(a.idHex, { type: MessageType.Response, requestId: frame.requestId, ack: false });
    });
    const offA = a.on('message', ({ frame }) => {
      if (frame.type !== MessageType.Response) return;
      offA();
      resolve();
    });
  });
  a.send(b.idHex, { type: MessageType.Event, ack: true, payload });
  await done;
  return performance.now() - t0;
}

async function migrations(linkKind, stateBytes, rounds) {
  // Sessions offer deflate-raw by default and try it on payloads ≥ 4 KiB; 'no deflate' offers CHECKSUM | BATCHING | ACK_REQUIRED only.
  const options = linkKind.includes('no deflate') ? { ...nodeOptions, features: 0x2a } : nodeOptions;
  const a = await MeshNode.create(options);
  const b = await MeshNode.create(options);
  const close = await (linkKind.startsWith('WebSocket') ? wsLink : memoryLink)(a, b);
  const [ha, hb] = [new AgentHost(a, { migrationTimeoutMs: 30_000 }), new AgentHost(b, { migrationTimeoutMs: 30_000 })];
  for (const h of [ha, hb]) h.define('Blob', () => new Blob());
  const blob = new Blob();
  blob.data = new Uint8Array(stateBytes);
  for (let at = 0; at < stateBytes; at += 65536) crypto.getRandomValues(blob.data.subarray(at, at + 65536)); // incompressible
  ha.expose('blob', blob);
  const times = [];
  const floor = [];
  let where = [ha, hb];
  for (let i = 0; i < rounds + 2; i++) {
    const t0 = performance.now();
    await where[0].migrate('blob', where[1].node.idHex);
    const t = performance.now() - t0;
    floor.push(await ackedRoundTrip(where[0].node, where[1].node, stateBytes));
    if (i >= 2) times.push(t); // the first two warm up both directions
    where = [where[1], where[0]];
  }
  const check = await ha.call('blob', 'touch');
  if (check !== 1) throw new Error(`[bench] the agent lost its state: version ${check}`);
  ha.close();
  hb.close();
  a.close();
  b.close();
  await close();
  return { times, floor };
}

/** Sends one command to a bench/lib/mesh-worker.mjs worker and waits for its one answer (60 s deadline). */
function ask(worker, message) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`[bench] mesh worker: no answer to ${message.cmd} within 60 s`)), 60_000);
    worker.once('message', (m) => {
      clearTimeout(timer);
      if (m.error) reject(new Error(`[bench] mesh worker: ${m.error}`));
      else resolve(m);
    });
    worker.postMessage(message);
  });
}

/** migrations() between two worker_threads linked by a ring: both the migration and the floor are timed in the sending worker. */
async function ringMigrations(linkKind, stateBytes, rounds) {
  const features = linkKind.includes('no deflate') ? 0x2a : undefined;
  const workers = [true, false].map((dial) => new Worker(MESH_WORKER, { workerData: { dial, features } }));
  try {
    // A ring carries frames up to half its lane: 4 MiB lanes so the 1 MiB snapshot travels as one frame.
    const path = await linkWorkers(workers[0], workers[1], { laneBytes: RING_LANE_BYTES });
    if (path !== 'ring') throw new Error(`[bench] linkWorkers took the ${path} path, not the ring`);
    const ids = (await Promise.all(workers.map((w) => ask(w, { cmd: 'id' })))).map((a) => a.id);
    await ask(workers[0], { cmd: 'expose', bytes: stateBytes });
    const times = [];
    const floor = [];
    let [from, to] = [0, 1];
    for (let i = 0; i < rounds + 2; i++) {
      const { ms } = await ask(workers[from], { cmd: 'migrate', to: ids[to] });
      floor.push((await ask(workers[from], { cmd: 'floor', to: ids[to], bytes: stateBytes })).ms);
      if (i >= 2) times.push(ms); // the first two warm up both directions
      [from, to] = [to, from];
    }
    const { value } = await ask(workers[0], { cmd: 'touch' });
    if (value !== 1) throw new Error(`[bench] the agent lost its state: version ${value}`);
    return { times, floor };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Round trips of a 64 B Request through `relays` relay nodes in a line; answers come back the same way. */
async function routed(relays, count) {
  // A node believes the origins a relay reports only from relays it trusts (issue 13): every node of the line lists
  // the relays, as an operator would.
  const identities = await Promise.all(Array.from({ length: relays }, () => createIdentity()));
  const trusted = { ...nodeOptions, trustedRelays: identities.map((identity) => identity.idHex) };
  const chain = [await MeshNode.create(trusted)];
  for (const identity of identities) chain.push(await MeshNode.create({ ...trusted, identity, role: 'relay' }));
  chain.push(await MeshNode.create(trusted));
  for (let i = 0; i + 1 < chain.length; i++) await memoryLink(chain[i], chain[i + 1]);
  const [a, b] = [chain[0], chain.at(-1)];
  // wait for the routes (each relay learns what lies beyond it from Discovery)
  const end = Date.now() + 10_000;
  while (relays > 0 && !chain.slice(1, -1).every((r) => r.router.nextHop(b.idHex) && r.router.nextHop(a.idHex))) {
    if (Date.now() > end) throw new Error('[bench] routes did not converge');
    await new Promise((r) => setTimeout(r, 5));
  }
  b.on('message', ({ from, frame }) => {
    if (frame.type === MessageType.Request) b.send(from, { type: MessageType.Response, requestId: frame.requestId, payload: frame.payload.slice() });
  });
  const payload = new Uint8Array(64);
  let wire = 0;
  const times = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await new Promise((resolve) => {
      const off = a.on('message', ({ frame }) => {
        if (frame.type !== MessageType.Response) return;
        off();
        resolve();
      });
      a.send(b.idHex, { type: MessageType.Request, payload });
    });
    times.push(performance.now() - t0);
  }
  wire = a.stats().connections[0].bytesOut / count;
  for (const n of chain) n.close();
  return { times: times.slice(Math.floor(count / 10)), bytesPerFrame: wire };
}

export async function run({ rounds = 8 } = {}) {
  const raw = { migration: {}, routed: {} };
  const rows = [];
  const links = ['memory', 'WebSocket', 'ring, worker → worker', 'memory, no deflate', 'WebSocket, no deflate', 'ring, worker → worker, no deflate'];
  for (const link of links) {
    for (const [label, bytes, n] of [['1 KiB', 1024, 4 * rounds], ['1 MiB', 1024 * 1024, rounds]]) {
      if (link.includes('no deflate') && bytes < 4096) continue; // below the compression threshold: same as above
      const { times, floor } = await (link.startsWith('ring') ? ringMigrations : migrations)(link, bytes, n);
      raw.migration[`${link} ${label}`] = { times, floor };
      rows.push({
        link, state: label, 'median ms': sig(median(times)), 'p90 ms': sig(p90(times)),
        'acked round trip ms': sig(median(floor)), '× round trip': sig(median(times) / median(floor)),
      });
    }
  }
  // Issue 6's targets are worker → worker over the ring; the best ring row per size counts (deflate is a session option).
  const best = (label) => Math.min(...rows.filter((r) => r.link.startsWith('ring') && r.state === label).map((r) => r['median ms']));
  const targets = [
    `worker → worker 1 KiB ≤ 1 ms ${mark(best('1 KiB') <= 1)} (${best('1 KiB')} ms median)`,
    `worker → worker 1 MiB ≤ 10 ms ${mark(best('1 MiB') <= 10)} (${best('1 MiB')} ms median)`,
  ];
  const migration = {
    title: 'Live migration of an agent between two Node mesh nodes (prepare → snapshot → transfer → MigrationAck → commit)',
    columns: ['link', 'state', 'median ms', 'p90 ms', 'acked round trip ms', '× round trip'],
    rows,
    notes: [
      'acked round trip: one acked frame of the same bytes there and a reply back on the same link — the floor of a migration.',
      'State is random bytes. Sessions try deflate-raw on payloads ≥ 4 KiB when both sides offer it: on incompressible 1 MiB that attempt is most of the time; "no deflate" rows turn the feature off.',
      'ring, worker → worker: two worker_threads, each a mesh node, joined by linkWorkers() through rings in shared memory (4 MiB lanes: a frame must fit in half a lane); times are taken in the migrating worker.',
      ...targets.map((t) => `Target (issue 6) ${t}`),
    ],
  };
  // Rounds of the whole sweep, medians per round, then the median round: the machine's slow spells hit every
  // configuration alike.
  const perRound = { 0: [], 1: [], 2: [], 4: [] };
  let bytes = {};
  for (let round = 0; round < Math.max(3, rounds); round++) {
    for (const relays of [0, 1, 2, 4]) {
      const r = await routed(relays, 150);
      perRound[relays].push(median(r.times) * 1000);
      bytes[relays] = r.bytesPerFrame;
    }
  }
  raw.routed = { perRound, bytes };
  const hopRows = [];
  const base = median(perRound[0]);
  for (const relays of [0, 1, 2, 4]) {
    const m = median(perRound[relays]);
    hopRows.push({
      relays, 'round trip µs': sig(m), 'µs per hop (each way)': relays === 0 ? '' : sig((m - base) / (2 * relays)),
      'bytes on the first link': sig(bytes[relays]), 'envelope bytes': relays === 0 ? '' : sig(bytes[relays] - bytes[0]),
    });
  }
  const hops = {
    title: 'Routed frames: sequential round trips of a 64 B Request through relay nodes in a line (in-memory links)',
    columns: ['relays', 'round trip µs', 'µs per hop (each way)', 'bytes on the first link', 'envelope bytes'],
    rows: hopRows,
    notes: ['Each hop decodes the envelope, picks the next hop from its routes, and re-encodes it with ttl − 1, hops + 1.'],
  };
  return {
    tables: [migration, hops],
    readme: migration,
    summary: { migration: rows, targets, routed: hopRows },
    raw,
  };
}
