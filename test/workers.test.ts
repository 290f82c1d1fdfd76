// Cloudflare Workers in workerd (through Miniflare): the Worker build imports the core as a wasm module, and the
// Durable Object relay (WebSocket Hibernation API) serves real swarmwire sessions from Node over `ws`.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import parsePrometheus from 'parse-prometheus-text-format';
import { connectSession, connectWebSocket, createIdentity, decodeBody, MessageType, RELAY_MODULE, Session, Status, type Frame } from 'swarmwire';
import { crc32c, decodeFrame, decodeFrames, encodeFrame, fnv1a32, parseRouted, routedBody } from 'swarmwire/wire';
import { readmeBlock } from './fixtures/readme.js';
import { until } from './fixtures/until.js';
import { rawHandshake } from './fixtures/raw-handshake.js';
import { parseHelloDone } from '../src/wire/hello.js';
import { unpack } from '../src/wire/payload.js';

const root = new URL('..', import.meta.url).pathname;
let dir: string;
let mf: Miniflare;
let base: URL;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'swarmwire-workers-'));
  // As wrangler bundles a Worker: the package resolved through its `workerd` export condition, the .wasm kept as a module.
  await build({
    entryPoints: [`${root}test/fixtures/worker-entry.ts`], outfile: join(dir, 'worker.js'), bundle: true, format: 'esm',
    platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], external: ['*.wasm'], logLevel: 'warning',
  });
  copyFileSync(`${root}dist/swarmwire.wasm`, join(dir, 'swarmwire.wasm'));
  mf = new Miniflare({
    modules: true, modulesRoot: dir, scriptPath: join(dir, 'worker.js'), modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-01-01', durableObjects: { RELAY: 'TestRelay' }, host: '127.0.0.1', port: 0,
  });
  base = await mf.ready;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sessions: Session[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.close();
});

const wsUrl = (room: string): string => `ws://${base.host}/ws?room=${room}`;

async function client(room: string, name: string) {
  const session = await connectSession(() => connectWebSocket(wsUrl(room)), { metadata: { name }, heartbeatIntervalMs: 0, reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
  sessions.push(session);
  const inbox: Frame[] = [];
  session.on('frame', (f) => inbox.push({ ...f, payload: f.payload.slice() }));
  return { session, inbox };
}

const event = (body: unknown): Uint8Array => encodeFrame({ type: MessageType.Event, body });
const carried = (f: Frame): unknown => decodeBody(decodeFrame(parseRouted(decodeBody(f)).frame));

/** Calls a method of the relay's built-in module and waits for its answer. */
async function call(c: Awaited<ReturnType<typeof client>>, method: string, args: unknown[] = []): Promise<Frame> {
  const id = c.session.send({ type: MessageType.Request, moduleId: RELAY_MODULE, methodHash: fnv1a32(method), body: args });
  await until(() => c.inbox.some((f) => Number(f.requestId) === id));
  return c.inbox.find((f) => Number(f.requestId) === id)!;
}

describe('Workers entry in workerd', () => {
  it('loads the imported wasm module with init() and computes what Node computes', async () => {
    const r = (await (await mf.dispatchFetch('http://x/codec')).json()) as Record<string, unknown>;
    const big = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 255);
    expect(r).toEqual({
      module: true, shared: '[object SharedArrayBuffer]', crcJs: crc32c(big), crcWasm: crc32c(big), crc123: 0xe3069283,
      relayModule: 'e79981f33b2890e2', type: MessageType.Event, requestId: '7',
    });
  });
});

describe('Durable Object relay', () => {
  it('routes acked frames between Node sessions by node id and serves the relay module', async () => {
    const alice = await client('route', 'alice');
    const bob = await client('route', 'bob');
    expect(alice.session.peer!.hello.metadata).toEqual({ where: 'workerd' });
    alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.session.nodeId, event('hi bob')) });
    await until(() => bob.inbox.length === 1);
    expect(carried(bob.inbox[0]!)).toBe('hi bob');
    expect(parseRouted(decodeBody(bob.inbox[0]!)).from).toEqual(alice.session.nodeId);
    await until(() => alice.session.unacked === 0 && bob.session.unacked === 0);
    expect(decodeBody(await call(alice, 'echo', [{ n: 42 }]))).toEqual({ n: 42 });
    const peers = decodeBody<Array<{ metadata: { name: string } }>>(await call(alice, 'peers'));
    expect(peers.map((p) => p.metadata.name).sort()).toEqual(['alice', 'bob']);
    expect(await alice.session.ping()).toBeGreaterThanOrEqual(0);
    const missing = decodeBody<{ status: number }>(await (async () => {
      const id = alice.session.send({ type: MessageType.Routed, body: routedBody(new Uint8Array(16).fill(9), event('nobody')) });
      await until(() => alice.inbox.some((f) => Number(f.requestId) === id));
      return alice.inbox.find((f) => Number(f.requestId) === id)!;
    })());
    expect(missing.status).toBe(Status.ModuleNotFound);
  });

  it('broadcasts to everyone, or to a topic\'s subscribers only', async () => {
    const [a, b, c] = [await client('cast', 'a'), await client('cast', 'b'), await client('cast', 'c')];
    b.session.send({ type: MessageType.Subscribe, body: 'news' });
    a.session.send({ type: MessageType.Subscribe, body: 'news' });
    await call(b, 'echo'); // subscriptions are in before the broadcasts below
    await call(a, 'echo');
    c.session.send({ type: MessageType.Broadcast, ack: true, body: { data: 'all' } });
    c.session.send({ type: MessageType.Broadcast, body: { topic: 'news', data: 'news only' } });
    await until(() => a.inbox.filter((f) => f.type === MessageType.Broadcast).length === 2 && b.inbox.filter((f) => f.type === MessageType.Broadcast).length === 2);
    const seen = (x: typeof a) => x.inbox.filter((f) => f.type === MessageType.Broadcast).map((f) => decodeBody<{ data: string }>(f).data);
    expect(seen(a)).toEqual(['all', 'news only']);
    expect(seen(b)).toEqual(['all', 'news only']);
    expect(seen(c)).toEqual([]);
  });

  it('keeps acked frames for a node that dropped and delivers them once when it resumes', async () => {
    const alice = await client('resume', 'alice');
    const bob = new Session({ heartbeatIntervalMs: 0, metadata: { name: 'bob' } });
    sessions.push(bob);
    const got: unknown[] = [];
    bob.on('frame', (f) => got.push(carried(f)));
    const first = connectWebSocket(wsUrl('resume'));
    await bob.connect(first);
    first.close(4006, 'dropped'); // the socket goes, the session waits to resume
    await until(() => bob.state === 'disconnected');
    await new Promise((r) => setTimeout(r, 100)); // the relay notices
    for (let i = 0; i < 5; i++) alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.nodeId, event(i)) });
    const status = decodeBody<Array<{ metadata: { name: string } }>>(await call(alice, 'peers'));
    expect(status.map((p) => p.metadata.name).sort()).toEqual(['alice', 'bob']); // still known while away
    await until(() => alice.session.unacked === 0); // the relay has them
    await bob.connect(connectWebSocket(wsUrl('resume')));
    await until(() => got.length === 5);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it('takes a node restarted with its identity for a new session: what it sends is not a repeat, and what waited for the old one goes with it', async () => {
    const alice = await client('restart', 'alice');
    const got: unknown[] = [];
    alice.session.on('frame', (f) => f.type === MessageType.Routed && got.push(carried(f)));
    const identity = await createIdentity();
    const old = new Session({ heartbeatIntervalMs: 0, identity, metadata: { name: 'carol' } });
    sessions.push(old);
    const socket = connectWebSocket(wsUrl('restart'));
    await old.connect(socket);
    for (let i = 0; i < 3; i++) old.send({ type: MessageType.Routed, ack: true, body: routedBody(alice.session.nodeId, event(`old ${i}`)) });
    await until(() => got.length === 3 && old.unacked === 0);
    socket.close(4006, 'the page died'); // no Goodbye: the relay keeps carol's session for a resume
    await until(() => old.state === 'disconnected');
    await new Promise((r) => setTimeout(r, 100)); // the relay notices
    alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(old.nodeId, event('for the old session')) });
    await until(() => alice.session.unacked === 0);
    // The page loads again: the same identity, a new session whose request ids count from 1 again.
    const carol = new Session({ heartbeatIntervalMs: 0, identity, metadata: { name: 'carol' } });
    sessions.push(carol);
    const atCarol: unknown[] = [];
    carol.on('frame', (f) => atCarol.push(carried(f)));
    await carol.connect(connectWebSocket(wsUrl('restart')));
    for (let i = 0; i < 3; i++) carol.send({ type: MessageType.Routed, ack: true, body: routedBody(alice.session.nodeId, event(`new ${i}`)) });
    await until(() => got.length === 6 && carol.unacked === 0);
    alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(carol.nodeId, event('for the new session')) });
    await until(() => atCarol.length === 1);
    expect(got).toEqual(['old 0', 'old 1', 'old 2', 'new 0', 'new 1', 'new 2']);
    expect(atCarol).toEqual(['for the new session']);
  });

  it('a second session of one identity replaces the first, which is told Goodbye and does not dial back in', async () => {
    const identity = await createIdentity();
    const first = await connectSession(() => connectWebSocket(wsUrl('second')), { identity, heartbeatIntervalMs: 0, reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
    sessions.push(first);
    const ended = new Promise<{ code: number; reason: string }>((r) => first.on('close', (info) => r(info)));
    const second = await connectSession(() => connectWebSocket(wsUrl('second')), { identity, heartbeatIntervalMs: 0, reconnect: false });
    sessions.push(second);
    expect(await ended).toMatchObject({ code: 1001, reason: 'replaced by a new session of the node' });
    const alice = await client('second', 'alice');
    alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(identity.id, event('for the second')) });
    const got: unknown[] = [];
    second.on('frame', (f) => got.push(carried(f)));
    await until(() => got.length === 1);
    expect([got, first.state, second.state]).toEqual([['for the second'], 'closed', 'open']);
  });

  it('names the session a node gets in HelloDone, and resumes a record stored before tags under none (a node whose Hello has no `session`)', async () => {
    const alice = await client('before-tags', 'alice');
    const identity = await createIdentity();
    /** A node of before tags: the handshake by hand, its Hello without `session`; never acks. */
    const legacy = async () => {
      const ws = new WebSocket(wsUrl('before-tags'));
      const frames: Frame[] = [];
      ws.on('message', (d: Buffer) => frames.push(...decodeFrames(new Uint8Array(d)).map((f) => ({ ...f, payload: f.payload.slice() }))));
      await new Promise((r) => ws.once('open', r));
      await rawHandshake((bytes) => ws.send(bytes), async (n) => (await until(() => frames.length >= n), frames[n - 1]!), identity);
      return { ws, frames, done: parseHelloDone(frames[1]!.payload.length ? unpack(frames[1]!.payload) : undefined) };
    };
    const first = await legacy();
    expect(first.done.session).toEqual(expect.any(Number)); // a new record, and its tag
    first.ws.terminate(); // no Goodbye: the relay keeps the node's session for a resume
    await new Promise((r) => setTimeout(r, 100)); // the relay notices
    const id = Buffer.from(identity.id).toString('hex');
    alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(identity.id, event('kept for the resume')) });
    await until(() => alice.session.unacked === 0);
    expect(await (await mf.dispatchFetch(`http://x/before-tags?room=before-tags&node=${id}`)).text()).toBe('stored as before tags');
    const second = await legacy();
    expect(second.done).toEqual({}); // resumed, under no tag
    await until(() => second.frames.some((f) => f.type === MessageType.Routed));
    expect(second.frames.filter((f) => f.type === MessageType.Routed).map(carried)).toEqual(['kept for the resume']);
    second.ws.terminate();
  });

  it('rebuilds its sessions from storage when the object is evicted (as after hibernation), topics included', async () => {
    const a = await client('evict', 'a');
    const b = await client('evict', 'b');
    b.session.send({ type: MessageType.Subscribe, body: 'after' });
    await call(b, 'echo');
    const framesBefore = decodeBody<{ framesIn: number }>(await call(a, 'stats')).framesIn;
    const relayId = a.session.peer!.hello.nodeId;
    const evictedAt = Date.now();
    expect((await mf.dispatchFetch('http://x/evict?room=evict')).status).toBe(500); // ctx.abort() throws the instance away
    // Whether the runtime kept the sockets or the sessions resumed over new ones, the relay knows both nodes again.
    await until(() => a.session.state === 'open' && b.session.state === 'open', 10_000);
    let delivered = false;
    const off = b.session.on('frame', (f) => (delivered ||= f.type === MessageType.Broadcast && decodeBody<{ data: string }>(f).data === 'still subscribed'));
    await until(() => {
      if (a.session.state === 'open') a.session.send({ type: MessageType.Broadcast, body: { topic: 'after', data: 'still subscribed' } });
      return delivered;
    }, 10_000);
    off();
    a.session.send({ type: MessageType.Routed, ack: true, body: routedBody(b.session.nodeId, event('after eviction')) });
    await until(() => b.inbox.some((f) => f.type === MessageType.Routed && carried(f) === 'after eviction'));
    // A new instance (its counters restarted after the eviction) that knows both nodes.
    const stats = decodeBody<{ uptimeMs: number; peers: number; framesIn: number }>(await call(a, 'stats'));
    expect(stats.uptimeMs).toBeLessThanOrEqual(Date.now() - evictedAt);
    expect(stats.peers).toBe(2);
    expect(framesBefore).toBeGreaterThan(0);
    expect(a.session.peer!.hello.nodeId).toEqual(relayId); // the same relay, as far as its peers can tell
  });

  it('knows nodes by the ids their keys prove: an impostor is refused (1008) and the real node keeps its session; P-256 nodes too', async () => {
    const victim = await client('identity', 'victim');
    const sender = await client('identity', 'sender');
    const p256 = await connectSession(() => connectWebSocket(wsUrl('identity')), { identity: await createIdentity({ algorithm: 'P-256' }), heartbeatIntervalMs: 0, reconnect: false });
    sessions.push(p256);
    expect(p256.peer!.id).toBe(victim.session.peer!.id); // the same relay for everyone in the room
    // An impostor: the victim's id, its own key.
    const ws = new WebSocket(wsUrl('identity'));
    const frames: Frame[] = [];
    ws.on('message', (d: Buffer) => frames.push(...decodeFrames(new Uint8Array(d))));
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    await new Promise((r) => ws.once('open', r));
    const attacker = await createIdentity();
    ws.send(encodeFrame({ type: MessageType.Hello, body: {
      version: 2, minVersion: 2, nodeId: victim.session.nodeId, role: 'edge', capabilities: [], features: 0, maxPayload: 1 << 20, metadata: {},
      alg: 1, key: attacker.publicKey, nonce: new Uint8Array(32),
    } }));
    expect(await closed).toBe(1008);
    expect(frames.map((f) => [f.type, decodeBody<{ status: number }>(f).status])).toEqual([[MessageType.Error, Status.Unauthorized]]);
    sender.session.send({ type: MessageType.Routed, ack: true, body: routedBody(victim.session.nodeId, event('still yours')) });
    await until(() => victim.inbox.some((f) => f.type === MessageType.Routed && carried(f) === 'still yours'));
    expect(victim.session.state).toBe('open');
  });

  it('refuses a Hello over maxPeerInfoBytes as the Node relay does: typed, for good, nothing of it listed', async () => {
    const alice = await client('info', 'alice');
    const refused = await connectSession(() => connectWebSocket(wsUrl('info')), { metadata: { pad: 'x'.repeat(60_000) }, heartbeatIntervalMs: 0, reconnect: false })
      .then(() => undefined, (error: unknown) => error as { code?: string; status?: number; message: string });
    expect(refused).toMatchObject({ code: 'SW_ERR_HANDSHAKE_REJECTED', status: Status.Unauthorized, recoverable: false });
    expect(refused!.message).toMatch(/SW_ERR_RELAY_PEER_INFO_TOO_LARGE: .* maxPeerInfoBytes of 4096/);
    const peers = decodeBody<Array<{ metadata: { name?: string } }>>(await call(alice, 'peers'));
    expect(peers.map((p) => p.metadata.name)).toEqual(['alice']);
  });

  it('refuses text, frames before Hello and silence with the same codes as the Node relay', async () => {
    const open = async () => {
      const ws = new WebSocket(wsUrl('raw'));
      const frames: Frame[] = [];
      ws.on('message', (d: Buffer) => frames.push(decodeFrame(new Uint8Array(d))));
      const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
      await new Promise((r) => ws.once('open', r));
      return { ws, frames, closed };
    };
    const text = await open();
    text.ws.send('hello?');
    expect(await text.closed).toBe(1003);
    const early = await open();
    early.ws.send(encodeFrame({ type: MessageType.Request, body: [] }));
    expect(await early.closed).toBe(1002);
    expect(early.frames.map((f) => [f.type, decodeBody<{ status: number }>(f).status])).toEqual([[MessageType.Error, Status.InvalidFrame]]);
    const silent = await open();
    // The handshake deadline (1 s here) runs on the storage alarm. (workerd sends the close frame at once but ends
    // the TCP connection only ~10 s later, and `ws` reports the close after that.)
    expect(await silent.closed).toBe(1008);
  });

  it('serves /metrics as Prometheus text: the Node relay\'s figures, with a call routed through the room timed', async () => {
    const alice = await client('metrics', 'alice');
    const bob = await client('metrics', 'bob');
    bob.session.on('frame', (f) => {
      if (f.type === MessageType.Routed) bob.session.send({ type: MessageType.Routed, body: routedBody(alice.session.nodeId, encodeFrame({ type: MessageType.Response, requestId: 5 })) });
    });
    alice.session.send({ type: MessageType.Routed, body: routedBody(bob.session.nodeId, encodeFrame({ type: MessageType.Request, requestId: 5 })) });
    await until(() => alice.inbox.some((f) => f.type === MessageType.Routed));
    const response = await mf.dispatchFetch('http://x/metrics?room=metrics');
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    type Family = { name: string; type: string; metrics: Array<{ value?: string; labels?: Record<string, string>; count?: string }> };
    const families = new Map((parsePrometheus(await response.text()) as Family[]).map((f) => [f.name, f]));
    const sample = (name: string, labels: Record<string, string> = {}): number =>
      Number(families.get(name)?.metrics.find((m) => JSON.stringify(m.labels ?? {}) === JSON.stringify(labels))?.value);
    expect(sample('swarmwire_relay_peers', { transport: 'websocket' })).toBe(2);
    expect(sample('swarmwire_relay_handshakes_total', { outcome: 'accepted' })).toBe(2);
    expect(sample('swarmwire_relay_frames_received_total', { type: 'Routed' })).toBe(2);
    expect(sample('swarmwire_relay_frames_sent_total', { type: 'Routed' })).toBe(2);
    expect(sample('swarmwire_relay_refused_connections_total', { reason: 'deadline' })).toBe(0);
    expect(families.get('swarmwire_relay_call_duration_seconds')!.type).toBe('HISTOGRAM');
    expect(Number(families.get('swarmwire_relay_call_duration_seconds')!.metrics[0]!.count)).toBe(1);
  });

  it('answers /healthz with the relay\'s stats', async () => {
    const r = (await (await mf.dispatchFetch('http://x/healthz?room=route')).json()) as { peers: number; uptimeMs: number };
    expect(typeof r.peers).toBe('number');
    expect(r.uptimeMs).toBeGreaterThanOrEqual(0);
  });
});

describe("README's Worker", () => {
  it('bundles as wrangler would, computes CRC-32C with the imported core, and relays between rooms\' peers', async () => {
    const out = mkdtempSync(join(tmpdir(), 'swarmwire-readme-worker-'));
    let readme: Miniflare | undefined;
    try {
      await build({
        stdin: { contents: readmeBlock('worker'), loader: 'ts', resolveDir: root, sourcefile: 'worker.ts' }, outfile: join(out, 'worker.js'),
        bundle: true, format: 'esm', platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], external: ['*.wasm'], logLevel: 'warning',
      });
      copyFileSync(`${root}dist/swarmwire.wasm`, join(out, 'swarmwire.wasm'));
      readme = new Miniflare({
        modules: true, modulesRoot: out, scriptPath: join(out, 'worker.js'), modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
        compatibilityDate: '2025-01-01', durableObjects: { RELAY: 'SwarmwireRelay' }, host: '127.0.0.1', port: 0,
      });
      const url = await readme.ready;
      const crc = await (await readme.dispatchFetch('http://x/crc', { method: 'POST', body: '123456789' })).text();
      expect(crc).toBe('e3069283');
      const dial = (room: string) => connectSession(() => connectWebSocket(`ws://${url.host}/ws?room=${room}`), { heartbeatIntervalMs: 0, reconnect: false });
      const [alice, bob, eve] = [await dial('a'), await dial('a'), await dial('b')];
      sessions.push(alice, bob, eve);
      const got: unknown[] = [];
      bob.on('frame', (f) => got.push(decodeBody<{ data: unknown }>(f).data));
      let eveGot = 0;
      eve.on('frame', () => eveGot++);
      alice.send({ type: MessageType.Broadcast, body: { data: 'room a' } });
      await until(() => got.length === 1);
      expect(got).toEqual(['room a']);
      expect(eveGot).toBe(0); // another room is another relay
    } finally {
      for (const s of sessions.splice(0)) s.close();
      await readme?.dispose();
      rmSync(out, { recursive: true, force: true });
    }
  });
});
