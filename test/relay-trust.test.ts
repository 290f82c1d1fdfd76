// What a relay believes: the origin of a Routed frame is the peer that sent it unless that peer is a relay its
// operator listed — never because a peer says it is a relay or core node — and a call is answered only by the node
// it went to. And what a peer may do: the Grant its authorize hook gave (modules, publish, subscribe).
import { afterEach, describe, expect, it } from 'vitest';
import { memoryPair } from '../src/transport/memory.js';
import { Relay, RELAY_MODULE } from '../src/relay/relay.js';
import { Session } from '../src/session/session.js';
import { allowlist } from '../src/session/auth.js';
import { createIdentity, type Identity } from '../src/session/identity.js';
import { MeshNode } from '../src/mesh/node.js';
import { expose } from '../src/rpc/expose.js';
import { wrap } from '../src/rpc/wrap.js';
import { decodeBody, encodeFrame, type Frame } from '../src/wire/frame.js';
import { MessageType, Status, type Role } from '../src/wire/constants.js';
import { fnv1a32, fnv1a64 } from '../src/wire/fnv.js';
import { parseRouted } from '../src/wire/routed.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const until = async (what: () => boolean): Promise<void> => {
  const end = Date.now() + 5_000;
  while (!what()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
};

async function relayWith(options: Partial<ConstructorParameters<typeof Relay>[0]> = {}): Promise<Relay> {
  const relay = await Relay.create({ heartbeatIntervalMs: 0, ...options });
  cleanups.push(() => relay.close());
  return relay;
}

/** A raw session to the relay, saying `role`, with an inbox. */
async function peer(relay: Relay, role: Role = 'edge', identity?: Identity): Promise<{ session: Session; inbox: Frame[]; identity: Identity }> {
  const id = identity ?? await createIdentity();
  const [a, b] = memoryPair();
  relay.accept(b).catch(() => {});
  const session = new Session({ heartbeatIntervalMs: 0, role, identity: id });
  const inbox: Frame[] = [];
  session.on('frame', (f) => inbox.push({ ...f, payload: f.payload.slice() }));
  cleanups.push(() => session.close());
  await session.connect(a);
  return { session, inbox, identity: id };
}

const routedTo = (to: Uint8Array, from: Uint8Array, inner: Uint8Array, hops = 1) => ({ to, from, ttl: 10, hops, frame: inner });

describe('origins', () => {
  it('a peer that says it is core (or relay) cannot make a frame look as if another node sent it', async () => {
    const relay = await relayWith();
    for (const role of ['core', 'relay'] as const) {
      const y = await peer(relay);
      const z = await peer(relay);
      const x = await peer(relay, role);
      x.session.send({ type: MessageType.Routed, body: routedTo(y.identity.id, z.identity.id, encodeFrame({ type: MessageType.Event, body: 'from z, honest' }), 3) });
      await until(() => y.inbox.length === 1);
      const envelope = parseRouted(decodeBody(y.inbox[0]!));
      expect(envelope.from).toEqual(x.identity.id);
      expect(envelope.hops).toBe(4);
    }
  });

  it('a relay its operator listed is believed: the origin it vouches for is kept', async () => {
    const trusted = await createIdentity();
    const relay = await relayWith({ trustedRelays: [trusted.idHex] });
    const y = await peer(relay);
    const z = await createIdentity();
    const t = await peer(relay, 'relay', trusted);
    t.session.send({ type: MessageType.Routed, body: routedTo(y.identity.id, z.id, encodeFrame({ type: MessageType.Event, body: 'via a listed relay' })) });
    await until(() => y.inbox.length === 1);
    expect(parseRouted(decodeBody(y.inbox[0]!)).from).toEqual(z.id);
  });

  it('routes announced by a peer that is not trusted are ignored: it cannot draw traffic for another node', async () => {
    const relay = await relayWith();
    const liar = await peer(relay, 'relay');
    const absent = await createIdentity();
    liar.session.send({ type: MessageType.DiscoveryResponse, body: { role: 'relay', capabilities: ['relay'], peers: [{ id: absent.id, role: 'edge', capabilities: [], hops: 0 }] } });
    const sender = await peer(relay);
    sender.session.send({ type: MessageType.Routed, body: routedTo(absent.id, sender.identity.id, encodeFrame({ type: MessageType.Event, body: 1 }), 0) });
    await until(() => sender.inbox.some((f) => f.type === MessageType.Error));
    expect(decodeBody(sender.inbox.find((f) => f.type === MessageType.Error)!)).toMatchObject({ status: Status.ModuleNotFound });
    expect(liar.inbox.filter((f) => f.type === MessageType.Routed)).toHaveLength(0);
  });

  it('a forged Response or Error cannot settle a call: the caller gets the real answer from the node it called', async () => {
    const relay = await relayWith();
    const [ta, ra] = memoryPair();
    relay.accept(ra).catch(() => {});
    const caller = await MeshNode.create({ heartbeatIntervalMs: 0, loadIntervalMs: 0 });
    cleanups.push(() => caller.close());
    await caller.connect(() => ta, { reconnect: false });
    const [tb, rb] = memoryPair();
    relay.accept(rb).catch(() => {});
    const callee = await MeshNode.create({ heartbeatIntervalMs: 0, loadIntervalMs: 0 });
    cleanups.push(() => callee.close());
    await callee.connect(() => tb, { reconnect: false });
    callee.onLink((link) => expose({ async balance() {
      await new Promise((r) => setTimeout(r, 100)); // slow, so the forgery arrives first
      return 42;
    } }, link, { name: 'bank' }));
    const forger = await peer(relay, 'core');
    const bank = wrap<{ balance(): Promise<number> }>(caller.link(callee.idHex), { name: 'bank', timeoutMs: 5_000 });
    const answer = bank.balance();
    // Guess the call's request id: forge answers for the first hundred, all claiming to come from the callee.
    for (let id = 1; id <= 100; id++) {
      const forged = encodeFrame({ type: MessageType.Response, requestId: id, moduleId: fnv1a64('bank'), methodHash: fnv1a32('balance'), body: 1_000_000 });
      forger.session.send({ type: MessageType.Routed, body: routedTo(caller.id, callee.id, forged, 2) });
      const failure = encodeFrame({ type: MessageType.Error, requestId: id, body: { status: Status.ModuleNotFound, message: 'no node (forged)' } });
      forger.session.send({ type: MessageType.Routed, body: routedTo(caller.id, callee.id, failure, 2) });
    }
    expect(await answer).toBe(42);
  });
});

describe('grants', () => {
  it('allowlist: only listed nodes connect, and each may call, publish and subscribe only what it was granted', async () => {
    const [reader, subscriber, stranger] = [await createIdentity(), await createIdentity(), await createIdentity()];
    const relay = await relayWith({ authorize: allowlist({ [reader.idHex]: { modules: ['relay'], publish: ['news'], subscribe: ['news'] }, [subscriber.idHex]: true }) });
    const [a, b] = memoryPair();
    relay.accept(b).catch(() => {});
    await expect(new Session({ heartbeatIntervalMs: 0, identity: stranger }).connect(a)).rejects.toMatchObject({ code: 'SW_ERR_HANDSHAKE_REJECTED', status: Status.Unauthorized });

    const r = await peer(relay, 'edge', reader);
    const other = await peer(await relayWith(), 'edge'); // a node on another relay, to name as a destination
    const ask = (init: Parameters<Session['send']>[0]) => {
      const id = r.session.send(init);
      return until(() => r.inbox.some((f) => Number(f.requestId) === id)).then(() => r.inbox.find((f) => Number(f.requestId) === id)!);
    };
    const echo = await ask({ type: MessageType.Request, moduleId: RELAY_MODULE, methodHash: fnv1a32('echo'), body: ['ok'] });
    expect([echo.type, decodeBody(echo)]).toEqual([MessageType.Response, 'ok']);
    const routedCall = await ask({ type: MessageType.Routed, body: routedTo(other.identity.id, r.identity.id, encodeFrame({ type: MessageType.Request, requestId: 7, moduleId: fnv1a64('bank'), body: [] }), 0) });
    expect(decodeBody(routedCall)).toMatchObject({ status: Status.Unauthorized, message: expect.stringContaining('not allowed to call module') });
    const everyone = await ask({ type: MessageType.Broadcast, body: { data: 'hi all' } });
    expect(decodeBody(everyone)).toMatchObject({ status: Status.Unauthorized, message: 'not allowed to broadcast to everyone' });
    const sports = await ask({ type: MessageType.Broadcast, body: { topic: 'sports', data: 1 } });
    expect(decodeBody(sports)).toMatchObject({ status: Status.Unauthorized, message: expect.stringContaining('"sports"') });
    const subscribe = await ask({ type: MessageType.Subscribe, body: 'sports' });
    expect(decodeBody(subscribe)).toMatchObject({ status: Status.Unauthorized });
    // What was granted works: a granted topic reaches its subscribers, with no Error back.
    const s2 = await peer(relay, 'edge', subscriber);
    s2.session.send({ type: MessageType.Subscribe, body: 'news' });
    await new Promise((res) => setTimeout(res, 20));
    const before = r.inbox.length;
    r.session.send({ type: MessageType.Broadcast, body: { topic: 'news', data: 'granted' } });
    await until(() => s2.inbox.some((f) => f.type === MessageType.Broadcast));
    expect(decodeBody(s2.inbox.find((f) => f.type === MessageType.Broadcast)!)).toMatchObject({ topic: 'news', data: 'granted' });
    expect(r.inbox.slice(before).filter((f) => f.type === MessageType.Error)).toHaveLength(0);
  });
});
