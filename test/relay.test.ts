// The relay's logic over in-process links: forwarding by node id, broadcasts and topics, HealthCheck, the built-in
// module, and errors that answer the sender without disturbing anyone else.
import { afterEach, describe, expect, it } from 'vitest';
import { memoryPair } from '../src/transport/memory.js';
import { Relay, RELAY_MODULE } from '../src/relay/relay.js';
import { Session } from '../src/session/session.js';
import { decodeBody, decodeFrame, encodeFrame, type Frame } from '../src/wire/frame.js';
import { MessageType, Status } from '../src/wire/constants.js';
import { fnv1a32 } from '../src/wire/fnv.js';
import { parseRouted, routedBody } from '../src/wire/routed.js';

let relay: Relay;
afterEach(() => relay?.close());

async function join(name: string): Promise<{ session: Session; inbox: Frame[] }> {
  const [a, b] = memoryPair();
  void relay.accept(b).catch(() => {});
  const session = new Session({ metadata: { name }, heartbeatIntervalMs: 0 });
  const inbox: Frame[] = [];
  session.on('frame', (f) => inbox.push({ ...f, payload: f.payload.slice() }));
  await session.connect(a);
  return { session, inbox };
}

const until = async (what: () => boolean): Promise<void> => {
  const end = Date.now() + 5_000;
  while (!what()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
};

async function call(s: { session: Session; inbox: Frame[] }, method: string, args: unknown[], moduleId = RELAY_MODULE): Promise<Frame> {
  const id = s.session.send({ type: MessageType.Request, moduleId, methodHash: fnv1a32(method), body: args });
  await until(() => s.inbox.some((f) => Number(f.requestId) === id));
  return s.inbox.find((f) => Number(f.requestId) === id)!;
}

describe('relay', () => {
  it('forwards a Routed frame to the node it names, stamping the true sender', async () => {
    relay = await Relay.create({ heartbeatIntervalMs: 0 });
    const alice = await join('alice');
    const bob = await join('bob');
    const inner = encodeFrame({ type: MessageType.Event, body: { hello: 'bob' } });
    alice.session.send({ type: MessageType.Routed, ack: true, body: { ...routedBody(bob.session.nodeId, inner), from: new Uint8Array(16).fill(9) } });
    await until(() => bob.inbox.length === 1);
    const envelope = parseRouted(decodeBody(bob.inbox[0]!));
    expect(envelope.from).toEqual(alice.session.nodeId); // not the forged 0909…
    expect(envelope).toMatchObject({ ttl: 15, hops: 1 });
    expect(decodeBody(decodeFrame(envelope.frame))).toEqual({ hello: 'bob' });
  });

  it('answers the sender when the node is unknown or the TTL is spent', async () => {
    relay = await Relay.create({ heartbeatIntervalMs: 0 });
    const alice = await join('alice');
    const inner = encodeFrame({ type: MessageType.Event });
    const lost = alice.session.send({ type: MessageType.Routed, body: routedBody(new Uint8Array(16).fill(1), inner) });
    const spent = alice.session.send({ type: MessageType.Routed, body: routedBody(alice.session.nodeId, inner, 0) });
    await until(() => alice.inbox.length === 2);
    const byId = (id: number) => decodeBody<{ status: number; message: string }>(alice.inbox.find((f) => Number(f.requestId) === id)!);
    expect(byId(lost)).toMatchObject({ status: Status.ModuleNotFound, message: expect.stringContaining('no node 0101') });
    expect(byId(spent)).toMatchObject({ status: Status.Timeout, message: expect.stringContaining('TTL') });
  });

  it('broadcasts to every other peer, or to a topic’s subscribers', async () => {
    relay = await Relay.create({ heartbeatIntervalMs: 0 });
    const [a, b, c] = [await join('a'), await join('b'), await join('c')];
    c.session.send({ type: MessageType.Subscribe, body: 'news' });
    a.session.send({ type: MessageType.Broadcast, body: { data: 'all' } });
    a.session.send({ type: MessageType.Broadcast, body: { topic: 'news', data: 'some' } });
    await until(() => c.inbox.length === 2 && b.inbox.length === 1);
    expect(b.inbox.map((f) => decodeBody<{ data: string }>(f).data)).toEqual(['all']);
    expect(c.inbox.map((f) => decodeBody<{ data: string; from: Uint8Array }>(f))).toEqual([
      { data: 'all', from: a.session.nodeId }, { topic: 'news', data: 'some', from: a.session.nodeId },
    ]);
    expect(a.inbox).toHaveLength(0);
  });

  it('answers HealthCheck with the same request id', async () => {
    relay = await Relay.create({ heartbeatIntervalMs: 0 });
    const a = await join('a');
    const id = a.session.send({ type: MessageType.HealthCheck });
    await until(() => a.inbox.length === 1);
    expect(a.inbox[0]).toMatchObject({ type: MessageType.Response, requestId: BigInt(id) });
    expect(decodeBody(a.inbox[0]!)).toMatchObject({ status: 'ok', peers: 1 });
  });

  it('serves relay.echo, relay.stats and relay.peers to plain Request frames', async () => {
    relay = await Relay.create({ heartbeatIntervalMs: 0 });
    const a = await join('a');
    await join('b');
    const echo = await call(a, 'echo', [{ deep: [1, 'two', new Uint8Array([3])] }]);
    expect(echo.type).toBe(MessageType.Response);
    expect(decodeBody(echo)).toEqual({ deep: [1, 'two', new Uint8Array([3])] });
    expect(decodeBody(await call(a, 'stats', []))).toMatchObject({ peers: 2, framesIn: expect.any(Number) });
    const peers = decodeBody<Array<{ metadata: { name: string }; transport: string }>>(await call(a, 'peers', []));
    expect(peers.map((p) => p.metadata.name).sort()).toEqual(['a', 'b']);
    expect(peers[0]!.transport).toBe('memory');
  });

  it('answers unknown methods and modules with typed errors and keeps the link', async () => {
    relay = await Relay.create({ heartbeatIntervalMs: 0 });
    const a = await join('a');
    expect(decodeBody(await call(a, 'nope', []))).toMatchObject({ status: Status.MethodNotFound });
    expect(decodeBody(await call(a, 'echo', [1], 0x1234n))).toMatchObject({ status: Status.ModuleNotFound });
    const bad = a.session.send({ type: MessageType.Routed, body: { to: 'nobody' } });
    await until(() => a.inbox.some((f) => Number(f.requestId) === bad));
    expect(decodeBody(a.inbox.find((f) => Number(f.requestId) === bad)!)).toMatchObject({ status: Status.InvalidFrame });
    expect(decodeBody(await call(a, 'echo', ['still here']))).toBe('still here');
  });
});
