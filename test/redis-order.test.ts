// Order per sender through the Redis bridge when Redis refuses the first frames of a burst and takes later ones —
// what a restarted Redis does as it finishes loading its data (LOADING), or as another relay loads the script
// meanwhile (NOSCRIPT). Real relays, sessions and redis-server; the one thing made up is that single refusal, as the
// moment Redis finishes loading cannot be timed from a test: the bridge's link to Redis answers one chosen enqueue
// with LOADING, once a later frame's enqueue has been answered by Redis — so the later frame had its chance to get
// in first. Without the order check in the enqueue script (redis-schema.ts, AHEAD), it did: bob got 100 after 101.
import { ErrorReply } from '@redis/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectSession, connectWebSocket, decodeBody, MessageType, type Frame, type Session } from 'swarmwire';
import { decodeFrame, encodeFrame, parseRouted, routedBody } from 'swarmwire/wire';
import { bridgeRedis, startRelay } from 'swarmwire/node';
import type { LuaScript, RedisLink } from '../src/relay/redis-client.js';
import { AHEAD, ENQUEUE, keysOf, NO_NODE, REPEAT } from '../src/relay/redis-schema.js';
import { redisCommand, startRedis, type RedisServer } from './fixtures/redis.mjs';
import { until } from './fixtures/until.js';

/** The fault: the enqueue call numbered `at` (counting from 1) is refused with LOADING once a later one settled. */
const fault = { at: 0, calls: 0, fired: false, overtaker: undefined as unknown, later: [] as Array<() => void> };

vi.mock('../src/relay/redis-client.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/relay/redis-client.js')>();
  const connectRedis: typeof real.connectRedis = async (options) => {
    const link = await real.connectRedis(options);
    const run: RedisLink['run'] = (script: LuaScript, keys, args, ordered) => {
      if (script.sha !== ENQUEUE.sha) return link.run(script, keys, args, ordered);
      const call = ++fault.calls;
      if (call === fault.at) {
        // Refused only once a later enqueue was answered; 2 s at most (then nothing came behind it).
        const later = new Promise<void>((resolve) => {
          fault.later.push(resolve);
          setTimeout(resolve, 2_000).unref();
        });
        return later.then(() => {
          fault.fired = true;
          throw new ErrorReply('LOADING Redis is loading the dataset in memory');
        });
      }
      const reply = link.run(script, keys, args, ordered);
      if (call === fault.at + 1) void reply.then((r) => void (fault.overtaker = r), (e: unknown) => void (fault.overtaker = e));
      return reply.finally(() => {
        if (call > fault.at) for (const resolve of fault.later.splice(0)) resolve();
      });
    };
    return new Proxy(link, { get: (target, key) => (key === 'run' ? run : Reflect.get(target, key)) });
  };
  return { ...real, connectRedis };
});

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
/** A redis-server of the test's own, stopped after it. */
async function ownRedis(): Promise<RedisServer> {
  const server = await startRedis();
  cleanups.push(() => server.stop());
  return server;
}

const event = (body: unknown): Uint8Array => encodeFrame({ type: MessageType.Event, body });
const carried = (f: Frame): unknown => decodeBody(decodeFrame(parseRouted(decodeBody(f)).frame));

async function peer(wsUrl: string): Promise<{ session: Session; inbox: Frame[] }> {
  const session = await connectSession(() => connectWebSocket(wsUrl), { heartbeatIntervalMs: 0, reconnect: false });
  cleanups.push(() => session.close());
  const inbox: Frame[] = [];
  session.on('frame', (f) => inbox.push({ ...f, payload: f.payload.slice() }));
  return { session, inbox };
}

describe('order per sender when Redis refuses a frame and takes the next', () => {
  it('a frame refused (LOADING) while the one behind it was taken still arrives first: 0, 1, … 199 in order', async () => {
    const redis = await ownRedis();
    const prefix = 'order1';
    const bridged = [];
    for (const relayId of ['A', 'B']) {
      const server = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
      const bridge = await bridgeRedis(server.relay, { url: redis.url, prefix, relayId, heartbeatMs: 100, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
      cleanups.push(() => server.close(), () => bridge.close());
      bridged.push(server);
    }
    const alice = await peer(bridged[0]!.wsUrl);
    const bob = await peer(bridged[1]!.wsUrl);
    const tag = `{${prefix}:${Buffer.from(bob.session.nodeId).toString('hex')}}`;
    for (const end = Date.now() + 5_000; (await redisCommand(redis.url, 'EXISTS', `${tag}:at`)) !== 1;) {
      if (Date.now() > end) throw new Error('bob is not reachable');
      await new Promise((r) => setTimeout(r, 5));
    }

    const TOTAL = 200;
    Object.assign(fault, { at: fault.calls + 101, fired: false, overtaker: undefined }); // frame 100's first try
    let sent = 0;
    while (sent < TOTAL) {
      if (alice.session.unacked < 50) alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.session.nodeId, event(sent++)) });
      else await new Promise((r) => setTimeout(r, 1));
    }
    await until(() => bob.inbox.length >= TOTAL && alice.session.unacked === 0, 15_000);
    await new Promise((r) => setTimeout(r, 200)); // nothing more arrives
    expect(fault.fired).toBe(true);
    expect(bob.inbox.map(carried)).toEqual([...Array(TOTAL).keys()]);
    expect(alice.inbox.filter((f) => f.type === MessageType.Error)).toEqual([]);
    // The frame behind it reached Redis while it was refused: Redis told it to wait (AHEAD) rather than take it.
    expect(fault.overtaker).toBe(AHEAD);
  });
});

describe('the enqueue script against a real redis-server', () => {
  it('refuses a frame whose predecessor has not entered (AHEAD), takes it once that one has, and counts ids below the window as entered', async () => {
    const redis = await ownRedis();
    const { connectRedis } = await vi.importActual<typeof import('../src/relay/redis-client.js')>('../src/relay/redis-client.js');
    const link = await connectRedis({ url: redis.url });
    cleanups.push(() => link.close());
    const k = keysOf('order2', 'bob');
    const origin = k.origin('alice');
    await redisCommand(redis.url, 'SET', k.lease, 'R');
    const enqueue = (id: number, ahead: number | '') =>
      link.run(ENQUEUE, [k.stream, k.seq, k.lease, origin, k.bytes], ['e', String(id), '1000', '60000', k.channel, 'PUBLISH', '', '60000', String(ahead), '1000000'], true);

    expect(await enqueue(2, 1)).toBe(AHEAD); // 1 has not entered
    expect(await redisCommand(redis.url, 'XLEN', k.stream)).toBe(0); // and nothing of 2 was kept
    expect(await enqueue(1, '')).toBeGreaterThan(0);
    const seq2 = await enqueue(2, 1);
    expect(seq2).toBeGreaterThan(0);
    expect(await enqueue(2, 1)).toBe(REPEAT); // a repeat is a repeat, whatever it names
    // 128 more ids enter (the window): 2 has left the window, and still counts as entered; 300, never sent, does not.
    for (let id = 3; id < 3 + 128; id++) await enqueue(id, id - 1);
    expect(await redisCommand(redis.url, 'ZSCORE', origin, '2')).toBeNull();
    expect(await enqueue(1_000, 2)).toBeGreaterThan(0);
    expect(await enqueue(1_001, 300)).toBe(AHEAD);
    // bob connected nowhere (no lease): a repeat is still a repeat — its first copy waits in his stream — and a new
    // frame is refused.
    await redisCommand(redis.url, 'DEL', k.lease);
    expect(await enqueue(1_000, '')).toBe(REPEAT);
    expect(await enqueue(1_002, '')).toBe(NO_NODE);
  });
});
