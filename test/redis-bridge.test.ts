// Relays bridged through a real redis-server: frames for a node on another relay arrive, broadcasts reach every
// relay, and a relay killed with SIGKILL is reported down and its nodes become unreachable at once (best effort) or
// reachable at its next relay (acked). Losing Redis: best-effort frames are refused, acked ones held, within bounds.
import { rmSync, writeFileSync } from 'node:fs';
import { createClient } from '@redis/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectSession, connectWebSocket, createIdentity, decodeBody, MessageType, Status, type Frame, type Session, type Transport,
} from 'swarmwire';
import { decodeFrame, encodeFrame, pack, parseRouted, routedBody } from 'swarmwire/wire';
import { bridgeRedis, startRelay, type RedisBridge, type RedisBridgeOptions, type RelayServer } from 'swarmwire/node';
import { readmeBlock, substitute } from './fixtures/readme.js';
import { bridgedRelayProcess, redisCommand, startRedis, type RedisServer } from './fixtures/redis.mjs';
import { until } from './fixtures/until.js';
import { DashboardTraffic, type WatchedRelay } from '../src/relay/dashboard-traffic.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// deadAfterMs well above the heartbeat: on a loaded machine a heartbeat can be a few hundred ms late.
const FAST = { heartbeatMs: 100, deadAfterMs: 1_000 };
let swarm = 0;

/** A relay on its own port, bridged into swarm `prefix`. */
async function relay(
  prefix: string, relayId: string, url = redis.url, options: Partial<RedisBridgeOptions> = {}, resumeTimeoutMs?: number,
): Promise<{ server: RelayServer; bridge: RedisBridge }> {
  const server = await startRelay({ port: 0, heartbeatIntervalMs: 0, resumeTimeoutMs });
  const bridge = await bridgeRedis(server.relay, { url, prefix, relayId, ...FAST, reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, ...options });
  cleanups.push(() => server.close(), () => bridge.close());
  return { server, bridge };
}

/** A peer of the relay at `wsUrl`; with a function, of whichever relay it names at each (re)connection. */
async function client(wsUrl: string | (() => string), name: string) {
  const where = typeof wsUrl === 'string' ? () => wsUrl : wsUrl;
  let live: Transport | undefined;
  const identity = await createIdentity();
  const session: Session = await connectSession(() => (live = connectWebSocket(where())), {
    // Dialling on for longer than the default 20 attempts (~2 s here): a test may keep a node between relays a while.
    identity, metadata: { name }, heartbeatIntervalMs: 0, reconnect: typeof wsUrl === 'string' ? false : { initialDelayMs: 10, maxDelayMs: 100, maxAttempts: 1_000 },
  });
  cleanups.push(() => session.close());
  const inbox: Frame[] = [];
  session.on('frame', (f) => inbox.push({ ...f, payload: f.payload.slice() }));
  /** Drops the connection (the session reconnects, to wherever `wsUrl` says then). */
  const drop = () => live?.close(1001, 'moving');
  return { session, inbox, drop, identity };
}

/**
 * Waits until node `id` is reachable through Redis: its relay subscribes the node's channel (best-effort frames) and
 * writes its lease (acked frames) one Redis round trip after the handshake; a frame sent before finds no one.
 */
async function reachable(prefix: string, session: Session, url = redis.url): Promise<void> {
  const tag = `{${prefix}:${Buffer.from(session.nodeId).toString('hex')}}`;
  for (const end = Date.now() + 5_000; ;) {
    const [, subscribers] = (await redisCommand(url, 'PUBSUB', 'NUMSUB', `${tag}:ch`)) as [unknown, number];
    if (subscribers >= 1 && (await redisCommand(url, 'EXISTS', `${tag}:at`)) === 1) return;
    if (Date.now() > end) throw new Error(`${tag} is not served`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A Redis of the test's own (it stops it), relays A and B on it, alice on A and bob on B, bob reachable. */
async function ownPair(options: Partial<RedisBridgeOptions> = {}, persist = false) {
  const own = await startRedis(undefined, { persist });
  cleanups.push(() => own.stop());
  const prefix = `t${swarm++}`;
  const a = await relay(prefix, 'A', own.url, options);
  const b = await relay(prefix, 'B', own.url);
  const alice = await client(a.server.wsUrl, 'alice');
  const bob = await client(b.server.wsUrl, 'bob');
  await reachable(prefix, bob.session, own.url);
  return { own, prefix, a, b, alice, bob };
}

/**
 * Relay A in process and relay C in a child process (killable), alice on A, bob on C and reachable; once `dead()` is
 * set, bob's reconnections go to A.
 */
async function killablePair(options: Partial<RedisBridgeOptions> = {}) {
  const prefix = `t${swarm++}`;
  const a = await relay(prefix, 'A', redis.url, options);
  const c = await bridgedRelayProcess(redis.url, 'C', prefix);
  cleanups.push(() => c.kill());
  let dead = false;
  const alice = await client(a.server.wsUrl, 'alice');
  const bob = await client(() => (dead ? a.server.wsUrl : c.wsUrl), 'bob');
  await reachable(prefix, bob.session);
  return { prefix, a, c, alice, bob, dead: () => void (dead = true) };
}

/** Sends TOTAL acked frames from `from` to `to`, at most 50 unacked; `midway` runs once `received()` passes 100. */
async function stream(from: Session, to: Session, received: () => number, midway: () => Promise<void>, total = 400): Promise<void> {
  let sent = 0;
  const pump = async () => {
    while (sent < total) {
      if (from.unacked < 50) from.send({ type: MessageType.Routed, ack: true, body: routedBody(to.nodeId, event(sent++)) });
      else await new Promise((r) => setTimeout(r, 1));
    }
  };
  const sending = pump();
  await until(() => received() >= 100);
  await midway();
  await sending;
}

const event = (body: unknown): Uint8Array => encodeFrame({ type: MessageType.Event, body });
const carried = (f: Frame): unknown => decodeBody(decodeFrame(parseRouted(decodeBody(f)).frame));
const errorFor = async (c: Awaited<ReturnType<typeof client>>, id: number): Promise<{ status: number; message: string }> => {
  await until(() => c.inbox.some((f) => f.type === MessageType.Error && Number(f.requestId) === id));
  return decodeBody(c.inbox.find((f) => f.type === MessageType.Error && Number(f.requestId) === id)!);
};

describe('relays bridged through Redis', () => {
  it('routes acked frames to a node on another relay, both ways, and reports a node that is nowhere', async () => {
    const prefix = `t${swarm++}`;
    const a = await relay(prefix, 'A');
    const b = await relay(prefix, 'B');
    const alice = await client(a.server.wsUrl, 'alice');
    const bob = await client(b.server.wsUrl, 'bob');
    await reachable(prefix, bob.session);
    await reachable(prefix, alice.session);
    for (let i = 0; i < 20; i++) alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.session.nodeId, event(i)) });
    await until(() => bob.inbox.length === 20);
    expect(bob.inbox.map(carried)).toEqual([...Array(20).keys()]);
    expect(parseRouted(decodeBody(bob.inbox[0]!)).from).toEqual(alice.session.nodeId);
    bob.session.send({ type: MessageType.Routed, body: routedBody(alice.session.nodeId, event('hi alice')) });
    await until(() => alice.inbox.length === 1);
    expect(carried(alice.inbox[0]!)).toBe('hi alice');
    const id = alice.session.send({ type: MessageType.Routed, body: routedBody(new Uint8Array(16).fill(7), event('lost')) });
    const error = await errorFor(alice, id);
    expect(error.status).toBe(Status.ModuleNotFound);
    expect(error.message).toContain('or any relay linked to it');
    await until(() => alice.session.unacked === 0);
  });

  it('takes best-effort frames in the MessagePack form of relays before this one, and drops what is no frame', async () => {
    const { own, prefix, alice, bob } = await ownPair();
    const channel = `{${prefix}:${Buffer.from(bob.session.nodeId).toString('hex')}}:ch`;
    const routed = { to: bob.session.nodeId, from: alice.session.nodeId, ttl: 15, hops: 1 };
    // Another program's message, a frame cut short, and one naming bob's own relay as its sender (B: its own echo).
    for (const junk of [Buffer.from('hello'), Buffer.from([1, 9, 0x41]), Buffer.from([1, 1, 0x42, 15, 1, ...bob.session.nodeId, ...alice.session.nodeId, ...event('echo')])]) {
      expect(await redisCommand(own.url, 'PUBLISH', channel, junk)).toBe(1);
    }
    const old = pack({ r: 'an-older-relay', b: { ...routed, frame: event('from before') }, a: false });
    expect(await redisCommand(own.url, 'PUBLISH', channel, Buffer.from(old))).toBe(1);
    alice.session.send({ type: MessageType.Routed, body: routedBody(bob.session.nodeId, event('now')) });
    await until(() => bob.inbox.length === 2);
    expect(bob.inbox.map(carried)).toEqual(['from before', 'now']);
    expect(parseRouted(decodeBody(bob.inbox[1]!)).from).toEqual(alice.session.nodeId);
  });

  it('refuses a relay id its messages cannot carry (past 255 bytes of UTF-8) with a TypeError, before connecting', async () => {
    const server = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
    cleanups.push(() => server.close());
    await expect(bridgeRedis(server.relay, { url: 'redis://127.0.0.1:1', relayId: 'r'.repeat(256) })).rejects.toThrow(TypeError);
    expect(server.relay.uplink).toBeUndefined();
  });

  it('delivers broadcasts on every relay, and topic broadcasts to subscribers only', async () => {
    const prefix = `t${swarm++}`;
    const a = await relay(prefix, 'A');
    const b = await relay(prefix, 'B');
    const alice = await client(a.server.wsUrl, 'alice');
    const carol = await client(a.server.wsUrl, 'carol');
    const bob = await client(b.server.wsUrl, 'bob');
    const dan = await client(b.server.wsUrl, 'dan');
    dan.session.send({ type: MessageType.Subscribe, body: 'ops' });
    await until(() => b.server.relay.peers().some((p) => p.topics.includes('ops')));
    alice.session.send({ type: MessageType.Broadcast, body: { data: 'everyone' } });
    alice.session.send({ type: MessageType.Broadcast, body: { topic: 'ops', data: 'ops only' } });
    const got = (c: typeof alice) => c.inbox.filter((f) => f.type === MessageType.Broadcast).map((f) => decodeBody<{ data: string }>(f).data);
    await until(() => got(dan).length === 2 && got(bob).length === 1 && got(carol).length === 1);
    await new Promise((r) => setTimeout(r, 100)); // nothing more arrives
    expect(got(dan)).toEqual(['everyone', 'ops only']);
    expect(got(bob)).toEqual(['everyone']);
    expect(got(carol)).toEqual(['everyone']);
    expect(got(alice)).toEqual([]);
    expect(decodeBody<{ from: Uint8Array }>(dan.inbox.find((f) => f.type === MessageType.Broadcast)!).from).toEqual(alice.session.nodeId);
  });

  it('notices a relay killed with SIGKILL: reported down, its nodes unreachable for best-effort frames', async () => {
    const prefix = `t${swarm++}`;
    const a = await relay(prefix, 'A');
    const events: string[] = [];
    a.bridge.onRelay((id, state) => events.push(`${id} ${state}`));
    const c = await bridgedRelayProcess(redis.url, 'C', prefix);
    cleanups.push(() => c.kill());
    const alice = await client(a.server.wsUrl, 'alice');
    const dave = await client(c.wsUrl, 'dave');
    await until(() => a.bridge.relays().includes('C'));
    await reachable(prefix, dave.session);
    alice.session.send({ type: MessageType.Routed, body: routedBody(dave.session.nodeId, event('before')) });
    await until(() => dave.inbox.length === 1);

    await c.kill();
    const killed = events.length;
    await until(() => events.slice(killed).includes('C down'), 5_000);
    expect(events.slice(killed)).toEqual(['C down']);
    expect(a.bridge.relays()).toEqual(['A']);
    const id = alice.session.send({ type: MessageType.Routed, body: routedBody(dave.session.nodeId, event('after')) });
    expect((await errorFor(alice, id)).status).toBe(Status.ModuleNotFound);
  });

  it('says goodbye on close: the others report it down without waiting for silence', async () => {
    const prefix = `t${swarm++}`;
    const a = await relay(prefix, 'A');
    const b = await relay(prefix, 'B');
    await until(() => a.bridge.relays().includes('B') && b.bridge.relays().includes('A'));
    const downAt: number[] = [];
    a.bridge.onRelay((id, state) => id === 'B' && state === 'down' && downAt.push(Date.now()));
    const closedAt = Date.now();
    await b.bridge.close();
    await until(() => downAt.length === 1);
    expect(downAt[0]! - closedAt).toBeLessThan(FAST.deadAfterMs);
  });
});

describe('losing Redis', () => {
  it('answers best-effort frames for other relays with an Error meanwhile, reconnects, and routes again', async () => {
    const { own, prefix, a, b, alice, bob } = await ownPair();
    alice.session.send({ type: MessageType.Routed, body: routedBody(bob.session.nodeId, event(1)) });
    await until(() => bob.inbox.length === 1);

    await own.stop();
    await until(() => !a.bridge.connected && !b.bridge.connected);
    const id = alice.session.send({ type: MessageType.Routed, body: routedBody(bob.session.nodeId, event('lost')) });
    const error = await errorFor(alice, id);
    expect(error.status).toBe(Status.ExecutionError);
    expect(error.message).toContain('not connected to Redis');

    const back = await startRedis(own.port);
    cleanups.push(() => back.stop());
    await until(() => a.bridge.connected && b.bridge.connected, 10_000);
    await reachable(prefix, bob.session, own.url);
    alice.session.send({ type: MessageType.Routed, body: routedBody(bob.session.nodeId, event(2)) });
    await until(() => bob.inbox.length === 2);
    expect(bob.inbox.map(carried)).toEqual([1, 2]);
    await until(() => a.bridge.relays().includes('B')); // heartbeats flow again
  });

  it('holds acked frames while Redis restarts: the sender gets no Ack until Redis has them, and each arrives once, in order', async () => {
    const { own, a, alice, bob } = await ownPair({}, true); // streams and leases outlive the restart
    const send = (n: number) => alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.session.nodeId, event(n)) });
    for (let n = 0; n < 50; n++) send(n);
    await until(() => bob.inbox.length === 50);

    await own.kill(); // a crash: what Redis acknowledged is in its append-only file
    await until(() => !a.bridge.connected);
    for (let n = 50; n < 100; n++) send(n);
    await until(() => a.bridge.held === 50);
    await new Promise((r) => setTimeout(r, 200)); // time for Acks to reach alice, were any sent
    expect(alice.session.unacked).toBe(50); // held, so not acked: a relay dying now would lose nothing
    expect(bob.inbox.length).toBe(50);

    const back = await startRedis(own.port, { persist: true, dir: own.dir });
    cleanups.push(() => back.stop());
    await until(() => bob.inbox.length === 100, 15_000);
    await until(() => alice.session.unacked === 0);
    await new Promise((r) => setTimeout(r, 200)); // nothing more arrives
    expect(bob.inbox.map(carried)).toEqual([...Array(100).keys()]);
    expect(alice.inbox.filter((f) => f.type === MessageType.Error)).toEqual([]);
    expect(a.bridge.held).toBe(0);
  });

  it('keeps acked frames in order while Redis learns its scripts (a fresh Redis, then SCRIPT FLUSH mid-stream)', async () => {
    // A fresh or restarted Redis answers the bridge's first script calls NOSCRIPT while more are in flight behind
    // them: retrying each one when its refusal came back would let later frames overtake it.
    const { own, alice, bob } = await ownPair();
    const TOTAL = 400;
    await stream(alice.session, bob.session, () => bob.inbox.length, async () => void (await redisCommand(own.url, 'SCRIPT', 'FLUSH')), TOTAL);
    await until(() => bob.inbox.length >= TOTAL && alice.session.unacked === 0, 15_000);
    await new Promise((r) => setTimeout(r, 200)); // nothing more arrives
    expect(bob.inbox.map(carried)).toEqual([...Array(TOTAL).keys()]);
    expect(alice.inbox.filter((f) => f.type === MessageType.Error)).toEqual([]);
  });

  it('answers an acked frame held longer than holdMs with SW_ERR_REDIS_UNAVAILABLE (Timeout), and acks it', async () => {
    const { own, a, alice, bob } = await ownPair({ holdMs: 300 });
    await own.stop();
    await until(() => !a.bridge.connected);
    const id = alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.session.nodeId, event('late')) });
    await until(() => a.bridge.held === 1);
    const error = await errorFor(alice, id);
    expect(error.status).toBe(Status.Timeout);
    expect(error.message).toMatch(/SW_ERR_REDIS_UNAVAILABLE|could not take this frame for 300 ms/);
    await until(() => alice.session.unacked === 0); // answered, so not sent again
    expect(a.bridge.held).toBe(0);
  });

  it('refuses acked frames beyond maxHeld at once with SW_ERR_REDIS_FULL (BackpressureRejection)', async () => {
    const { own, a, alice, bob } = await ownPair({ maxHeld: 2 });
    await own.stop();
    await until(() => !a.bridge.connected);
    const ids = [1, 2, 3].map((n) => alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.session.nodeId, event(n)) }));
    const error = await errorFor(alice, ids[2]!);
    expect(error.status).toBe(Status.BackpressureRejection);
    expect(error.message).toContain('maxHeld 2');
    expect(a.bridge.held).toBe(2);
    expect(alice.session.unacked).toBe(2); // the two held ones wait; the refused one was answered
  });
});

// Issue 13, round 3: a node's stream was capped by count only (100,000), so anyone could park 100,000 frames of up
// to 1 MiB in Redis for a node that is away; it holds maxPendingBytes at most, and gives them back as they are acked.
describe('what one node\'s stream may hold', () => {
  it('refuses acked frames past maxPendingBytes for a node that is away with SW_ERR_REDIS_FULL, and takes them again once it read them', async () => {
    const { prefix, c, alice, bob, dead } = await killablePair({ maxPendingBytes: 70_000 });
    // Bob's relay is gone (he keeps dialling it, away for now): his lease holds for graceMs, and acked frames for
    // him wait in his stream.
    await c.kill();
    const bytesHeld = async (): Promise<number> => Number(await redisCommand(redis.url, 'GET', `{${prefix}:${Buffer.from(bob.session.nodeId).toString('hex')}}:b`));
    const data = crypto.getRandomValues(new Uint8Array(16 * 1024));
    const send = (n: number) => alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.session.nodeId, encodeFrame({ type: MessageType.Event, requestId: n, body: { n, data } })) });
    const ids = [1, 2, 3, 4, 5].map(send); // ~16.5 KB each in the stream: four fit in 70,000 bytes
    const error = await errorFor(alice, ids[4]!);
    expect(error.status).toBe(Status.BackpressureRejection);
    expect(error.message).toContain('70000 bytes waiting in its stream');
    const held = await bytesHeld();
    expect(held).toBeGreaterThan(4 * 16 * 1024);
    expect(held).toBeLessThanOrEqual(70_000);
    // Bob comes back, at A, and reads his stream: what he acked is taken off the count, and there is room again.
    dead();
    await until(() => bob.inbox.filter((f) => f.type === MessageType.Routed).length >= 4, 15_000);
    for (const end = Date.now() + 10_000; (await bytesHeld()) !== 0; await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() > end) throw new Error(`still ${await bytesHeld()} bytes counted in bob's stream`);
    }
    const more = send(6);
    await until(() => bob.inbox.filter((f) => f.type === MessageType.Routed).length >= 5, 10_000);
    expect(alice.inbox.filter((f) => f.type === MessageType.Error && f.requestId === BigInt(more))).toEqual([]);
  });
});

describe('exactly once across relays', () => {
  it('a receiver whose relay is SIGKILLed reconnects to another relay and gets every acked frame once, in order', async () => {
    const { c, alice, bob, dead } = await killablePair();
    const TOTAL = 400;
    // Killed with frames in flight at C: read from bob's stream, perhaps handed over, perhaps acked, not committed.
    await stream(alice.session, bob.session, () => bob.inbox.length, async () => void (await c.kill(), dead()), TOTAL);
    await until(() => bob.inbox.length >= TOTAL && alice.session.unacked === 0, 15_000);
    await new Promise((r) => setTimeout(r, 200)); // nothing more arrives
    expect(bob.inbox.map(carried)).toEqual([...Array(TOTAL).keys()]);
    expect(alice.inbox.filter((f) => f.type === MessageType.Error)).toEqual([]);
  });

  it('a sender whose relay is SIGKILLed sends its unacked frames again through another relay: none is lost or doubled', async () => {
    const prefix = `t${swarm++}`;
    const a = await relay(prefix, 'A');
    const c = await bridgedRelayProcess(redis.url, 'C', prefix);
    cleanups.push(() => c.kill());
    let dead = false;
    const alice = await client(() => (dead ? a.server.wsUrl : c.wsUrl), 'alice');
    const bob = await client(a.server.wsUrl, 'bob');
    await reachable(prefix, bob.session);
    const TOTAL = 400;
    // Killed with frames in flight to Redis: some in, some not, none acked to alice yet.
    await stream(alice.session, bob.session, () => bob.inbox.length, async () => void (await c.kill(), (dead = true)), TOTAL);
    await until(() => bob.inbox.length >= TOTAL && alice.session.unacked === 0, 15_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(bob.inbox.map(carried)).toEqual([...Array(TOTAL).keys()]);
  });

  it('drops a frame its origin sends again through another relay after the first copy entered the stream; a restarted origin\'s ids are new', async () => {
    // What a sender does when its relay died after Redis took a frame and before the Ack got out: its session resumes
    // on the relay it reconnects to and sends the frame again, with the same request id.
    const prefix = `t${swarm++}`;
    const a = await relay(prefix, 'A');
    const b = await relay(prefix, 'B');
    let at = a.server.wsUrl;
    const sender = await client(() => at, 'sender');
    const bob = await client(b.server.wsUrl, 'bob');
    await reachable(prefix, bob.session);
    const frame = (n: number, requestId: number) => ({ type: MessageType.Routed, ack: true, requestId, body: routedBody(bob.session.nodeId, event(n)) });
    sender.session.send(frame(1, 101));
    sender.session.send(frame(2, 102));
    await until(() => bob.inbox.length === 2 && sender.session.unacked === 0);
    at = b.server.wsUrl;
    sender.drop();
    await until(() => sender.session.state === 'open' && b.server.relay.peers().some((p) => p.id === Buffer.from(sender.session.nodeId).toString('hex')), 10_000);
    sender.session.send(frame(2, 102)); // a repeat of the same session: dropped by bob's stream
    sender.session.send(frame(3, 103)); // new
    await until(() => bob.inbox.length === 3 && sender.session.unacked === 0);
    // The sender restarts with its identity (a new session, ids from 1 again — here the same ones): they are new.
    sender.session.close();
    const restarted = await connectSession(() => connectWebSocket(b.server.wsUrl), { identity: sender.identity, heartbeatIntervalMs: 0, reconnect: false });
    cleanups.push(() => restarted.close());
    restarted.send(frame(4, 101));
    restarted.send(frame(5, 102));
    await until(() => bob.inbox.length === 5 && restarted.unacked === 0);
    await new Promise((r) => setTimeout(r, 200)); // nothing more arrives
    expect(bob.inbox.map(carried)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a node that moves between relays keeps getting acked frames from each (its duplicate filter is per relay)', async () => {
    const prefix = `t${swarm++}`;
    const a = await relay(prefix, 'A');
    const b = await relay(prefix, 'B');
    let at = a.server.wsUrl;
    const alice = await client(a.server.wsUrl, 'alice');
    const bob = await client(() => at, 'bob');
    await reachable(prefix, bob.session);
    // Frames from alice's relay's own counter, best effort and acked, then the same after bob moved: relay B numbers
    // its frames from 1 too, which a duplicate filter shared across relays would take for repeats.
    for (let n = 0; n < 20; n++) alice.session.send({ type: MessageType.Routed, ack: n % 2 === 0, body: routedBody(bob.session.nodeId, event(n)) });
    await until(() => bob.inbox.length === 20);
    at = b.server.wsUrl;
    bob.drop();
    await until(() => bob.session.state === 'open' && b.server.relay.peers().some((p) => p.id === Buffer.from(bob.session.nodeId).toString('hex')), 10_000);
    await reachable(prefix, bob.session);
    for (let n = 20; n < 40; n++) alice.session.send({ type: MessageType.Routed, ack: n % 2 === 0, body: routedBody(bob.session.nodeId, event(n)) });
    await until(() => bob.inbox.length === 40);
    // Acked frames in order (best-effort ones take the shorter way, so they may pass them), and none lost: relay A
    // sends the best-effort ones for bob, away from it now, through Redis too.
    const got = bob.inbox.map(carried) as number[];
    expect(got.filter((n) => n % 2 === 0)).toEqual([...Array(20).keys()].map((n) => 2 * n));
    expect(got.filter((n) => n % 2 === 1).sort((x, y) => x - y)).toEqual([...Array(20).keys()].map((n) => 2 * n + 1));
  });
});

describe('a node connected to no relay', () => {
  /**
   * Relays A and B, alice on B, bob on A. bob's relay-side session ends 200 ms after his connection does, and A then
   * deletes his lease: while he dials nowhere (`away()`), no relay serves him. `back()` sends him to B.
   */
  async function leaving(awayMs?: number) {
    const prefix = `t${swarm++}`;
    const a = await relay(prefix, 'A', redis.url, {}, 200);
    const b = await relay(prefix, 'B', redis.url, awayMs === undefined ? {} : { awayMs });
    const alice = await client(b.server.wsUrl, 'alice');
    let at: string = a.server.wsUrl;
    const bob = await client(() => at, 'bob');
    await reachable(prefix, bob.session);
    const lease = `{${prefix}:${Buffer.from(bob.session.nodeId).toString('hex')}}:at`;
    const send = (n: number): number => alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.session.nodeId, event(n)) });
    const away = async () => {
      at = 'ws://127.0.0.1:1/'; // nothing listens there: bob keeps dialling
      bob.drop();
      for (const end = Date.now() + 5_000; (await redisCommand(redis.url, 'EXISTS', lease)) !== 0;) { // his session on A ended
        if (Date.now() > end) throw new Error(`${lease} still there`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const back = async () => {
      at = b.server.wsUrl;
      const onB = () => b.server.relay.peers().some((p) => p.id === Buffer.from(bob.session.nodeId).toString('hex'));
      await until(() => bob.session.state === 'open' && onB(), 10_000).catch((e: Error) => {
        throw new Error(`${e.message}: bob ${bob.session.state}, on B ${onB()}`);
      });
    };
    return { a, b, alice, bob, send, away, back };
  }
  const errors = (c: Awaited<ReturnType<typeof client>>) => c.inbox.filter((f) => f.type === MessageType.Error);

  it('holds acked frames for a node between relays, unacked, and delivers each once, in order, when it reappears on another', async () => {
    const { b, alice, bob, send, away, back } = await leaving();
    for (let n = 0; n < 10; n++) send(n);
    await until(() => bob.inbox.length === 10 && alice.session.unacked === 0);
    await away();
    for (let n = 10; n < 60; n++) send(n);
    // Before this change they were answered "no node" at once. Now held by B, their Acks too: nothing is answered.
    await until(() => b.bridge.held === 50);
    await new Promise((r) => setTimeout(r, 300)); // a few probes: bob is still nowhere
    expect(b.bridge.held).toBe(50);
    expect(alice.session.unacked).toBe(50);
    expect(errors(alice)).toEqual([]);
    await back();
    await until(() => bob.inbox.length >= 60 && alice.session.unacked === 0, 10_000);
    await new Promise((r) => setTimeout(r, 200)); // nothing more arrives
    expect(bob.inbox.map(carried)).toEqual([...Array(60).keys()]);
    expect(errors(alice)).toEqual([]);
    expect(b.bridge.held).toBe(0);
  });

  it('answers a frame held past awayMs with ModuleNotFound, and it never arrives later; the frames after it do', async () => {
    const { b, alice, bob, send, away, back } = await leaving(600);
    send(0);
    await until(() => bob.inbox.length === 1 && alice.session.unacked === 0);
    await away();
    const ids = [1, 2, 3].map(send);
    await until(() => b.bridge.held === 3);
    for (const id of ids) {
      const error = await errorFor(alice, id);
      expect(error.status).toBe(Status.ModuleNotFound);
      expect(error.message).toContain('no node');
    }
    expect(b.bridge.held).toBe(0);
    await until(() => alice.session.unacked === 0);
    await back();
    send(4);
    await until(() => bob.inbox.length === 2 && alice.session.unacked === 0, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(bob.inbox.map(carried)).toEqual([0, 4]);
    expect(errors(alice)).toHaveLength(3);
  });

  it('answers at once with awayMs 0 (the bridge as before)', async () => {
    const { b, alice, send, away } = await leaving(0);
    await away();
    const id = send(1);
    expect((await errorFor(alice, id)).status).toBe(Status.ModuleNotFound);
    expect(b.bridge.held).toBe(0);
  });
});

describe("the dashboard of a relay bridged through Redis (issue 18)", () => {
  it('counts the frames that come from Redis in its series (calls once each), and lists their origins behind Redis', async () => {
    const prefix = `t${swarm++}`;
    const a = await relay(prefix, 'A');
    const b = await relay(prefix, 'B');
    const alice = await client(a.server.wsUrl, 'alice');
    const bob = await client(b.server.wsUrl, 'bob');
    const carol = await client(b.server.wsUrl, 'carol');
    await reachable(prefix, bob.session);
    await reachable(prefix, carol.session);
    // B's recorder on a clock of the test's own, watching from now on (as the page's first /dashboard.json does).
    const clock = { t: Math.ceil(Date.now() / 1000) * 1000 };
    // (The relay as the recorder sees it: its `observer` is @internal, left out of the published types.)
    const traffic = new DashboardTraffic(b.server.relay as unknown as WatchedRelay, () => clock.t);
    traffic.snapshot();
    const call = (n: number) => encodeFrame({ type: MessageType.Request, requestId: n, moduleId: 1n, body: [n] });
    for (let n = 1; n <= 3; n++) alice.session.send({ type: MessageType.Routed, body: routedBody(bob.session.nodeId, call(n)) }); // best effort: PUBLISH
    for (let n = 4; n <= 5; n++) alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.session.nodeId, event(n)) }); // its stream
    alice.session.send({ type: MessageType.Broadcast, body: { data: 'all' } });
    // carol's acked call to bob, both on B, goes through bob's stream too (he may move before he reads it): it comes
    // back from Redis, and is counted as a call once, as it left carol.
    carol.session.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.session.nodeId, call(6)) });
    await until(() => bob.inbox.filter((f) => f.type === MessageType.Routed).length === 6 && bob.inbox.some((f) => f.type === MessageType.Broadcast));
    clock.t += 1_000;
    const snap = traffic.snapshot();
    expect(snap.uplink).toBe(true);
    const second = snap.series.at(-1)!;
    // Before: calls 1 (carol's, seen as it left her), no uplink figure, no remote nodes.
    expect({ calls: second.calls, uplink: second.uplink }).toEqual({ calls: 4, uplink: 3 + 2 + 1 + 1 });
    expect(snap.remote.map((r) => r.id)).toEqual([Buffer.from(alice.session.nodeId).toString('hex')]);
    // The relay's own recorder, read as the page reads it.
    const served = (await (await fetch(new URL('/dashboard.json', b.server.url))).json()) as { uplink: boolean; remote: unknown[] };
    expect(served).toMatchObject({ uplink: true, remote: [] }); // it watches from this first look on
    alice.session.send({ type: MessageType.Routed, body: routedBody(bob.session.nodeId, call(7)) });
    await until(() => bob.inbox.filter((f) => f.type === MessageType.Routed).length === 7);
    const again = (await (await fetch(new URL('/dashboard.json', b.server.url))).json()) as { remote: Array<{ id: string }> };
    expect(again.remote.map((r) => r.id)).toEqual([Buffer.from(alice.session.nodeId).toString('hex')]);
  });
});

describe("a node's lease", () => {
  it('is written when a node resumes its session on a relay, so the relay it left cannot delete it on leaving', async () => {
    // Bob on A, then on B (a new session there: B writes the lease), then back on A — where his first session still
    // waits, so he resumes it: no join. B's session for him ends (its resume window) and B deletes the lease if it
    // still names B. Unless A wrote it on the resume, bob — connected to A all along — is "no node" for acked frames
    // from any other relay until A's next renewal (graceMs / 3: 20 s here, far past this test).
    const prefix = `t${swarm++}`;
    const graceMs = 60_000;
    const a = await relay(prefix, 'A', redis.url, { graceMs }, 60_000);
    const b = await relay(prefix, 'B', redis.url, { graceMs }, 200);
    const bobId = (s: Session) => Buffer.from(s.nodeId).toString('hex');
    let at = a.server.wsUrl;
    const bob = await client(() => at, 'bob');
    const alice = await client(b.server.wsUrl, 'alice');
    await reachable(prefix, bob.session);
    const lease = `{${prefix}:${bobId(bob.session)}}:at`;
    /** The relay the lease names once `done` holds of it (deadline 5 s). */
    const leaseOnce = async (done: (holder: string) => boolean): Promise<string> => {
      for (const end = Date.now() + 5_000; ;) {
        const holder = String(await redisCommand(redis.url, 'GET', lease));
        if (done(holder) || Date.now() > end) return holder;
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const opens = (server: RelayServer) => server.relay.host.sessions.get(bobId(bob.session))?.state === 'open';
    at = b.server.wsUrl;
    bob.drop();
    await until(() => opens(b.server), 10_000);
    expect(await leaseOnce((holder) => holder === 'B')).toBe('B');
    at = a.server.wsUrl;
    bob.drop();
    await until(() => opens(a.server), 10_000);
    // B's session for bob ends (200 ms after he left it): B lets go of bob.
    await until(() => !b.server.relay.host.sessions.has(bobId(bob.session)), 10_000);
    expect(await leaseOnce((holder) => holder !== 'B')).toBe('A');
    for (let n = 0; n < 5; n++) alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.session.nodeId, event(n)) });
    await until(() => bob.inbox.length === 5 && alice.session.unacked === 0, 10_000);
    expect(bob.inbox.map(carried)).toEqual([0, 1, 2, 3, 4]);
    expect(alice.inbox.filter((f) => f.type === MessageType.Error).map((f) => decodeBody<{ message: string }>(f).message)).toEqual([]);
  });
  it('is written again as soon as Redis is back, also while Redis still loads its data (LOADING)', async () => {
    // Redis comes back without bob's lease (here deleted before the restart: as one that ran out while Redis was
    // down), and answers LOADING for its first seconds. The relays reconnect meanwhile: a single write then is
    // refused, and bob — connected to B all along — would be "no node" until B's next renewal (20 s here).
    const own = await startRedis();
    cleanups.push(() => own.stop()); // (removes its folder, after the restarted one stopped)
    const graceMs = 60_000;
    const prefix = `t${swarm++}`;
    const a = await relay(prefix, 'A', own.url, { graceMs });
    const b = await relay(prefix, 'B', own.url, { graceMs });
    const alice = await client(a.server.wsUrl, 'alice');
    const bob = await client(b.server.wsUrl, 'bob');
    await reachable(prefix, bob.session, own.url);
    const lease = `{${prefix}:${Buffer.from(bob.session.nodeId).toString('hex')}}:at`;
    // Enough data that loading it, 1 ms a key, takes seconds; events (connections, LOADING replies) served meanwhile.
    await redisCommand(own.url, 'EVAL', "for i = 1, 3000 do redis.call('SET', 'filler:' .. i, i) end", '0');
    await redisCommand(own.url, 'DEL', lease);
    await redisCommand(own.url, 'SAVE');
    await own.kill();
    const back = await startRedis(own.port, {
      dir: own.dir, readyMs: 30_000, args: ['--key-load-delay', '1000', '--loading-process-events-interval-bytes', '1024'],
    });
    cleanups.push(() => back.stop());
    const holder = async (): Promise<string> => String(await redisCommand(own.url, 'GET', lease));
    for (const end = Date.now() + 5_000; (await holder()) !== 'B' && Date.now() < end;) await new Promise((r) => setTimeout(r, 5));
    expect(await holder()).toBe('B');
    for (let n = 0; n < 3; n++) alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.session.nodeId, event(n)) });
    await until(() => bob.inbox.length === 3 && alice.session.unacked === 0, 10_000);
    expect(bob.inbox.map(carried)).toEqual([0, 1, 2]);
    expect(alice.inbox.filter((f) => f.type === MessageType.Error)).toEqual([]);
  });
});

describe('an answer every try would get', () => {
  /** Redis's counters of connections accepted and error replies sent, read on one connection of the test's own. */
  const counters = async (url: string) => {
    const admin = createClient({ url });
    admin.on('error', () => {});
    await admin.connect();
    cleanups.push(() => admin.destroy());
    return async (): Promise<[connections: number, errors: number]> => {
      const info = String(await admin.sendCommand(['INFO', 'stats']));
      const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)![1]);
      return [field('total_connections_received'), field('total_error_replies')];
    };
  };
  const USER = ['--user', 'relay', 'on', '>relay-pass', '~*', '&*', '+@all'];
  // What an operator does after the relays connected; `admin` is a URL Redis still takes afterwards.
  const cases: Array<[reply: string, args: string[], change: (url: string) => Promise<string>]> = [
    ['NOAUTH', [], async (url) => {
      await redisCommand(url, 'CONFIG', 'SET', 'requirepass', 'secret');
      const admin = url.replace('redis://', 'redis://:secret@');
      await redisCommand(admin, 'CLIENT', 'KILL', 'TYPE', 'pubsub');
      await redisCommand(admin, 'CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      return admin;
    }],
    ['WRONGPASS', USER, async (url) => {
      await redisCommand(url, 'ACL', 'SETUSER', 'relay', 'resetpass', '>another-pass');
      await redisCommand(url, 'CLIENT', 'KILL', 'USER', 'relay'); // it reconnects with the old one
      return url;
    }],
    ['NOPERM', USER, async (url) => {
      await redisCommand(url, 'ACL', 'SETUSER', 'relay', '-@all'); // its connections stay; every command is refused
      return url;
    }],
  ];

  it.each(cases)('%s after connecting: SW_ERR_REDIS_REFUSED (not recoverable) once, no more tries, the relay serves its own peers alone', async (reply, args, change) => {
    const own = await startRedis(undefined, { args });
    cleanups.push(() => own.stop());
    const url = args.length > 0 ? own.url.replace('redis://', 'redis://relay:relay-pass@') : own.url;
    const prefix = `t${swarm++}`;
    const a = await relay(prefix, 'A', url);
    const told: unknown[] = [];
    a.bridge.onError((e) => told.push(e));
    const alice = await client(a.server.wsUrl, 'alice');
    let carolMayReturn = true;
    const carol = await client(() => (carolMayReturn ? a.server.wsUrl : 'ws://127.0.0.1:1/'), 'carol');
    await reachable(prefix, carol.session, own.url);
    expect(a.bridge.failure).toBeUndefined();

    const admin = await change(own.url);
    await until(() => a.bridge.failure !== undefined);
    const failure = a.bridge.failure!;
    expect(failure).toMatchObject({ name: 'RedisError', code: 'SW_ERR_REDIS_REFUSED', status: Status.Unauthorized, recoverable: false });
    expect(failure.message).toContain(reply);
    expect(failure.message).not.toContain('relay-pass');
    expect(a.bridge.connected).toBe(false);
    expect(told).toEqual([failure]);
    const late: unknown[] = [];
    a.bridge.onError((e) => late.push(e));
    expect(late).toEqual([failure]); // a listener added after is told at once

    // No more tries: Redis accepts no connection from it and refuses it nothing.
    const tries = await counters(admin);
    await new Promise((r) => setTimeout(r, 100)); // replies still on their way when it gave up
    const before = await tries();
    await new Promise((r) => setTimeout(r, 500)); // five times the bridge's largest backoff (relay(): 100 ms)
    const after = await tries();
    expect([after[0] - before[0], after[1] - before[1]]).toEqual([0, 0]);
    expect(told).toHaveLength(1);

    // Alone: an acked frame for a peer of its own is delivered; one for a node elsewhere is answered with why.
    alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(carol.session.nodeId, event('here')) });
    await until(() => carol.inbox.length === 1);
    expect(carried(carol.inbox[0]!)).toBe('here');
    await until(() => alice.session.unacked === 0);
    const id = alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(new Uint8Array(16).fill(7), event('elsewhere')) });
    const error = await errorFor(alice, id);
    expect(error.status).toBe(Status.Unauthorized);
    expect(error.message).toContain(reply);

    // Carol away (her connection gone, her session kept for its grace): an acked frame for her waits in her session,
    // not sent to the failed bridge to be refused, and reaches her when she is back.
    carolMayReturn = false;
    const carolId = Buffer.from(carol.session.nodeId).toString('hex');
    carol.drop();
    await until(() => a.server.relay.peers().find((p) => p.id === carolId)?.transport === 'none');
    const waiting = alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(carol.session.nodeId, event('while away')) });
    const refused: unknown[] = [];
    alice.session.on('frame', (f) => f.type === MessageType.Error && Number(f.requestId) === waiting && refused.push(f));
    carolMayReturn = true;
    await until(() => carol.inbox.length === 2);
    expect(carried(carol.inbox[1]!)).toBe('while away');
    await until(() => alice.session.unacked === 0);
    expect(refused).toEqual([]);
  });
});

describe("README's scale-out snippet", () => {
  it('run twice, gives two bridged relays: a frame crosses from one to the other, and each sees the other up', async () => {
    const prefix = `t${swarm++}`;
    const events: string[] = [];
    (globalThis as { relayEvents?: string[] }).relayEvents = events;
    const load = async (name: string) => {
      // Inside the package, so 'swarmwire/relay' resolves to this build as it would in a user's project.
      const file = new URL(`./.readme-scale-out-${name}.tmp.mjs`, import.meta.url).pathname;
      writeFileSync(file, substitute(readmeBlock('scale-out'), [
        ["host: '0.0.0.0', port: 8787", "host: '127.0.0.1', port: 0"],
        ["{ url: 'redis://127.0.0.1:6379' }", `{ url: '${redis.url}', prefix: '${prefix}', relayId: '${name}', heartbeatMs: 100 }`],
        ['console.log(', 'globalThis.relayEvents.push('],
      ]));
      try {
        const mod = (await import(file)) as { server: RelayServer; bridge: RedisBridge };
        cleanups.push(() => mod.server.close(), () => mod.bridge.close());
        return mod;
      } finally {
        rmSync(file, { force: true });
      }
    };
    const a = await load('A');
    const b = await load('B');
    const alice = await client(a.server.wsUrl, 'alice');
    const bob = await client(b.server.wsUrl, 'bob');
    await reachable(prefix, bob.session);
    alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.session.nodeId, event('across')) });
    await until(() => bob.inbox.length === 1);
    expect(carried(bob.inbox[0]!)).toBe('across');
    await until(() => events.includes('relay A is up') && events.includes('relay B is up'));
  });
});
