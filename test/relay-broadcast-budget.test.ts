// Issue 13, a broadcast is one frame in and N deliveries out: with maxFramesPerSecond off by default, one peer could
// make the relay fan out as fast as it could send. Each sender now has a budget of deliveries per second
// (maxBroadcastDeliveriesPerSecond, default 20,000): a broadcast costs the peers it reaches here, over budget it is
// dropped, counted as rate_limited and answered as a rate-limited frame is (Error QuotaExceeded, once a second). The
// relay's own agent host and trusted relays carry others' broadcasts and have no budget. Fake time throughout.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryPair } from '../src/transport/memory.js';
import { DEFAULT_BROADCAST_DELIVERIES_PER_SECOND, Relay } from '../src/relay/relay.js';
import { Session } from '../src/session/session.js';
import { decodeBody, type Frame } from '../src/wire/frame.js';
import { MessageType, Status } from '../src/wire/constants.js';
import type { Identity } from '../src/session/identity.js';
import { fillIdentities, takeIdentity } from './fixtures/identities.js';
import { TestClock } from './fixtures/clock.js';
import { until } from './fixtures/until.js';

const cleanups: Array<() => void> = [];
beforeEach(() => fillIdentities(8));
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function relayOf(options: Partial<ConstructorParameters<typeof Relay>[0]> = {}) {
  const clock = new TestClock();
  const relay = new Relay({ identity: takeIdentity(), heartbeatIntervalMs: 0, clock, ...options });
  cleanups.push(() => relay.close());
  const join = async (options: { identity?: Identity; local?: boolean } = {}) => {
    const [a, b] = memoryPair({ maxBuffered: 64 << 20, highWaterMark: 16 << 20 });
    (options.local ? relay.acceptLocal(b) : relay.accept(b)).catch(() => {});
    const session = new Session({ heartbeatIntervalMs: 0, ...(options.identity ? { identity: options.identity } : {}) });
    const inbox: Frame[] = [];
    session.on('frame', (f) => inbox.push({ ...f, payload: f.payload.slice() }));
    cleanups.push(() => session.close());
    await session.connect(a);
    const broadcasts = () => inbox.filter((f) => f.type === MessageType.Broadcast).length;
    const refusals = () => inbox.filter((f) => f.type === MessageType.Error).map((f) => decodeBody<{ status: number; message: string }>(f));
    const broadcast = (n: number, topic?: string) => {
      for (let i = 0; i < n; i++) session.send({ type: MessageType.Broadcast, body: { topic, data: i } });
    };
    return { session, inbox, broadcasts, refusals, broadcast };
  };
  return { relay, clock, join };
}

describe('maxBroadcastDeliveriesPerSecond: what one sender\'s broadcasts may cost the relay', () => {
  it('a broadcast costs the peers it reaches; over budget it is dropped, counted, and the sender told once a second', async () => {
    const { relay, clock, join } = relayOf({ maxBroadcastDeliveriesPerSecond: 30 });
    const alice = await join();
    const others = [await join(), await join(), await join()];
    alice.broadcast(15); // 3 deliveries each: 10 fit a second's budget of 30
    await until(() => relay.stats().framesIn >= 15 && alice.refusals().length === 1);
    await until(() => others.every((o) => o.broadcasts() === 10));
    expect(alice.refusals()).toEqual([{ status: Status.QuotaExceeded, message: expect.stringMatching(/^broadcast budget: more than 30 deliveries per second \(maxBroadcastDeliveriesPerSecond\)/) }]);
    expect(relay.stats().rateLimited).toBe(5);
    expect(relay.counters().dropped.rate_limited).toBe(5);
    expect(relay.stats().broadcasts).toBe(10);
    // A topic's broadcast costs its subscribers alone: one here, so a refilled second passes 30 of them.
    others[0]!.session.send({ type: MessageType.Subscribe, body: 't' });
    await until(() => relay.peers().some((p) => p.topics.includes('t')));
    await clock.advance(1_000);
    alice.broadcast(31, 't');
    await until(() => relay.stats().rateLimited === 6);
    await until(() => others[0]!.broadcasts() === 40);
    expect(others[1]!.broadcasts()).toBe(10);
    expect(alice.refusals()).toHaveLength(2); // the second warning: a second has passed since the first
  });

  it('a broadcast to more peers than the budget still goes out, and the sender then waits the debt off', async () => {
    const { relay, clock, join } = relayOf({ maxBroadcastDeliveriesPerSecond: 2 });
    const alice = await join();
    const others = [await join(), await join(), await join()];
    alice.broadcast(2); // the first costs 3 of 2: it passes and overdraws; the second waits
    await until(() => relay.stats().rateLimited === 1 && others.every((o) => o.broadcasts() === 1));
    await clock.advance(1_000); // +2: the bucket holds 1 again
    alice.broadcast(1);
    await until(() => others.every((o) => o.broadcasts() === 2));
    expect(relay.stats().rateLimited).toBe(1);
  });

  it('the relay\'s own agent host and trusted relays have no budget', async () => {
    const trusted = takeIdentity();
    const { relay, join } = relayOf({ maxBroadcastDeliveriesPerSecond: 3, trustedRelays: [trusted.idHex] });
    const local = await join({ local: true });
    const peer = await join({ identity: trusted });
    const listener = await join();
    local.broadcast(20);
    peer.broadcast(20);
    await until(() => listener.broadcasts() === 40);
    expect(relay.stats().rateLimited).toBe(0);
    expect([local.refusals(), peer.refusals()]).toEqual([[], []]);
  });

  it('on by default: 20,000 deliveries a second per sender; 0 turns it off', async () => {
    expect(DEFAULT_BROADCAST_DELIVERIES_PER_SECOND).toBe(20_000);
    const limited = relayOf();
    const sender = await limited.join();
    const receivers = [await limited.join(), await limited.join(), await limited.join(), await limited.join()];
    sender.broadcast(5_010); // 4 deliveries each: 5,000 fit
    await until(() => limited.relay.stats().framesIn >= 5_010, 20_000);
    await until(() => receivers.every((r) => r.broadcasts() === 5_000), 20_000);
    expect(limited.relay.stats().rateLimited).toBe(10);
    const off = relayOf({ maxBroadcastDeliveriesPerSecond: 0 });
    const loud = await off.join();
    const hearer = await off.join();
    loud.broadcast(25_000);
    await until(() => hearer.broadcasts() === 25_000, 20_000);
    expect(off.relay.stats().rateLimited).toBe(0);
  });
});
