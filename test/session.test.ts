// The session layer over the in-process pair, with faults injected: handshake, refusals, heartbeats, acked
// delivery across reconnects (exactly once, in order), bounded queues.
import { afterEach, describe, expect, it } from 'vitest';
import { memoryPair, type MemoryTransport } from '../src/transport/memory.js';
import { CloseCode, type CloseInfo } from '../src/transport/transport.js';
import { connectSession } from '../src/session/connect.js';
import { SessionHost } from '../src/session/host.js';
import { Session } from '../src/session/session.js';
import { SessionError } from '../src/session/errors.js';
import { decodeBody, decodeFrame, decodeFrames, encodeFrame } from '../src/wire/frame.js';
import { Feature, MessageType, Status } from '../src/wire/constants.js';
import type { Frame } from '../src/wire/frame.js';
import { TestClock } from './fixtures/clock.js';
import { createIdentity } from '../src/session/identity.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function rig(hostOptions: ConstructorParameters<typeof SessionHost>[0] = {}) {
  const host = new SessionHost({ heartbeatIntervalMs: 0, ...hostOptions });
  const links: Array<[client: MemoryTransport, server: MemoryTransport]> = [];
  const accepted: Array<Promise<Session>> = [];
  const dial = (): MemoryTransport => {
    const [a, b] = memoryPair();
    links.push([a, b]);
    const p = host.accept(b);
    p.catch(() => {});
    accepted.push(p);
    return a;
  };
  cleanups.push(() => host.close());
  return { host, dial, links, accepted, last: () => links[links.length - 1]! };
}

const until = async (what: () => boolean, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('handshake', () => {
  it('the accepting side keeps a copy of the peer\'s node id (the bytes the peer sent) and drops its key and nonce once proven', async () => {
    const { host, dial } = rig();
    const client = await connectSession(dial, { heartbeatIntervalMs: 0 });
    cleanups.push(() => client.close());
    await until(() => host.sessions.size === 1);
    const { hello } = [...host.sessions.values()][0]!.peer!;
    expect(hello.nodeId).toEqual(client.nodeId);
    expect([hello.key.length, hello.nonce.length]).toEqual([0, 0]);
    // A copy of its own, not a view that would keep the whole handshake message alive.
    expect(hello.nodeId.buffer.byteLength).toBe(hello.nodeId.length);
    expect([Object.isFrozen(hello.capabilities), hello.capabilities, hello.metadata]).toEqual([true, [], {}]);
  });

  it('a host\'s sessions share one frozen Negotiated for the same terms, and call their listeners with themselves as `this`', async () => {
    const { host, dial } = rig();
    const seen: Array<[Session, number]> = [];
    host.onSession((s) => s.on('frame', function (frame) {
      seen.push([this, Number(frame.requestId)]);
    }));
    const clients = await Promise.all([connectSession(dial, { heartbeatIntervalMs: 0 }), connectSession(dial, { heartbeatIntervalMs: 0 })]);
    cleanups.push(() => clients.forEach((c) => c.close()));
    await until(() => host.sessions.size === 2);
    const [one, two] = [...host.sessions.values()];
    expect(one).not.toBe(two);
    expect(one!.peer!.negotiated).toBe(two!.peer!.negotiated);
    expect(Object.isFrozen(one!.peer!.negotiated)).toBe(true);
    const id = clients[1]!.send({ type: MessageType.Event, body: 'x' });
    await until(() => seen.length === 1);
    expect(seen[0]![0]).toBe(host.sessions.get(clients[1]!.identity!.idHex));
    expect(seen[0]![1]).toBe(id);
  });

  it('does not count a local session (a relay\'s own agent host) against maxSessions, and frees its place when it ends', async () => {
    const host = new SessionHost({ heartbeatIntervalMs: 0, maxSessions: 1 });
    cleanups.push(() => host.close());
    const dial = (local: boolean): { client: Promise<Session>; accepted: Promise<Session> } => {
      const [a, b] = memoryPair();
      const accepted = host.accept(b, undefined, local);
      accepted.catch(() => {});
      const client = connectSession(() => a, { heartbeatIntervalMs: 0, reconnect: false });
      client.then((c) => cleanups.push(() => c.close()), () => {}); // a refused one's rejection is the host's to show
      return { client, accepted };
    };
    const local = dial(true);
    await local.accepted;
    const first = dial(false);
    await first.accepted; // the one place maxSessions gives, taken by an outside peer alongside the local one
    const second = dial(false);
    await expect(second.accepted).rejects.toMatchObject({ code: 'SW_ERR_HANDSHAKE_REJECTED', status: Status.QuotaExceeded });
    (await local.client).close();
    await until(() => host.sessions.size === 1);
    await expect(dial(false).accepted).rejects.toMatchObject({ status: Status.QuotaExceeded }); // the local one's end frees no outside place
    (await first.client).close();
    await until(() => host.sessions.size === 0);
    await dial(false).accepted;
  });

  it('keeps frames that arrive before anyone listens for the first listener, in order, ahead of later ones', async () => {
    const { host, dial } = rig();
    host.onSession((s) => {
      s.send({ type: MessageType.Event, ack: true, body: 'welcome' });
      s.send({ type: MessageType.Event, body: 'and this' });
    });
    const client = await connectSession(dial, { heartbeatIntervalMs: 0 });
    cleanups.push(() => client.close());
    await new Promise((r) => setTimeout(r, 20)); // both have arrived by now, with no 'frame' listener yet
    const got: unknown[] = [];
    client.on('frame', (f) => got.push(decodeBody(f)));
    expect(got).toEqual(['welcome', 'and this']);
    host.sessions.values().next().value!.send({ type: MessageType.Event, body: 'later' });
    await until(() => got.length === 3);
    expect(got).toEqual(['welcome', 'and this', 'later']);
  });

  it('hands each frame to the listeners there are when it arrives: one, two, the same one twice, none after removal', async () => {
    const { host, dial } = rig();
    const client = await connectSession(dial, { heartbeatIntervalMs: 0 });
    cleanups.push(() => client.close());
    await until(() => host.sessions.size === 1);
    const server = host.sessions.values().next().value!;
    const got: string[] = [];
    const send = async (body: string, count: number): Promise<void> => {
      server.send({ type: MessageType.Event, body });
      await until(() => got.length === count);
    };
    const a = (f: Frame) => got.push(`a:${decodeBody(f)}`);
    const offA = client.on('frame', a);
    await send('1', 1);
    // One added while a frame is handed out hears the next one, not that one.
    const offB = client.on('frame', (f) => {
      got.push(`b:${decodeBody(f)}`);
      if (decodeBody(f) === '2') client.on('frame', (g) => got.push(`c:${decodeBody(g)}`));
    });
    await send('2', 3);
    offA();
    offA(); // a second call removes nothing more
    await send('3', 5);
    offB();
    const offA1 = client.on('frame', a);
    client.on('frame', a);
    await send('4', 8);
    offA1();
    await send('5', 10);
    expect(got).toEqual(['a:1', 'a:2', 'b:2', 'b:3', 'c:3', 'c:4', 'a:4', 'a:4', 'c:5', 'a:5']);
  });

  it('exchanges Hello / HelloAck and agrees on the same terms on both sides', async () => {
    const { dial, accepted } = rig({ role: 'relay', capabilities: ['rpc', 'relay'], maxPayload: 1 << 20 });
    const client = await connectSession(dial, { capabilities: ['rpc', 'mesh'], metadata: { name: 'page' }, heartbeatIntervalMs: 0 });
    cleanups.push(() => client.close());
    const server = await accepted[0]!;
    expect(client.peer!.hello.role).toBe('relay');
    expect(server.peer!.hello.metadata).toEqual({ name: 'page' });
    expect(client.peer!.negotiated).toEqual({ version: 2, capabilities: ['rpc'], features: Feature.CHECKSUM | Feature.BATCHING | Feature.ACK_REQUIRED | Feature.COMPRESSED | Feature.TRACE, maxPayload: 1 << 20 });
    expect(server.peer!.negotiated.maxPayload).toBe(1 << 20);
    expect(server.peer!.id).toBe(Array.from(client.nodeId, (b) => b.toString(16).padStart(2, '0')).join(''));
  });

  it('lets the accepting side refuse a peer: Unauthorized, and no retry', async () => {
    const { dial, links } = rig({ authorize: ({ hello }) => hello.token === 'letmein' });
    const error = await connectSession(dial, { token: 'guess', heartbeatIntervalMs: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionError);
    expect(error).toMatchObject({ code: 'SW_ERR_HANDSHAKE_REJECTED', status: Status.Unauthorized });
    expect(links).toHaveLength(1);
    const ok = await connectSession(dial, { token: 'letmein', heartbeatIntervalMs: 0 });
    cleanups.push(() => ok.close());
    expect(ok.state).toBe('open');
  });

  it('answers anything but Hello first with an InvalidFrame error and a 1002 close', async () => {
    const { host } = rig();
    const [a, b] = memoryPair();
    const accepting = host.accept(b);
    const got: Frame[] = [];
    a.on('message', (bytes) => got.push(decodeFrame(bytes.slice())));
    const closed = new Promise<CloseInfo>((r) => a.on('close', r));
    a.send(encodeFrame({ type: MessageType.Request, body: [] }));
    await expect(accepting).rejects.toMatchObject({ code: 'SW_ERR_PROTOCOL' });
    expect((await closed).code).toBe(CloseCode.ProtocolError);
    expect(got.map((f) => [f.type, decodeBody<{ status: number }>(f).status])).toEqual([[MessageType.Error, Status.InvalidFrame]]);
  });

  it('closes with 1002 on bytes that are not a frame, on either side', async () => {
    const { host } = rig();
    const [a, b] = memoryPair();
    const accepting = host.accept(b);
    const closed = new Promise<CloseInfo>((r) => a.on('close', r));
    a.send(new Uint8Array([1, 2, 3]));
    await expect(accepting).rejects.toMatchObject({ code: 'SW_ERR_FRAME_TRUNCATED' });
    expect((await closed).code).toBe(CloseCode.ProtocolError);
  });

  it('times out when no HelloAck comes, at the deadline and not before (fake time)', async () => {
    const [a] = memoryPair(); // nobody answers on the other end
    const clock = new TestClock();
    const session = new Session({ handshakeTimeoutMs: 10_000, heartbeatIntervalMs: 0, clock });
    let settled = false;
    const connecting = session.connect(a).finally(() => (settled = true));
    connecting.catch(() => {});
    await until(() => clock.pending > 0); // the identity is made (real crypto), the Hello sent, the deadline set
    await clock.advance(9_999);
    expect(settled).toBe(false);
    expect(a.state).toBe('open');
    await clock.advance(1);
    await expect(connecting).rejects.toMatchObject({ code: 'SW_ERR_HANDSHAKE_TIMEOUT', status: Status.Timeout });
    expect(a.state).toBe('closed');
  });
});

describe('options', () => {
  it('an options object changed between two sessions gives the second the change (only frozen ones are shared), and a host\'s sessions all say the same', async () => {
    const options: { role: 'edge' | 'core'; metadata: Record<string, string>; heartbeatIntervalMs: number } = { role: 'edge', metadata: { a: '1' }, heartbeatIntervalMs: 0 };
    const first = new Session(options);
    options.role = 'core';
    options.metadata = { b: '2' };
    const second = new Session(options);
    expect([first.localHello().role, first.localHello().metadata]).toEqual(['edge', { a: '1' }]);
    expect([second.localHello().role, second.localHello().metadata]).toEqual(['core', { b: '2' }]);
    const frozen = Object.freeze({ role: 'relay', capabilities: ['x'], heartbeatIntervalMs: 0 });
    expect(new Session(frozen).localHello()).toEqual(new Session(frozen).localHello());
    // Two peers of one host: each session reports the host's Hello fields, and each its own peer.
    const { host, dial } = rig({ role: 'relay', metadata: { room: 'r1' } });
    const a = await connectSession(dial, { heartbeatIntervalMs: 0, metadata: { who: 'a' } });
    const b = await connectSession(dial, { heartbeatIntervalMs: 0, metadata: { who: 'b' } });
    cleanups.push(() => a.close(), () => b.close());
    expect([a.peer!.hello.role, a.peer!.hello.metadata, b.peer!.hello.role, b.peer!.hello.metadata]).toEqual(['relay', { room: 'r1' }, 'relay', { room: 'r1' }]);
    await until(() => host.sessions.size === 2);
    expect([...host.sessions.values()].map((s) => s.peer!.hello.metadata).sort((x, y) => x.who!.localeCompare(y.who!))).toEqual([{ who: 'a' }, { who: 'b' }]);
  });
});

describe('an open session', () => {
  async function pair(options: { client?: Parameters<typeof connectSession>[1]; host?: ConstructorParameters<typeof SessionHost>[0] } = {}) {
    const r = rig(options.host);
    const client = await connectSession(r.dial, { heartbeatIntervalMs: 0, ...options.client });
    cleanups.push(() => client.close());
    return { ...r, client, server: await r.accepted[0]! };
  }

  it('delivers application frames both ways and keeps control frames to itself', async () => {
    const { client, server } = await pair();
    const atServer: unknown[] = [];
    const atClient: unknown[] = [];
    server.on('frame', (f) => atServer.push(decodeBody(f)));
    client.on('frame', (f) => atClient.push(decodeBody(f)));
    client.send({ type: MessageType.Event, body: 'one' });
    client.send({ type: MessageType.Event, body: 'two', ack: true });
    server.send({ type: MessageType.Event, body: 'back' });
    expect(await client.ping()).toBeGreaterThanOrEqual(0);
    await until(() => atServer.length === 2 && atClient.length === 1);
    expect(atServer).toEqual(['one', 'two']);
    expect(atClient).toEqual(['back']);
    await until(() => client.unacked === 0);
  });

  it('rejects a payload over the negotiated limit before sending it', async () => {
    const { client } = await pair({ host: { maxPayload: 100 } });
    expect(() => client.send({ type: MessageType.Event, payload: new Uint8Array(101) })).toThrowError(expect.objectContaining({ code: 'SW_ERR_FRAME_TOO_LARGE', status: Status.PayloadTooLarge }));
  });

  it('closes with 1009 when the peer sends more than the limit anyway', async () => {
    const { client, server, last } = await pair({ host: { maxPayload: 100 } });
    const closed = new Promise<CloseInfo>((r) => server.on('close', r));
    last()[0].send(encodeFrame({ type: MessageType.Event, payload: new Uint8Array(500) })); // straight onto the transport
    expect((await closed).code).toBe(CloseCode.TooBig);
    await until(() => client.state !== 'open');
  });

  it('says Goodbye: the peer closes for good instead of reconnecting', async () => {
    const { client, server, links } = await pair();
    const closed = new Promise<CloseInfo>((r) => server.on('close', r));
    client.close(CloseCode.Normal, 'done');
    expect(await closed).toMatchObject({ code: CloseCode.Normal, reason: 'done' });
    expect(() => client.send({ type: MessageType.Event })).toThrowError(expect.objectContaining({ code: 'SW_ERR_SESSION_CLOSED' }));
    await new Promise((r) => setTimeout(r, 50));
    expect(links).toHaveLength(1);
  });

  it('declares a silent link dead after the missed heartbeats, not before, and reconnects after the backoff (fake time)', async () => {
    const clock = new TestClock();
    const r = rig({ heartbeatIntervalMs: 5_000, clock });
    const client = await connectSession(r.dial, { heartbeatIntervalMs: 5_000, missedHeartbeats: 3, reconnect: { initialDelayMs: 1_000, maxDelayMs: 1_000 }, clock });
    cleanups.push(() => client.close());
    const disconnects: CloseInfo[] = [];
    client.on('disconnect', (info) => disconnects.push(info));
    await clock.advance(20_000); // four beats with Pongs coming back: nothing happens
    expect([disconnects.length, client.state]).toEqual([0, 'open']);
    expect(client.rtt).toBe(0); // Pongs answered within the same fake instant
    r.last()[1].faults.hold(); // the server's frames (Pongs, Pings) stop arriving: half-open
    await clock.advance(15_000); // three silent beats are allowed
    expect([disconnects.length, client.state]).toEqual([0, 'open']);
    await clock.advance(5_000); // the fourth is not
    expect(disconnects).toEqual([expect.objectContaining({ code: CloseCode.Abnormal, reason: 'heartbeat lost' })]);
    expect(client.state).toBe('disconnected');
    expect(r.links).toHaveLength(1); // the backoff's timer has not fired yet
    await clock.advance(1_000); // full jitter: at most maxDelayMs
    await until(() => r.links.length === 2 && client.state === 'open');
  });

  it('dials again on the backoff schedule after failed attempts, each at its time (fake time)', async () => {
    const clock = new TestClock();
    const r = rig();
    const start = clock.now();
    const attempts: number[] = [];
    const dial = (): MemoryTransport => {
      attempts.push(clock.now() - start);
      if (attempts.length <= 3) throw new Error('refused');
      return r.dial();
    };
    const connecting = connectSession(dial, { heartbeatIntervalMs: 0, reconnect: { initialDelayMs: 1_000, factor: 2, jitter: 'none' }, clock });
    await clock.advance(0);
    expect(attempts).toEqual([0]);
    await clock.advance(1_999);
    expect(attempts).toEqual([0]); // the first retry waits initialDelayMs · factor
    await clock.advance(1);
    expect(attempts).toEqual([0, 2_000]);
    await clock.advance(4_000);
    expect(attempts).toEqual([0, 2_000, 6_000]);
    await clock.advance(8_000);
    expect(attempts).toEqual([0, 2_000, 6_000, 14_000]);
    const client = await connecting;
    cleanups.push(() => client.close());
    expect(client.state).toBe('open');
  });

  it('ping() measures the round trip on the session\'s clock, and times out at its deadline (fake time)', async () => {
    const clock = new TestClock();
    const { client, last } = await pair({ client: { clock } });
    expect(await client.ping()).toBe(0); // answered within one fake instant
    last()[1].faults.hold(); // the Pong will not come back
    let outcome: unknown;
    const pinging = client.ping(5_000).then((rtt) => (outcome = rtt), (e: unknown) => (outcome = e));
    await clock.advance(4_999);
    expect(outcome).toBeUndefined();
    await clock.advance(1);
    await pinging;
    expect(outcome).toMatchObject({ code: 'SW_ERR_PING_TIMEOUT', status: Status.Timeout });
    expect(client.state).toBe('open'); // a lost Pong alone is not a dead link
  });

  it('times round trips from its own record: a Pong nobody asked for, or one echoing a forged timestamp, measures nothing (fake time)', async () => {
    const clock = new TestClock();
    const { client, last } = await pair({ client: { clock, heartbeatIntervalMs: 5_000 } });
    const rtts: number[] = [];
    client.on('rtt', (ms) => rtts.push(ms));
    const server = last()[1];
    const pong = (id: number, timestamp: number): void => server.send(encodeFrame({ type: MessageType.Pong, requestId: id, body: { timestamp } }));
    // Unsolicited, for the heartbeat's id and for an id no ping() sent, with timestamps that would read as huge,
    // negative or infinite round trips.
    pong(0, -1.7e308);
    pong(0, 1e308);
    pong(12345, -1e12);
    await new Promise((r) => setTimeout(r, 20));
    expect(rtts).toEqual([]);
    expect(Number.isNaN(client.rtt)).toBe(true);
    // A heartbeat's own Ping, whose Pong is held back 40 ms: the figure is the delay.
    server.faults.hold();
    await clock.advance(5_000);
    await clock.advance(40);
    server.faults.release();
    await until(() => rtts.length === 1);
    pong(0, -1.7e308); // a second Pong for the same Ping: nothing waits for it any more
    expect(await client.ping()).toBe(0);
    expect(rtts).toEqual([40, 0]);
  });

  it('a node that restarts with the same identity inside the resume window starts a new session: nothing it sends is a repeat, and what waited for the old one (answers to its calls) goes with it', async () => {
    const r = rig();
    const identity = await createIdentity();
    const got: unknown[] = [];
    r.host.onSession((s) => s.on('frame', (f) => got.push(decodeBody(f))));
    const first = await connectSession(r.dial, { heartbeatIntervalMs: 0, identity, reconnect: false });
    const server = await r.accepted[0]!;
    for (const v of ['a', 'b', 'c']) first.send({ type: MessageType.Event, ack: true, body: v });
    await until(() => got.length === 3 && first.unacked === 0);
    r.last()[0].faults.disconnect(); // the page dies: no Goodbye, and its session with it
    await until(() => server.state === 'disconnected');
    server.send({ type: MessageType.Response, ack: true, requestId: 1, body: 'the answer to the old session\'s call 1' });
    const second = await connectSession(r.dial, { heartbeatIntervalMs: 0, identity, reconnect: false }); // ids from 1 again
    cleanups.push(() => second.close());
    const atSecond: unknown[] = [];
    second.on('frame', (f) => atSecond.push(decodeBody(f)));
    const fresh = await r.accepted[1]!;
    expect(fresh).not.toBe(server); // a new session: the old one ended, and what waited for it with it
    expect(server.state).toBe('closed');
    for (const v of ['x', 'y']) second.send({ type: MessageType.Event, ack: true, body: v });
    await until(() => got.length === 5 && second.unacked === 0);
    fresh.send({ type: MessageType.Event, ack: true, body: 'to the new session' });
    await until(() => atSecond.length === 1);
    expect(got).toEqual(['a', 'b', 'c', 'x', 'y']);
    expect(atSecond).toEqual(['to the new session']);
  });

  it('a peer whose session changed (a relay restarted with the same identity) gets a new filter on the dialling side too', async () => {
    const identity = await createIdentity();
    const hosts = [new SessionHost({ heartbeatIntervalMs: 0, identity }), new SessionHost({ heartbeatIntervalMs: 0, identity })];
    cleanups.push(() => hosts.forEach((h) => h.close()));
    let which = 0;
    const links: MemoryTransport[] = [];
    const dial = (): MemoryTransport => {
      const [a, b] = memoryPair();
      links.push(a);
      hosts[which]!.accept(b).catch(() => {});
      return a;
    };
    hosts.forEach((h, i) => h.onSession((s) => s.send({ type: MessageType.Event, ack: true, body: `from host ${i}` })));
    const client = await connectSession(dial, { heartbeatIntervalMs: 0, reconnect: { initialDelayMs: 1, maxDelayMs: 5 } });
    cleanups.push(() => client.close());
    const got: unknown[] = [];
    client.on('frame', (f) => got.push(decodeBody(f)));
    await until(() => got.length === 1);
    which = 1; // the relay process restarts: the same node id, a new session whose ids count from 1 again
    links[0]!.faults.disconnect();
    await until(() => got.length === 2);
    expect(got).toEqual(['from host 0', 'from host 1']);
  });

  it('bounds what waits: queued frames while disconnected, and unacked frames', async () => {
    const r = rig();
    const client = await connectSession(r.dial, { heartbeatIntervalMs: 0, maxQueued: 3, maxUnacked: 2, reconnect: { initialDelayMs: 60_000 } });
    cleanups.push(() => client.close());
    r.last()[0].faults.disconnect();
    await until(() => client.state === 'disconnected');
    for (let i = 0; i < 3; i++) client.send({ type: MessageType.Event });
    expect(() => client.send({ type: MessageType.Event })).toThrowError(expect.objectContaining({ code: 'SW_ERR_SESSION_FULL', status: Status.BackpressureRejection }));
    client.send({ type: MessageType.Event, ack: true });
    client.send({ type: MessageType.Event, ack: true });
    expect(() => client.send({ type: MessageType.Event, ack: true })).toThrowError(expect.objectContaining({ code: 'SW_ERR_SESSION_FULL' }));
  });
});

describe('acked delivery', () => {
  it('drops duplicates: the application sees each acked frame once', async () => {
    const r = rig();
    const client = await connectSession(r.dial, { heartbeatIntervalMs: 0 });
    cleanups.push(() => client.close());
    const server = await r.accepted[0]!;
    const seen: number[] = [];
    server.on('frame', (f) => seen.push(decodeBody<number>(f)));
    r.last()[0].faults.duplicate(10);
    for (let i = 0; i < 10; i++) client.send({ type: MessageType.Event, body: i, ack: true });
    await until(() => seen.length >= 10 && client.unacked === 0);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('keeps a duplicate filter per peer: a node moving between relays gets each one\'s acked frames once', async () => {
    // Each relay numbers its frames from 1, so one filter for all would drop the second relay's as repeats, and a
    // filter forgotten on the way back would deliver again what the first re-sends.
    const a = rig();
    const b = rig();
    const client = new Session({ heartbeatIntervalMs: 0 });
    cleanups.push(() => client.close());
    const seen: string[] = [];
    client.on('frame', (f) => seen.push(decodeBody<string>(f)));
    await client.connect(a.dial());
    const onA = await a.accepted[0]!;
    a.last()[0].faults.drop(() => true); // the client's Acks to A are lost: A will send a1, a2 again
    onA.send({ type: MessageType.Event, body: 'a1', ack: true });
    onA.send({ type: MessageType.Event, body: 'a2', ack: true });
    await until(() => seen.length === 2);
    client.suspend({ code: CloseCode.Abnormal, reason: 'moving to b' });
    await client.connect(b.dial());
    const onB = await b.accepted[0]!;
    onB.send({ type: MessageType.Event, body: 'b1', ack: true });
    onB.send({ type: MessageType.Event, body: 'b2', ack: true });
    await until(() => seen.length === 4 && onB.unacked === 0);
    client.suspend({ code: CloseCode.Abnormal, reason: 'back to a' });
    await client.connect(a.dial());
    await until(() => onA.unacked === 0);
    onA.send({ type: MessageType.Event, body: 'a3', ack: true });
    await until(() => seen.length >= 5 && onA.unacked === 0);
    expect(seen).toEqual(['a1', 'a2', 'b1', 'b2', 'a3']);
  });

  it('re-sends what a dying link lost when the next one comes up, in order', async () => {
    const r = rig();
    const client = await connectSession(r.dial, { heartbeatIntervalMs: 0, reconnect: { initialDelayMs: 1 } });
    cleanups.push(() => client.close());
    const server = await r.accepted[0]!;
    const seen: number[] = [];
    server.on('frame', (f) => seen.push(decodeBody<number>(f)));
    for (let i = 0; i < 3; i++) client.send({ type: MessageType.Event, body: i, ack: true });
    await until(() => seen.length === 3 && client.unacked === 0);
    // A link that is dying: what is sent from here on vanishes (transports lose a suffix, never a frame in the
    // middle), and its acks never come back.
    r.last()[0].faults.drop(() => true);
    r.last()[1].faults.drop(() => true);
    for (let i = 3; i < 8; i++) client.send({ type: MessageType.Event, body: i, ack: true });
    await new Promise((res) => setTimeout(res, 20));
    expect(client.unacked).toBe(5);
    r.last()[0].faults.disconnect();
    await until(() => seen.length === 8 && client.unacked === 0);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(r.links).toHaveLength(2);
  });

  it('chaos: acked messages while the link is cut at random — none lost, none duplicated, order kept', async () => {
    const r = rig({ resumeTimeoutMs: 60_000 });
    const client = await connectSession(r.dial, { heartbeatIntervalMs: 0, reconnect: { initialDelayMs: 1, maxDelayMs: 5 } });
    cleanups.push(() => client.close());
    const server = await r.accepted[0]!;
    const seen: number[] = [];
    server.on('frame', (f) => seen.push(decodeBody<number>(f)));
    const total = 20_000;
    let seed = 12345;
    const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    let cuts = 0;
    for (let i = 0; i < total; ) {
      if (client.state === 'open' && rand() < 0.02) {
        r.last()[0].faults.disconnect();
        cuts++;
      }
      try {
        client.send({ type: MessageType.Event, body: i, ack: true });
        i++;
      } catch (e) {
        if ((e as SessionError).code !== 'SW_ERR_SESSION_FULL') throw e;
      }
      if (i % 100 === 0 || client.unacked > 5_000) await new Promise((res) => setTimeout(res, 0));
    }
    await until(() => seen.length >= total && client.unacked === 0, 30_000);
    expect(cuts).toBeGreaterThan(20);
    expect(seen.length).toBe(total);
    expect(seen.every((v, i) => v === i)).toBe(true);
  }, 60_000);
});

describe('compression and batching', () => {
  async function wired(clientOptions: Parameters<typeof connectSession>[1] = {}) {
    const r = rig();
    const client = await connectSession(r.dial, { heartbeatIntervalMs: 0, ...clientOptions });
    cleanups.push(() => client.close());
    const server = await r.accepted[0]!;
    const wire: Uint8Array[] = [];
    r.last()[1].on('message', (m) => wire.push(m.slice())); // what actually crossed the link to the server
    return { client, server, wire };
  }

  it('deflates large payloads on the wire, delivers them intact, and keeps order around them', async () => {
    const { client, server, wire } = await wired();
    const seen: unknown[] = [];
    server.on('frame', (f) => seen.push(decodeBody(f)));
    const big = 'swarm '.repeat(20_000);
    client.send({ type: MessageType.Event, body: 'before' });
    client.send({ type: MessageType.Event, body: big, ack: true });
    client.send({ type: MessageType.Event, body: 'after' });
    await until(() => seen.length === 3);
    expect(seen).toEqual(['before', big, 'after']);
    const bytesOnWire = wire.reduce((n, m) => n + m.length, 0);
    expect(bytesOnWire).toBeLessThan(big.length / 10);
    expect(wire.some((m) => decodeFrame(m.subarray(0, 32 + new DataView(m.buffer, m.byteOffset).getUint32(28))).features & Feature.COMPRESSED)).toBe(true);
  });

  it('does not compress when the peer did not offer it', async () => {
    const { client, server, wire } = await wired({ features: Feature.ACK_REQUIRED });
    let got = '';
    server.on('frame', (f) => (got = decodeBody<string>(f)));
    client.send({ type: MessageType.Event, body: 'z'.repeat(10_000) });
    await until(() => got.length === 10_000);
    expect(wire.reduce((n, m) => n + m.length, 0)).toBeGreaterThan(10_000);
  });

  it('closes with 1009 when a compressed payload inflates past the limit', async () => {
    const r = rig({ maxPayload: 64 * 1024 });
    const client = await connectSession(r.dial, { heartbeatIntervalMs: 0 });
    cleanups.push(() => client.close());
    const server = await r.accepted[0]!;
    const closed = new Promise<CloseInfo>((res) => server.on('close', res));
    const { deflateRaw } = await import('../src/session/compression.js');
    const bomb = await deflateRaw(new Uint8Array(1 << 20)); // 1 MiB of zeros in about a kilobyte
    r.last()[0].send(encodeFrame({ type: MessageType.Event, features: Feature.COMPRESSED, payload: bomb }));
    expect((await closed).code).toBe(CloseCode.TooBig);
  });

  it('batches a burst of small frames into few transport messages', async () => {
    const { client, server, wire } = await wired();
    let count = 0;
    server.on('frame', () => count++);
    for (let i = 0; i < 1000; i++) client.send({ type: MessageType.Event, body: i });
    await until(() => count === 1000);
    expect(wire.length).toBeLessThan(20);
  });

  it('sends a Ping alone before it has batched anything, and batches the frames sent after it in the same task, in order', async () => {
    const { client, server, wire } = await wired();
    const seen: unknown[] = [];
    server.on('frame', (f) => seen.push(decodeBody(f)));
    const rtt = client.ping();
    for (let i = 0; i < 10; i++) client.send({ type: MessageType.Event, body: i });
    await until(() => seen.length === 10);
    await rtt;
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The Ping as a message of its own, then the ten Events as one.
    expect(wire.map((m) => decodeFrames(m).map((f) => f.type))).toEqual([[MessageType.Ping], Array(10).fill(MessageType.Event)]);
  });
});
