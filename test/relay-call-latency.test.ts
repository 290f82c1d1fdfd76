// Call latency through a relay (src/relay/call-latency.ts): a Request routed A → B and its answer routed B → A are
// timed under (A, B, request_id) on an injected clock; the open-call table stays bounded whatever a peer sends.
import { afterEach, describe, expect, it } from 'vitest';
import { memoryPair } from '../src/transport/memory.js';
import { Relay } from '../src/relay/relay.js';
import { CallLatency } from '../src/relay/call-latency.js';
import { Session } from '../src/session/session.js';
import { encodeFrame, type Frame } from '../src/wire/frame.js';
import { MessageType } from '../src/wire/constants.js';
import { routedBody } from '../src/wire/routed.js';
import { TestClock, settle } from './fixtures/clock.js';
import type { Clock } from '../src/core/clock.js';

/** A clock moved by hand, synchronously: CallLatency sets no timers. */
function handClock(): Clock & { move(ms: number): void } {
  let now = 0;
  return { now: () => now, setTimeout: () => undefined, clearTimeout: () => {}, move: (ms) => void (now += ms) };
}

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

describe('CallLatency', () => {
  it('times a call from its Request to its answer, into fixed buckets and recent percentiles', () => {
    const clock = handClock();
    const calls = new CallLatency({ clock });
    calls.request(A, B, 1);
    clock.move(3); // 3 ms
    calls.request(A, B, 2);
    calls.response(B, A, 1);
    clock.move(200);
    calls.response(B, A, 2);
    calls.response(B, A, 2); // a second answer to a finished call counts nothing
    calls.response(A, B, 7); // nor one for a call never seen
    const s = calls.snapshot();
    expect(s.count).toBe(2);
    expect(s.sum).toBeCloseTo(0.203, 9);
    expect(s.buckets.find((b) => b.le === 0.0025)!.count).toBe(0);
    expect(s.buckets.find((b) => b.le === 0.005)!.count).toBe(1);
    expect(s.buckets.find((b) => b.le === 0.1)!.count).toBe(1);
    expect(s.buckets.find((b) => b.le === 0.25)!.count).toBe(2);
    expect(s.buckets.at(-1)).toEqual({ le: Infinity, count: 2 });
    expect(s.recent).toEqual({ count: 2, p50: 0.003, p90: 0.2, p99: 0.2 });
    expect(s.pending).toBe(0);
  });

  it('keys calls by caller, callee and request id: the same id between other nodes is another call', () => {
    const clock = handClock();
    const calls = new CallLatency({ clock });
    calls.request(A, B, 5);
    calls.request(B, A, 5);
    clock.move(10);
    calls.response(B, A, 5); // answers A's call only
    expect(calls.snapshot()).toMatchObject({ count: 1, pending: 1 });
  });

  it('holds at most maxPending open calls, and forgets calls older than maxAgeMs (within a quarter more)', () => {
    const clock = handClock();
    const calls = new CallLatency({ clock, maxPending: 100, maxPendingPerCaller: 100, maxAgeMs: 1_000 });
    for (let i = 0; i < 10_000; i++) calls.request(A, B, i); // a peer that never answers
    expect(calls.snapshot()).toMatchObject({ pending: 100, full: 9_900, expired: 0 });
    calls.response(B, A, 9_999); // never tracked: no latency for it
    calls.response(B, A, 0); // open
    expect(calls.snapshot()).toMatchObject({ count: 1, pending: 99 });
    clock.move(999);
    calls.request(B, A, 1); // room again for one
    expect(calls.snapshot()).toMatchObject({ pending: 100, expired: 0 });
    clock.move(251); // the first 99 are 1,250 ms old: swept
    expect(calls.snapshot()).toMatchObject({ pending: 1, expired: 99 });
    clock.move(1_250);
    expect(calls.snapshot()).toMatchObject({ pending: 0, expired: 100 });
    expect(calls.snapshot().recent.count).toBe(1);
  });

  it('one caller holds at most maxPendingPerCaller open calls: its unanswered flood leaves the others timed', () => {
    const clock = handClock();
    const calls = new CallLatency({ clock, maxPending: 100 }); // a caller: 13 at most (100 / 8)
    for (let i = 0; i < 10_000; i++) calls.request(A, B, i);
    expect(calls.snapshot()).toMatchObject({ pending: 13, full: 9_987 });
    calls.request(B, A, 1); // another caller's call is still timed
    clock.move(5);
    expect(calls.response(A, B, 1)).toBe(0.005);
    expect(calls.snapshot()).toMatchObject({ count: 1, pending: 13 });
  });

  it('percentiles read the most recent calls only (a ring of `recent`)', () => {
    const clock = handClock();
    const calls = new CallLatency({ clock, recent: 4 });
    for (let i = 0; i < 8; i++) {
      calls.request(A, B, i);
      clock.move(i < 4 ? 1000 : 1); // four slow calls, then four fast ones
      calls.response(B, A, i);
    }
    const s = calls.snapshot();
    expect(s.count).toBe(8);
    expect(s.recent).toEqual({ count: 4, p50: 0.001, p90: 0.001, p99: 0.001 });
  });
});

describe('relay.callLatency()', () => {
  let relay: Relay;
  afterEach(() => relay?.close());

  async function join(clock: TestClock): Promise<{ session: Session; inbox: Frame[] }> {
    const [a, b] = memoryPair();
    void relay.accept(b).catch(() => {});
    const session = new Session({ heartbeatIntervalMs: 0 });
    const inbox: Frame[] = [];
    session.on('frame', (f) => inbox.push({ ...f, payload: f.payload.slice() }));
    const connected = session.connect(a);
    await settle(20);
    await clock.advance(0);
    await connected;
    return { session, inbox };
  }

  it('times a Request routed from A to B until B routes the Response back', async () => {
    const clock = new TestClock();
    relay = await Relay.create({ heartbeatIntervalMs: 0, clock });
    const alice = await join(clock);
    const bob = await join(clock);
    const request = encodeFrame({ type: MessageType.Request, requestId: 2 ** 40 + 7, body: ['x'] });
    alice.session.send({ type: MessageType.Routed, body: routedBody(bob.session.nodeId, request) });
    await settle(20);
    expect(bob.inbox).toHaveLength(1);
    expect(relay.callLatency()).toMatchObject({ pending: 1, count: 0 });
    await clock.advance(40);
    // An answer with another request id, or from someone else, is not this call's.
    bob.session.send({ type: MessageType.Routed, body: routedBody(alice.session.nodeId, encodeFrame({ type: MessageType.Response, requestId: 7, body: 1 })) });
    await settle(20);
    expect(relay.callLatency()).toMatchObject({ pending: 1, count: 0 });
    bob.session.send({ type: MessageType.Routed, body: routedBody(alice.session.nodeId, encodeFrame({ type: MessageType.Response, requestId: 2 ** 40 + 7, body: 1 })) });
    await settle(20);
    expect(alice.inbox).toHaveLength(2);
    const s = relay.callLatency();
    expect(s).toMatchObject({ pending: 0, count: 1 });
    expect(s.sum).toBeCloseTo(0.04, 9);
    expect(s.recent.p50).toBeCloseTo(0.04, 9);
  });

  it('times nothing for Events, and forgets a Request whose receiver is gone', async () => {
    const clock = new TestClock();
    relay = await Relay.create({ heartbeatIntervalMs: 0, clock });
    const alice = await join(clock);
    alice.session.send({ type: MessageType.Routed, body: routedBody(alice.session.nodeId, encodeFrame({ type: MessageType.Event, body: 1 })) });
    alice.session.send({ type: MessageType.Routed, body: routedBody(new Uint8Array(16).fill(3), encodeFrame({ type: MessageType.Request, requestId: 9 })) });
    await settle(20);
    expect(relay.callLatency()).toMatchObject({ pending: 0, count: 0 });
  });
});
