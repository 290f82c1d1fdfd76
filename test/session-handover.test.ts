// Which session a proven peer gets (SessionHost.accept, docs/protocol.md "Sessions"): decided after the proof and
// named in HelloDone, in one run with the hand-over — so a deadline or a second handshake landing mid-handshake
// changes nothing after HelloDone — and the dialling side's duplicate filters kept per peer session.
import { afterEach, describe, expect, it } from 'vitest';
import { memoryPair, type MemoryTransport } from '../src/transport/memory.js';
import { CloseCode, type CloseInfo } from '../src/transport/transport.js';
import { SessionHost } from '../src/session/host.js';
import { Session } from '../src/session/session.js';
import { createIdentity, type Identity } from '../src/session/identity.js';
import { hello } from '../src/session/handshake.js';
import { decodeBody, decodeFrames, encodeFrame, type Frame } from '../src/wire/frame.js';
import { parseHelloDone } from '../src/wire/hello.js';
import { pack, unpack } from '../src/wire/payload.js';
import { MessageType, Status } from '../src/wire/constants.js';
import { TestClock } from './fixtures/clock.js';
import { until } from './fixtures/until.js';
import { rawHandshake } from './fixtures/raw-handshake.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A link into `host`: its accept() running, and the type of each message the host side sent (handshake frames go alone). */
function link(host: SessionHost) {
  const [client, server] = memoryPair();
  const sent: number[] = [];
  const send = server.send.bind(server);
  server.send = (bytes, priority) => (sent.push(bytes[5]!), send(bytes, priority));
  const accepted = host.accept(server);
  accepted.catch(() => {});
  return { client, server, sent, accepted };
}

function session(options: ConstructorParameters<typeof Session>[0] = {}): Session {
  const s = new Session({ heartbeatIntervalMs: 0, ...options });
  cleanups.push(() => s.close());
  return s;
}

function host(options: ConstructorParameters<typeof SessionHost>[0] = {}): SessionHost {
  const h = new SessionHost({ heartbeatIntervalMs: 0, ...options });
  cleanups.push(() => h.close());
  return h;
}

const bodies = (s: Session): unknown[] => {
  const got: unknown[] = [];
  s.on('frame', (f) => got.push(decodeBody(f)));
  return got;
};

describe('the session a proven peer gets', () => {
  it('the resume deadline passing while the node dials back: a new session, named in HelloDone, and the link stays up', async () => {
    const clock = new TestClock();
    const h = host({ resumeTimeoutMs: 1_000, clock });
    const node = session();
    const first = link(h);
    await node.connect(first.client);
    const old = await first.accepted;
    first.client.faults.disconnect();
    await until(() => old.state === 'disconnected' && node.state === 'disconnected');
    const second = link(h);
    second.server.faults.hold(); // the HelloAck waits: the handshake stands between Hello and HelloProof
    const connecting = node.connect(second.client);
    await until(() => second.sent.includes(MessageType.HelloAck));
    await clock.advance(1_000); // the old session's resume deadline, meanwhile
    expect(old.state).toBe('closed');
    second.server.faults.release();
    const peer = await connecting;
    const fresh = await second.accepted;
    expect(fresh).not.toBe(old);
    expect(peer.hello.session).toBe(fresh.tag);
    expect(h.sessions.get(fresh.peer!.id)).toBe(fresh);
    expect(fresh.tag).not.toBe(old.tag);
    // Nothing ends the link after HelloDone: the new session carries acked frames both ways.
    const atNode = bodies(node);
    const atHost = bodies(fresh);
    fresh.send({ type: MessageType.Event, ack: true, body: 'to the node' });
    node.send({ type: MessageType.Event, ack: true, body: 'to the host' });
    await until(() => atNode.length === 1 && atHost.length === 1 && fresh.unacked === 0 && node.unacked === 0);
    expect([node.state, fresh.state, second.client.state]).toEqual(['open', 'open', 'open']);
  });

  it('two handshakes of one node id at once (two sessions of one identity): one wins, the other is told Goodbye and ends with a typed error, and the winner loses and repeats nothing', async () => {
    const h = host();
    const identity = await createIdentity();
    const nodes = [session({ identity }), session({ identity })];
    const ends: Array<CloseInfo | undefined> = [undefined, undefined];
    nodes.forEach((n, i) => n.on('close', (info) => (ends[i] = info)));
    const links = nodes.map(() => link(h));
    // Both HelloAcks wait until both Hellos are in, then go at once: the proofs race.
    for (const l of links) l.server.faults.hold();
    const connecting = nodes.map((n, i) => n.connect(links[i]!.client));
    await until(() => links.every((l) => l.sent.includes(MessageType.HelloAck)));
    for (const l of links) l.server.faults.release();
    const results = await Promise.allSettled(connecting);
    const out = (i: number): boolean => results[i]!.status === 'rejected' || ends[i] !== undefined;
    await until(() => out(0) || out(1));
    const loser = out(0) ? 0 : 1;
    const [winner, lost, result] = [nodes[1 - loser]!, nodes[loser]!, results[loser]!];
    if (result.status === 'rejected') {
      // HelloDone and the Goodbye came in one go: the transport was gone before the session opened on it.
      expect(result.reason).toMatchObject({ code: 'SW_ERR_SESSION_CLOSED' });
      expect(lost.state).not.toBe('open');
    } else {
      expect(ends[loser]).toEqual({ code: CloseCode.GoingAway, reason: 'replaced by a new session of the node' });
      expect(() => lost.send({ type: MessageType.Event })).toThrowError(expect.objectContaining({ code: 'SW_ERR_SESSION_CLOSED' }));
    }
    expect(results[1 - loser]!.status).toBe('fulfilled');
    expect(h.sessions.size).toBe(1);
    const onHost = [...h.sessions.values()][0]!;
    expect(onHost).toBe(await links[1 - loser]!.accepted);
    expect(winner.peer!.hello.session).toBe(onHost.tag);
    const [atWinner, atHost] = [bodies(winner), bodies(onHost)];
    for (let i = 0; i < 5; i++) {
      winner.send({ type: MessageType.Event, ack: true, body: i });
      onHost.send({ type: MessageType.Event, ack: true, body: i });
    }
    await until(() => atWinner.length >= 5 && atHost.length >= 5 && winner.unacked === 0 && onHost.unacked === 0);
    expect([atWinner, atHost]).toEqual([[0, 1, 2, 3, 4], [0, 1, 2, 3, 4]]);
    expect([winner.state, ends[1 - loser]]).toEqual(['open', undefined]);
  });

  it('a full host answers a Hello claiming a connected node as it answers a stranger\'s (a HelloAck); only a newcomer that proved its key is refused', async () => {
    const h = host({ maxSessions: 1 });
    const victim = await createIdentity();
    const first = link(h);
    await session({ identity: victim }).connect(first.client);
    await first.accepted;
    /** The first answer to a Hello with `who`'s public id and key (all an outsider has), with the given session. */
    const answer = async (who: Identity, tag?: number): Promise<number> => {
      const l = link(h);
      const frames: Frame[] = [];
      l.client.on('message', (bytes) => frames.push(...decodeFrames(bytes)));
      const local = { role: 'edge' as const, capabilities: [], features: 0, maxPayload: 1 << 20, metadata: {}, session: tag };
      l.client.send(encodeFrame({ type: MessageType.Hello, payload: pack(hello(who, local, new Uint8Array(32))) }));
      await until(() => frames.length > 0);
      l.client.close();
      return frames[0]!.type;
    };
    const stranger = await createIdentity();
    const victimTag = [...h.sessions.values()][0]!.peer!.hello.session;
    expect([await answer(victim, victimTag), await answer(victim), await answer(stranger)]).toEqual([MessageType.HelloAck, MessageType.HelloAck, MessageType.HelloAck]);
    await expect(session({ identity: stranger }).connect(link(h).client)).rejects.toMatchObject({ status: Status.QuotaExceeded });
    expect(h.sessions.size).toBe(1);
  });

  it('a Hello without `session` (an older peer) is a session of its own: HelloDone names one, and the next such Hello resumes it', async () => {
    const h = host();
    const identity = await createIdentity();
    /** The raw handshake (a Hello without `session`) on a new link; resolves with its HelloDone and the frames after. */
    const dial = async () => {
      const l = link(h);
      const frames: Frame[] = [];
      l.client.on('message', (bytes) => frames.push(...decodeFrames(bytes).map((f) => ({ ...f, payload: f.payload.slice() }))));
      await rawHandshake((bytes) => l.client.send(bytes), async (n) => (await until(() => frames.length >= n), frames[n - 1]!), identity);
      return { ...l, frames, done: parseHelloDone(unpack(frames[1]!.payload)) };
    };
    const first = await dial();
    const onHost = await first.accepted;
    expect(onHost.peer!.hello.session).toBeUndefined();
    expect(first.done).toEqual({ session: onHost.tag });
    onHost.send({ type: MessageType.Event, ack: true, body: 'kept for the resume' }); // never acked by the raw peer
    await until(() => first.frames.length === 3);
    (first.client as MemoryTransport).faults.disconnect();
    await until(() => onHost.state === 'disconnected');
    const second = await dial();
    expect(await second.accepted).toBe(onHost);
    expect(second.done).toEqual({ session: onHost.tag });
    await until(() => second.frames.length === 3);
    expect(decodeBody(second.frames[2]!)).toBe('kept for the resume');
  });
});

describe('the dialling side\'s duplicate filters', () => {
  it('two live relays sharing one identity keep a filter each: back at the first, what it re-sends is not delivered twice; a restarted one starts afresh', async () => {
    const identity = await createIdentity();
    const [a, b] = [host({ identity }), host({ identity })];
    const node = session();
    const seen = bodies(node);
    const toA = link(a);
    await node.connect(toA.client);
    const onA = await toA.accepted;
    toA.client.faults.drop(() => true); // the node's Acks to A are lost: A sends a1, a2 again on the way back
    onA.send({ type: MessageType.Event, ack: true, body: 'a1' });
    onA.send({ type: MessageType.Event, ack: true, body: 'a2' });
    await until(() => seen.length === 2);
    node.suspend({ code: CloseCode.Abnormal, reason: 'to b' });
    const toB = link(b);
    await node.connect(toB.client); // the same node id as A, another session (its ids also from 1)
    const onB = await toB.accepted;
    onB.send({ type: MessageType.Event, ack: true, body: 'b1' });
    onB.send({ type: MessageType.Event, ack: true, body: 'b2' });
    await until(() => seen.length === 4 && onB.unacked === 0);
    node.suspend({ code: CloseCode.Abnormal, reason: 'back to a' });
    const backToA = link(a);
    await node.connect(backToA.client);
    expect(await backToA.accepted).toBe(onA); // resumed: a1 and a2 are re-sent
    await until(() => onA.unacked === 0);
    onA.send({ type: MessageType.Event, ack: true, body: 'a3' });
    await until(() => seen.length >= 5 && onA.unacked === 0);
    // A restarts with its identity: a new session there, its ids from 1 again — not repeats of the old A's.
    node.suspend({ code: CloseCode.Abnormal, reason: 'a restarted' });
    const restarted = host({ identity });
    const toRestarted = link(restarted);
    await node.connect(toRestarted.client);
    const onRestarted = await toRestarted.accepted;
    onRestarted.send({ type: MessageType.Event, ack: true, body: 'r1' });
    await until(() => seen.length >= 6 && onRestarted.unacked === 0);
    expect(seen).toEqual(['a1', 'a2', 'b1', 'b2', 'a3', 'r1']);
  });
});
