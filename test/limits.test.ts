// Every limit, configurable, and what a peer gets when it passes one: PayloadTooLarge, BackpressureRejection or
// QuotaExceeded — never a silent drop or an unbounded buffer.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryPair, type MemoryTransport } from '../src/transport/memory.js';
import { Relay, RELAY_MODULE } from '../src/relay/relay.js';
import { Session } from '../src/session/session.js';
import { connectSession } from '../src/session/connect.js';
import { decodeBody, encodeFrame, type Frame } from '../src/wire/frame.js';
import { MessageType, Status } from '../src/wire/constants.js';
import { fnv1a32 } from '../src/wire/fnv.js';
import { routedBody } from '../src/wire/routed.js';
import type { CloseInfo } from '../src/transport/transport.js';
import { fillIdentities, takeIdentity } from './fixtures/identities.js';
import { TestClock } from './fixtures/clock.js';

const cleanups: Array<() => void> = [];
beforeEach(() => fillIdentities(8));
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const until = async (what: () => boolean, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
};

function relayOf(options: Partial<ConstructorParameters<typeof Relay>[0]> = {}) {
  const relay = new Relay({ heartbeatIntervalMs: 0, identity: takeIdentity(), ...options });
  cleanups.push(() => relay.close());
  const links: Array<[MemoryTransport, MemoryTransport]> = [];
  const join = async (name: string) => {
    const [a, b] = memoryPair({ maxBuffered: 256 * 1024, highWaterMark: 64 * 1024 });
    links.push([a, b]);
    relay.accept(b).catch(() => {});
    const session = new Session({ metadata: { name }, heartbeatIntervalMs: 0 });
    const inbox: Frame[] = [];
    session.on('frame', (f) => inbox.push({ ...f, payload: f.payload.slice() }));
    cleanups.push(() => session.close());
    await session.connect(a);
    return { session, inbox, link: [a, b] as const };
  };
  return { relay, join, links };
}

describe('limits', () => {
  it('maximum payload: refused before sending (PayloadTooLarge), and a peer that sends more anyway is closed with 1009', async () => {
    const { join } = relayOf({ maxPayload: 1024 });
    const alice = await join('alice');
    expect(() => alice.session.send({ type: MessageType.Event, payload: new Uint8Array(1025) }))
      .toThrowError(expect.objectContaining({ code: 'SW_ERR_FRAME_TOO_LARGE', status: Status.PayloadTooLarge }));
    const closed = new Promise<CloseInfo>((r) => alice.session.on('disconnect', r));
    alice.link[0].send(encodeFrame({ type: MessageType.Event, payload: new Uint8Array(4096) }));
    expect((await closed).code).toBe(1009);
  });

  it('frames in flight: a transport takes frames up to maxBuffered, then BackpressureRejection', async () => {
    const [a] = memoryPair({ maxBuffered: 10_000, highWaterMark: 5_000 });
    a.faults.hold();
    const frame = encodeFrame({ type: MessageType.Event, payload: new Uint8Array(1000) });
    let sent = 0;
    const error = (() => {
      try {
        for (;;) (a.send(frame), sent++);
      } catch (e) {
        return e;
      }
    })();
    expect(sent).toBe(Math.floor(10_000 / frame.length));
    expect(error).toMatchObject({ code: 'SW_ERR_TRANSPORT_FULL', status: Status.BackpressureRejection });
    a.close();
  });

  it('pending (unacked) frames: maxUnacked and maxUnackedBytes, then BackpressureRejection', async () => {
    for (const [options, payload, fits] of [[{ maxUnacked: 5 }, 10, 5], [{ maxUnackedBytes: 5_000 }, 1_000, 4]] as const) {
      const [a, b] = memoryPair();
      const relay = await Relay.create({ heartbeatIntervalMs: 0 });
      cleanups.push(() => relay.close());
      relay.accept(b).catch(() => {});
      const session = new Session({ heartbeatIntervalMs: 0, ...options });
      cleanups.push(() => session.close());
      await session.connect(a);
      a.faults.hold(); // nothing reaches the relay, so nothing is acked
      const send = () => session.send({ type: MessageType.Event, ack: true, payload: new Uint8Array(payload) });
      for (let i = 0; i < fits; i++) send();
      expect(send).toThrowError(expect.objectContaining({ code: 'SW_ERR_SESSION_FULL', status: Status.BackpressureRejection }));
      expect(session.unacked).toBe(fits);
    }
  });

  it('peers per relay: one more than maxPeers is refused with QuotaExceeded; a peer resuming its session is not', async () => {
    const { relay, join, links } = relayOf({ maxPeers: 2 });
    const alice = await join('alice');
    await join('bob');
    const [a, b] = memoryPair();
    relay.accept(b).catch(() => {});
    // One attempt (a full relay is worth another try later: connectSession retries it, test/connect-failures.test.ts).
    const error = await connectSession(() => a, { heartbeatIntervalMs: 0, reconnect: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SW_ERR_HANDSHAKE_REJECTED', status: Status.QuotaExceeded, recoverable: true });
    expect(relay.stats().peers).toBe(2);
    // alice's link dies; she comes back with the same node id and is let in.
    links[0]![0].faults.disconnect();
    await until(() => alice.session.state === 'disconnected');
    const [c, d] = memoryPair();
    relay.accept(d).catch(() => {});
    await alice.session.connect(c);
    expect(alice.session.state).toBe('open');
  });

  it('message rate per peer: frames beyond maxFramesPerSecond are dropped and answered with QuotaExceeded (fake time)', async () => {
    const clock = new TestClock();
    const { relay, join } = relayOf({ maxFramesPerSecond: 50, clock });
    const alice = await join('alice');
    const echo = (n: number, from: number): void => {
      for (let i = from; i < from + n; i++) alice.session.send({ type: MessageType.Request, moduleId: RELAY_MODULE, methodHash: fnv1a32('echo'), body: [i] });
    };
    const answered = (): number => alice.inbox.filter((f) => f.type === MessageType.Response).length;
    const refusals = (): number[] => alice.inbox.filter((f) => f.type === MessageType.Error).map((f) => decodeBody<{ status: number }>(f).status);
    echo(200, 0);
    await until(() => relay.stats().framesIn === 200 && answered() === 50 && refusals().length === 1);
    expect(refusals()).toEqual([Status.QuotaExceeded]); // told once, not once per dropped frame
    expect(relay.stats().rateLimited).toBe(150); // a second's burst passed, and no time passed to refill it
    await clock.advance(100); // a tenth of a second refills 5 tokens; the next warning waits for the second to be up
    echo(10, 200);
    await until(() => relay.stats().framesIn === 210 && answered() === 55);
    expect([refusals().length, relay.stats().rateLimited]).toEqual([1, 155]);
    await clock.advance(10_000); // the bucket holds one second's worth, however long the peer was quiet
    echo(60, 210);
    await until(() => relay.stats().framesIn === 270 && answered() === 105 && refusals().length === 2);
    expect(relay.stats().rateLimited).toBe(165);
  });

  it('subscriptions per peer: past maxTopicsPerPeer or maxTopicLength a Subscribe gets its typed Error and nothing is kept', async () => {
    const { relay, join } = relayOf({ maxTopicsPerPeer: 3, maxTopicLength: 8 });
    const alice = await join('alice');
    const subscribe = (topic: string): number => alice.session.send({ type: MessageType.Subscribe, body: topic });
    const topics = (): string[] => relay.peers().find((p) => p.metadata.name === 'alice')?.topics ?? [];
    const errors = (): Array<{ id: number; status: number; message: string }> =>
      alice.inbox.filter((f) => f.type === MessageType.Error).map((f) => ({ id: Number(f.requestId), ...decodeBody<{ status: number; message: string }>(f) }));
    for (const t of ['a', 'b', 'c', 'a']) subscribe(t); // a topic held already takes no room
    const fourth = subscribe('d');
    const long = subscribe('x'.repeat(9));
    await until(() => errors().length === 2);
    expect(errors().map((e) => [e.id, e.status, e.message.split(':')[0]])).toEqual([
      [fourth, Status.QuotaExceeded, '[swarmwire] SW_ERR_RELAY_TOO_MANY_TOPICS'],
      [long, Status.PayloadTooLarge, '[swarmwire] SW_ERR_RELAY_TOPIC_TOO_LONG'],
    ]);
    expect(topics()).toEqual(['a', 'b', 'c']);
    // Room comes back with an Unsubscribe; the session went on throughout.
    alice.session.send({ type: MessageType.Unsubscribe, body: 'b' });
    subscribe('d');
    await until(() => topics().includes('d'));
    expect([topics(), errors().length, alice.session.state]).toEqual([['a', 'c', 'd'], 2, 'open']);
  });

  it('a slow consumer: past its buffer the relay drops it with BackpressureRejection, and holds no more for it', async () => {
    const { relay, join } = relayOf({ maxUnackedBytes: 1 << 20 });
    const alice = await join('alice');
    const bob = await join('bob');
    const closed = new Promise<CloseInfo>((r) => bob.session.on('close', r));
    bob.link[1].faults.hold(); // the relay's side of bob's link stops delivering: bob reads nothing
    const chunk = crypto.getRandomValues(new Uint8Array(8 * 1024)); // random: compression must not shrink it
    for (let i = 0; i < 200; i++) {
      alice.session.send({ type: MessageType.Routed, body: routedBody(bob.session.nodeId, encodeFrame({ type: MessageType.Event, payload: chunk })) });
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await until(() => relay.stats().slowPeersDropped === 1);
    expect(relay.stats().peers).toBe(1); // bob's session, and everything queued in it, is gone
    await until(() => alice.inbox.some((f) => f.type === MessageType.Error));
    const statuses = new Set(alice.inbox.filter((f) => f.type === MessageType.Error).map((f) => decodeBody<{ status: number }>(f).status));
    expect([...statuses].every((s) => s === Status.BackpressureRejection || s === Status.ModuleNotFound)).toBe(true);
    bob.link[1].faults.release();
    const info = await closed;
    expect(info.code).toBe(1008);
    expect(info.reason).toMatch(/SW_ERR_BACKPRESSURE/);
  });
});
