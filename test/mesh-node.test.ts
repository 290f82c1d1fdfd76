// Mesh nodes over in-process links: connections and events, sends by node id, multi-hop routing through relay
// nodes with TTL and hop count, Discovery, LoadInfo, idle timeout, stats, and close.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentHost, MeshError, MeshNode, MessageType, Status, decodeBody, expose, memoryPair, wrap, type MeshMessage, type MeshNodeOptions } from 'swarmwire';
import { encodeFrame } from 'swarmwire/wire';
import { fillIdentities, takeIdentity } from './fixtures/identities.js';
import { TestClock } from './fixtures/clock.js';

const nodes: MeshNode[] = [];
beforeEach(() => fillIdentities(24));
afterEach(() => {
  for (const n of nodes.splice(0)) n.close();
});

function node(options: Partial<MeshNodeOptions> = {}): MeshNode {
  const n = new MeshNode({ heartbeatIntervalMs: 0, loadIntervalMs: 0, identity: takeIdentity(), ...options });
  nodes.push(n);
  return n;
}

/** Links `a` (dialling) to `b` over a memory pair; resolves once both sides see the other. */
async function link(a: MeshNode, b: MeshNode): Promise<void> {
  const [ta, tb] = memoryPair();
  const accepted = b.accept(tb);
  await a.connect(() => ta, { reconnect: false });
  await accepted;
}

function inbox(n: MeshNode): MeshMessage[] {
  const got: MeshMessage[] = [];
  n.on('message', (m) => got.push({ ...m, frame: { ...m.frame, payload: m.frame.payload.slice() } }));
  return got;
}

const until = async (what: () => boolean, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
};

/** edge A — relay R1 — relay R2 — edge B, routes learnt by Discovery. */
/** a → r1 → r2 ← b: r1 dials r2 (so believes it); r2 believes r1 because its operator listed it. */
async function line(): Promise<{ a: MeshNode; r1: MeshNode; r2: MeshNode; b: MeshNode }> {
  const [i1, i2] = [takeIdentity(), takeIdentity()];
  const r1 = node({ role: 'relay', identity: i1 });
  const r2 = node({ role: 'relay', identity: i2, trustedRelays: [i1.idHex] });
  const [a, b] = [node(), node()];
  await link(a, r1);
  await link(r1, r2);
  await link(b, r2);
  await until(() => a.peers().some((p) => p.id === b.idHex) || r1.router.nextHop(b.idHex) === r2.idHex);
  await until(() => r1.router.nextHop(b.idHex) === r2.idHex && r2.router.nextHop(a.idHex) === r1.idHex);
  return { a, r1, r2, b };
}

describe('mesh node', () => {
  it('has a 16-byte id, connects both ways, and tells connected / message / disconnected', async () => {
    const a = node({ capabilities: ['gpu'] });
    const b = node({ metadata: { name: 'b' } });
    expect(a.id).toHaveLength(16);
    expect(a.idHex).toMatch(/^[0-9a-f]{32}$/);
    const seenByB: string[] = [];
    b.on('connected', (p) => seenByB.push(`${p.id}:${p.capabilities.join(',')}`));
    const gone: Array<[string, number]> = [];
    b.on('disconnected', (id, info) => gone.push([id, info.code]));
    const got = inbox(b);
    await link(a, b);
    expect(seenByB).toEqual([`${a.idHex}:gpu`]);
    const id = a.send(b.idHex, { body: { hello: 'b' } });
    a.send(b.id, { type: MessageType.Request, ack: true, body: [1, 2] });
    await until(() => got.length === 2);
    expect(got[0]).toMatchObject({ from: a.idHex, hops: 0 });
    expect(Number(got[0]!.frame.requestId)).toBe(id);
    expect(got[0]!.frame.type).toBe(MessageType.Event);
    expect(decodeBody(got[0]!.frame)).toEqual({ hello: 'b' });
    expect(decodeBody(got[1]!.frame)).toEqual([1, 2]);
    a.disconnect(b.idHex);
    await until(() => gone.length === 1);
    expect(gone[0]).toEqual([a.idHex, 1000]);
  });

  it('counts frames and bytes each way per connection and per node, with RTT and queue depths', async () => {
    const a = node();
    const b = node();
    const got = inbox(b);
    await link(a, b);
    for (let i = 0; i < 5; i++) a.send(b.idHex, { body: 'x'.repeat(100) });
    await until(() => got.length === 5);
    const sa = a.stats();
    const sb = b.stats();
    const ab = sa.connections.find((c) => c.peer === b.idHex)!;
    const ba = sb.connections.find((c) => c.peer === a.idHex)!;
    // 5 events of 32 + 102 bytes, plus one Discovery each way (and its answer): in must equal the other's out.
    expect(ab.framesOut).toBe(ba.framesIn);
    expect(ab.bytesOut).toBe(ba.bytesIn);
    expect(ba.framesIn).toBeGreaterThanOrEqual(6);
    expect(ab.bytesOut).toBeGreaterThanOrEqual(5 * 134);
    expect(ab).toMatchObject({ direction: 'out', transport: 'memory', state: 'open', role: 'edge', unacked: expect.any(Number), unackedBytes: expect.any(Number) });
    expect(ba.direction).toBe('in');
    expect(sa).toMatchObject({ id: a.idHex, role: 'edge', framesOut: ab.framesOut, bytesOut: ab.bytesOut });
    expect(ab.rtt).toBeNull();
    const clock = new TestClock();
    const c = node({ heartbeatIntervalMs: 5_000, clock });
    await link(c, b);
    await clock.advance(4_999);
    expect(c.stats().connections[0]!.rtt).toBeNull(); // no heartbeat yet
    await clock.advance(1); // the first Ping; its Pong comes back in no fake time
    expect(c.stats().connections[0]!.rtt).toBe(0);
  });

  it('routes through two relays: the destination sees the origin and 2 hops', async () => {
    const { a, r1, r2, b } = await line();
    const got = inbox(b);
    const id = a.send(b.idHex, { type: MessageType.Request, ack: true, body: ['ping'] });
    await until(() => got.length === 1);
    expect(got[0]).toMatchObject({ from: a.idHex, hops: 2 });
    expect(Number(got[0]!.frame.requestId)).toBe(id);
    expect(decodeBody(got[0]!.frame)).toEqual(['ping']);
    expect(r1.stats().forwarded).toBe(1);
    expect(r2.stats().forwarded).toBe(1);
    // and back, with a reply carrying the request's id
    const back = inbox(a);
    b.send(a.idHex, { type: MessageType.Response, requestId: id, body: 'pong' });
    await until(() => back.length === 1);
    expect(back[0]).toMatchObject({ from: b.idHex, hops: 2 });
    expect(Number(back[0]!.frame.requestId)).toBe(id);
    // Edges hear of new nodes when they ask (relays push changes only to relays)
    await a.discover();
    await until(() => a.peers().some((p) => p.id === b.idHex));
    expect(a.peers().find((p) => p.id === b.idHex)).toMatchObject({ hops: 2, role: 'edge' });
  });

  it('carries RPC (expose / wrap) between nodes two relays apart, through per-peer links', async () => {
    const { a, b } = await line();
    const api = { add: (x: number, y: number) => x + y, whoami: () => 'b' };
    b.onLink((link) => expose(api, link, { name: 'api' }));
    const remote = wrap<typeof api>(a.link(b.idHex), { name: 'api', timeoutMs: 5_000 });
    expect(await remote.add(2, 3)).toBe(5);
    expect(await Promise.all(Array.from({ length: 20 }, (_, i) => remote.add(i, 1)))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(a.link(b.idHex)).toBe(a.link(b.id)); // one link per peer
    expect(b.links().map((l) => l.peer)).toEqual([a.idHex]);
  });

  it('drops a frame whose TTL runs out and tells the origin with an Error carrying its id', async () => {
    const { a, r2, b } = await line();
    const got = inbox(a);
    const toB = inbox(b);
    const id = a.send(b.idHex, { body: 'late', ttl: 1 });
    await until(() => got.length === 1);
    expect(got[0]!.frame.type).toBe(MessageType.Error);
    expect(Number(got[0]!.frame.requestId)).toBe(id);
    expect(got[0]!.from).toBe(r2.idHex);
    expect(decodeBody(got[0]!.frame)).toMatchObject({ status: Status.Timeout, message: expect.stringContaining('TTL exhausted after 1 hops') });
    expect(r2.stats().dropped).toBe(1);
    expect(toB).toHaveLength(0);
  });

  it('answers a frame for an unknown node at the first relay, matched to the frame id', async () => {
    const { a, r1 } = await line();
    const got = inbox(a);
    const id = a.send('00112233445566778899aabbccddeeff', { body: 1 });
    await until(() => got.length === 1);
    expect(got[0]).toMatchObject({ from: r1.idHex, hops: 0 });
    expect(Number(got[0]!.frame.requestId)).toBe(id);
    expect(decodeBody(got[0]!.frame)).toMatchObject({ status: Status.ModuleNotFound, message: expect.stringContaining('no node 00112233') });
  });

  it('throws typed errors: no route, a bad id, a closed node', () => {
    const a = node();
    const check = (fn: () => unknown, code: string) => {
      try {
        fn();
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(MeshError);
        expect((e as MeshError).code).toBe(code);
      }
    };
    check(() => a.send('00112233445566778899aabbccddeeff', { body: 1 }), 'SW_ERR_MESH_NO_ROUTE');
    check(() => a.send('nope', { body: 1 }), 'SW_ERR_MESH_ARGUMENT');
    a[Symbol.dispose]();
    check(() => a.send(a.idHex, {}), 'SW_ERR_MESH_CLOSED');
  });

  it('delivers frames to itself', async () => {
    const a = node();
    const got = inbox(a);
    a.send(a.idHex, { body: 'me' });
    await until(() => got.length === 1);
    expect(got[0]).toMatchObject({ from: a.idHex, hops: 0 });
  });

  it('answers a bad Routed payload with an Error and keeps the link', async () => {
    const a = node();
    const r = node({ role: 'relay' });
    await link(a, r);
    const got = inbox(a);
    // a Routed frame whose envelope is not a map with a 16-byte `to`
    (a as unknown as { send: MeshNode['send'] }).send(r.idHex, { type: MessageType.Routed, body: { to: 'x' } });
    await until(() => got.length === 1);
    expect(decodeBody(got[0]!.frame)).toMatchObject({ status: Status.InvalidFrame, message: expect.stringContaining('`to` must be 16 bytes') });
    const atR = inbox(r);
    a.send(r.idHex, { body: 'still here' });
    await until(() => atR.length === 1);
    expect(decodeBody(atR[0]!.frame)).toBe('still here');
  });

  it('sends LoadInfo periodically: agents, queues, event-loop lag, memory and CPU where measurable', async () => {
    const a = node({ loadIntervalMs: 30 });
    const b = node();
    await link(a, b);
    const loads: unknown[] = [];
    b.on('load', (id, load) => loads.push({ id, load }));
    await until(() => loads.length >= 3);
    expect(loads.at(-1)).toMatchObject({ id: a.idHex, load: { agents: 0, queue: expect.any(Number), lagMs: expect.any(Number), memory: expect.any(Number), cpu: expect.any(Number) } });
    expect(b.peers().find((p) => p.id === a.idHex)!.load).toBeDefined();
  });

  it('closes a connection idle for longer than the timeout, and not one in use (fake time)', async () => {
    const clock = new TestClock();
    const a = node({ idleTimeoutMs: 60_000, clock }); // checked every 30 s
    const b = node();
    const c = node();
    await link(a, b);
    await link(a, c);
    const gone: string[] = [];
    a.on('disconnected', (id) => gone.push(id));
    const idleMs = (peer: string): number | undefined => a.stats().connections.find((x) => x.peer === peer)?.idleMs;
    for (let i = 0; i < 6; i++) {
      a.send(c.idHex, { body: 'tick' }); // c is in use every 10 s
      await clock.advance(10_000);
    }
    expect(gone).toEqual([]); // b has been idle for exactly the timeout, not longer
    expect([idleMs(b.idHex), idleMs(c.idHex)]).toEqual([60_000, 10_000]);
    for (let i = 0; i < 3; i++) {
      a.send(c.idHex, { body: 'tick' });
      await clock.advance(10_000);
    }
    expect(gone).toEqual([b.idHex]); // at the check at 90 s
    expect(a.peers().map((p) => p.id)).toEqual([c.idHex]);
  });

  it('closes every connection on dispose', async () => {
    const a = node();
    const b = node();
    await link(a, b);
    const gone: number[] = [];
    b.on('disconnected', (_id, info) => gone.push(info.code));
    a[Symbol.dispose]();
    await until(() => gone.length === 1);
    expect(gone[0]).toBe(1001);
    expect(a.stats().connections).toHaveLength(0);
    await expect(a.accept(memoryPair()[0])).rejects.toMatchObject({ code: 'SW_ERR_MESH_CLOSED' });
  });

  it('announces only what changed: core and relay nodes that trust each other fall quiet once routes settle', async () => {
    // Each used to announce after every announcement it received, so two of them echoed DiscoveryResponses at each
    // other for as long as they were linked (thousands of frames a second, a page's main thread kept busy).
    const { r1, r2 } = await line();
    const [i3, i4] = [takeIdentity(), takeIdentity()];
    const c1 = node({ role: 'core', identity: i3, trustedRelays: [i4.idHex] });
    const c2 = node({ role: 'core', identity: i4 });
    await link(c2, c1); // c2 dialled: it trusts c1, and c1 was told to trust c2
    await link(c1, r1);
    await new Promise((r) => setTimeout(r, 200));
    const frames = (): number => [r1, r2, c1, c2].reduce((n, x) => n + x.stats().framesIn, 0);
    const settled = frames();
    await new Promise((r) => setTimeout(r, 300));
    expect(frames() - settled).toBe(0);
    // A change is still told: a new peer of r2 reaches c2's routes through r2 → r1 → c1.
    const late = node();
    await link(late, r2);
    await until(() => c2.router.nextHop(late.idHex) === c1.idHex);
  });

  it('a destination given as lowercase hex (taken as it is), capitals or bytes reaches the same peer; anything else is refused', async () => {
    const [a, b] = [node(), node()];
    await link(a, b);
    const got = inbox(b);
    const ids = [a.send(b.idHex, { body: 1 }), a.send(b.idHex.toUpperCase(), { body: 2 }), a.send(b.id, { body: 3 })];
    await until(() => got.length === 3);
    expect(got.map((m) => [Number(m.frame.requestId), decodeBody(m.frame)])).toEqual(ids.map((id, i) => [id, i + 1]));
    for (const bad of [b.idHex.slice(1), `${b.idHex}0`, 'g'.repeat(32), b.id.subarray(1)]) {
      expect(() => a.send(bad, { body: 0 })).toThrow(expect.objectContaining({ code: 'SW_ERR_MESH_ARGUMENT' }));
    }
    expect(a.link(b.idHex.toUpperCase())).toBe(a.link(b.idHex));
  });

  it('an edge node does not forward', async () => {
    const [a, e, b] = [node(), node(), node()];
    await link(a, e);
    await link(e, b);
    const got = inbox(a);
    // A routes via E by hand-made envelope: E refuses to forward to B
    (a as MeshNode).send(e.idHex, { type: MessageType.Routed, body: { to: b.id, ttl: 16, hops: 0, frame: encodeFrame({ type: MessageType.Event }) } });
    await until(() => got.length === 1);
    expect(decodeBody(got[0]!.frame)).toMatchObject({ status: Status.ModuleNotFound, message: expect.stringContaining('does not forward') });
  });
});

describe('malformed mesh payloads', () => {
  // Each is answered with an Error carrying SW_ERR_PAYLOAD's status (InvalidFrame) and a message naming the field;
  // the link stays up and the node's state is untouched.
  const cases: Array<[string, MessageType, unknown, string]> = [
    ['Discovery without peers', MessageType.Discovery, { role: 'edge', capabilities: [] }, '`peers` must be an array'],
    ['Discovery with a short id', MessageType.Discovery, { role: 'edge', capabilities: [], peers: [{ id: new Uint8Array(3), role: 'edge', capabilities: [], hops: 0 }] }, 'must be 16 bytes'],
    ['Discovery with a bad role', MessageType.Discovery, { role: 'king', capabilities: [], peers: [] }, '`role`'],
    ['DiscoveryResponse, not a map', MessageType.DiscoveryResponse, 42, 'not a map'],
    ['LoadInfo with a negative lag', MessageType.LoadInfo, { agents: 0, queue: 0, lagMs: -1, timestamp: 1 }, '`lagMs`'],
    ['LoadInfo with text agents', MessageType.LoadInfo, { agents: 'many', queue: 0, lagMs: 0, timestamp: 1 }, '`agents`'],
    ['AgentQuery without a name', MessageType.AgentQuery, {}, '`name`'],
    ['AgentMigration with a bad phase', MessageType.AgentMigration, { migrationId: 1, phase: 'teleport', name: 'x', kind: 'X' }, '`phase`'],
    ['MigrationAck without ok', MessageType.MigrationAck, { migrationId: 1, name: 'x' }, '`ok`'],
  ];
  it.each(cases)('%s', async (_name, type, body, message) => {
    const a = node();
    const b = node({ role: 'relay' });
    new AgentHost(b); // AgentQuery and migrations are the agent host's
    await link(a, b);
    const got = inbox(a);
    const id = a.send(b.idHex, { type, body });
    await until(() => got.some((m) => Number(m.frame.requestId) === id));
    const reply = got.find((m) => Number(m.frame.requestId) === id)!;
    expect(reply.frame.type).toBe(MessageType.Error);
    expect(decodeBody(reply.frame)).toMatchObject({ status: Status.InvalidFrame, message: expect.stringContaining(message) });
    expect(b.peers().map((p) => p.id)).toEqual([a.idHex]);
    expect(b.stats().connections[0]!.state).toBe('open');
  });
});

describe('mesh messages on the wire (the hex examples of docs/protocol.md)', () => {
  const id = (b: number) => Uint8Array.from({ length: 16 }, (_, i) => b + i);
  const cases: Array<[string, Parameters<typeof encodeFrame>[0], string]> = [
    ['AgentQuery', { type: MessageType.AgentQuery, requestId: 3, body: { name: 'counter' } },
      '4d4c4e4b0173000000000000000000030000000000000000000000000000000e81a46e616d65a7636f756e746572'],
    ['MigrationAck', { type: MessageType.MigrationAck, requestId: 5, features: 0x20, body: { migrationId: 1, name: 'counter', ok: true } },
      '4d4c4e4b0175002000000000000000050000000000000000000000000000001f83ab6d6967726174696f6e496401a46e616d65a7636f756e746572a26f6bc3'],
    ['LoadModule', { type: MessageType.LoadModule, requestId: 7, features: 0x20, body: { url: 'https://example.com/agents.js' } },
      '4d4c4e4b0120002000000000000000070000000000000000000000000000002381a375726cbd68747470733a2f2f6578616d706c652e636f6d2f6167656e74732e6a73'],
    ['LoadModule Response', { type: MessageType.Response, requestId: 7, body: { url: 'https://example.com/agents.js', kinds: ['Counter'] } },
      '4d4c4e4b0101000000000000000000070000000000000000000000000000003282a375726cbd68747470733a2f2f6578616d706c652e636f6d2f6167656e74732e6a73a56b696e647391a7436f756e746572'],
    ['Routed', { type: MessageType.Routed, requestId: 6, features: 0x20, body: { to: id(0x20), from: id(0), ttl: 15, hops: 1, frame: encodeFrame({ type: MessageType.Event, requestId: 9 }) } },
      '4d4c4e4b01760020000000000000000600000000000000000000000000000060' +
      '85a2746fc410202122232425262728292a2b2c2d2e2fa466726f6dc410000102030405060708090a0b0c0d0e0fa374746c0fa4686f707301a56672616d65c420' +
      '4d4c4e4b01600000000000000000000900000000000000000000000000000000'],
  ];
  it.each(cases)('%s', (_name, init, hex) => {
    expect(Buffer.from(encodeFrame(init)).toString('hex')).toBe(hex);
  });
});
