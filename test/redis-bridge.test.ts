// Relays bridged through a real redis-server: frames for a node on another relay arrive, broadcasts reach every
// relay, and a relay killed with SIGKILL is reported down and its nodes become unreachable at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectSession, connectWebSocket, decodeBody, MessageType, Status, type Frame, type Session } from 'swarmwire';
import { decodeFrame, encodeFrame, parseRouted, routedBody } from 'swarmwire/wire';
import { bridgeRedis, startRelay, type RedisBridge, type RelayServer } from 'swarmwire/node';
import { encodeCommand, RespConnection } from '../src/relay/resp.js';
import { readmeBlock, substitute } from './fixtures/readme.js';
import { startRedis, type RedisServer } from './fixtures/redis.js';
import { until } from './fixtures/until.js';

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

const FAST = { heartbeatMs: 100, deadAfterMs: 400 };
let swarm = 0;

/** A relay on its own port, bridged into swarm `prefix`. */
async function relay(prefix: string, relayId: string, url = redis.url): Promise<{ server: RelayServer; bridge: RedisBridge }> {
  const server = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
  const bridge = await bridgeRedis(server.relay, { url, prefix, relayId, ...FAST, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
  cleanups.push(() => server.close(), () => bridge.close());
  return { server, bridge };
}

async function client(wsUrl: string, name: string) {
  const session: Session = await connectSession(() => connectWebSocket(wsUrl), { metadata: { name }, heartbeatIntervalMs: 0, reconnect: false });
  cleanups.push(() => session.close());
  const inbox: Frame[] = [];
  session.on('frame', (f) => inbox.push({ ...f, payload: f.payload.slice() }));
  return { session, inbox };
}

/**
 * Waits until node `id` is reachable through Redis: its relay subscribes the node's channel one Redis round trip
 * after the handshake, and a frame published before that finds no one.
 */
async function reachable(prefix: string, session: Session, url = redis.url): Promise<void> {
  const c = await RespConnection.connect(url);
  try {
    const channel = `${prefix}:node:${Buffer.from(session.nodeId).toString('hex')}`;
    for (const end = Date.now() + 5_000; ;) {
      const reply = (await c.command('PUBSUB', 'NUMSUB', channel)) as [Uint8Array, number];
      if (reply[1] === 1) return;
      if (Date.now() > end) throw new Error(`${channel} has no subscriber`);
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    c.close();
  }
}

const event = (body: unknown): Uint8Array => encodeFrame({ type: MessageType.Event, body });
const carried = (f: Frame): unknown => decodeBody(decodeFrame(parseRouted(decodeBody(f)).frame));
const errorFor = async (c: Awaited<ReturnType<typeof client>>, id: number): Promise<{ status: number; message: string }> => {
  await until(() => c.inbox.some((f) => f.type === MessageType.Error && Number(f.requestId) === id));
  return decodeBody(c.inbox.find((f) => f.type === MessageType.Error && Number(f.requestId) === id)!);
};

describe('RESP client', () => {
  it('encodes commands as arrays of bulk strings, binary-safe', () => {
    expect(Buffer.from(encodeCommand(['SET', 'k', new Uint8Array([0, 13, 10, 255])])).toString('latin1'))
      .toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\n\x00\r\n\xff\r\n');
  });

  it('round-trips binary values, integers, nil, arrays and errors through redis-server', async () => {
    const c = await RespConnection.connect(redis.url);
    cleanups.push(() => c.close());
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 31) & 255); // spans many TCP reads
    expect(Buffer.from((await c.command('SET', 'bin', bytes)) as Uint8Array).toString()).toBe('OK');
    expect(Buffer.compare(Buffer.from((await c.command('GET', 'bin')) as Uint8Array), Buffer.from(bytes))).toBe(0);
    expect(await c.command('GET', 'missing')).toBeNull();
    expect(await c.command('DEL', 'bin', 'missing')).toBe(1);
    expect(await c.command('PUBLISH', 'nobody-listens', 'x')).toBe(0);
    await expect(c.command('NOSUCHCOMMAND')).rejects.toMatchObject({ name: 'RedisError', code: 'SW_ERR_REDIS' });
    expect(await c.command('PING')).toEqual(new Uint8Array(Buffer.from('PONG'))); // still in step after the error
  });

  it('rejects with RedisError when nothing listens', async () => {
    await expect(RespConnection.connect('redis://127.0.0.1:1', { timeoutMs: 2_000 })).rejects.toMatchObject({ code: 'SW_ERR_REDIS' });
  });
});

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

  it('notices a relay killed with SIGKILL: reported down, its nodes unreachable', async () => {
    const prefix = `t${swarm++}`;
    const a = await relay(prefix, 'A');
    const events: string[] = [];
    a.bridge.onRelay((id, state) => events.push(`${id} ${state}`));
    const child: ChildProcess = spawn(process.execPath, [new URL('./fixtures/bridged-relay.mjs', import.meta.url).pathname, redis.url, 'C', prefix], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'));
    const { wsUrl } = JSON.parse(await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`bridged relay exited with ${code}`)));
    })) as { wsUrl: string };
    const alice = await client(a.server.wsUrl, 'alice');
    const dave = await client(wsUrl, 'dave');
    await until(() => a.bridge.relays().includes('C'));
    await reachable(prefix, dave.session);
    alice.session.send({ type: MessageType.Routed, body: routedBody(dave.session.nodeId, event('before')) });
    await until(() => dave.inbox.length === 1);

    process.kill(child.pid!, 'SIGKILL');
    await until(() => events.includes('C down'), 3_000);
    expect(events).toEqual(['C up', 'C down']);
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
  it('answers frames for other relays with an Error meanwhile, reconnects, and routes again', async () => {
    const own = await startRedis(); // its own server: this test stops it
    cleanups.push(() => own.stop());
    const prefix = `t${swarm++}`;
    const a = await relay(prefix, 'A', own.url);
    const b = await relay(prefix, 'B', own.url);
    const alice = await client(a.server.wsUrl, 'alice');
    const bob = await client(b.server.wsUrl, 'bob');
    await reachable(prefix, bob.session, own.url);
    alice.session.send({ type: MessageType.Routed, body: routedBody(bob.session.nodeId, event(1)) });
    await until(() => bob.inbox.length === 1);

    await own.stop();
    await until(() => !a.bridge.connected && !b.bridge.connected);
    const id = alice.session.send({ type: MessageType.Routed, body: routedBody(bob.session.nodeId, event('lost')) });
    const error = await errorFor(alice, id);
    expect(error.status).toBe(Status.ExecutionError);
    expect(error.message).toContain('not connected to Redis');

    const back = await startRedis(Number(new URL(own.url).port));
    cleanups.push(() => back.stop());
    await until(() => a.bridge.connected && b.bridge.connected, 10_000);
    await reachable(prefix, bob.session, own.url);
    alice.session.send({ type: MessageType.Routed, body: routedBody(bob.session.nodeId, event(2)) });
    await until(() => bob.inbox.length === 2);
    expect(bob.inbox.map(carried)).toEqual([1, 2]);
    await until(() => a.bridge.relays().includes('B')); // heartbeats flow again
  });
});

describe('an answer that every try gets', () => {
  it('stops the retries (NOAUTH is not recoverable): the relay runs alone, and the bridge says why', async () => {
    const own = await startRedis(); // its own server: this test puts a password on it
    cleanups.push(() => own.stop());
    const prefix = `t${swarm++}`;
    const a = await relay(prefix, 'A', own.url);
    const alice = await client(a.server.wsUrl, 'alice');
    expect(a.bridge.failure).toBeUndefined();
    // Redis now wants a password, and drops every connection but this one: the bridge's next try is refused.
    const admin = await RespConnection.connect(own.url);
    await admin.command('CONFIG', 'SET', 'requirepass', 'secret');
    await admin.command('CLIENT', 'KILL', 'TYPE', 'pubsub', 'SKIPME', 'yes');
    await admin.command('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await until(() => a.bridge.failure !== undefined);
    expect(a.bridge.failure).toMatchObject({ code: 'SW_ERR_REDIS', recoverable: false });
    expect(a.bridge.failure!.message).toContain('NOAUTH');
    expect(a.bridge.connected).toBe(false);
    // No more tries: Redis sees no new connection from it.
    const clients = async () => String(await admin.command('CLIENT', 'LIST')).trim().split('\n').length;
    const before = await clients();
    await new Promise((r) => setTimeout(r, 300)); // three times the bridge's largest backoff
    expect(await clients()).toBe(before);
    admin.close();
    // Frames for other relays are answered at once, with why.
    const id = alice.session.send({ type: MessageType.Routed, body: routedBody(new Uint8Array(16).fill(7), event('x')) });
    const error = await errorFor(alice, id);
    expect(error.message).toMatch(/not connected to Redis \(gave up: .*NOAUTH/);
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
