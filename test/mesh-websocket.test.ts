// Mesh nodes over real WebSockets through the Node relay server: A —ws→ relay ←ws— R (a mesh relay node) ←memory— B.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MeshNode, MessageType, Status, connectWebSocket, decodeBody, memoryPair, type MeshMessage } from 'swarmwire';
import { startRelay, type RelayServer } from 'swarmwire/node';
import { fillIdentities, takeIdentity } from './fixtures/identities.js';

let server: RelayServer | undefined;
const nodes: MeshNode[] = [];
beforeEach(() => fillIdentities(24));
afterEach(async () => {
  for (const n of nodes.splice(0)) n.close();
  await server?.close();
  server = undefined;
});

const until = async (what: () => boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

function node(role: 'edge' | 'relay' = 'edge'): MeshNode {
  const n = new MeshNode({ role, heartbeatIntervalMs: 0, loadIntervalMs: 0, identity: takeIdentity() });
  nodes.push(n);
  return n;
}

function inbox(n: MeshNode): MeshMessage[] {
  const got: MeshMessage[] = [];
  n.on('message', (m) => got.push({ ...m, frame: { ...m.frame, payload: m.frame.payload.slice() } }));
  return got;
}

async function topology() {
  const r = node('relay');
  // The server believes R's reports (routes, origins) only because it is listed: R's role is just a claim.
  server = await startRelay({ port: 0, heartbeatIntervalMs: 0, trustedRelays: [r.idHex] });
  const a = node();
  const b = node();
  await a.connect(() => connectWebSocket(server!.wsUrl));
  await r.connect(() => connectWebSocket(server!.wsUrl));
  const [tb, tr] = memoryPair();
  const accepted = r.accept(tr);
  await b.connect(() => tb, { reconnect: false });
  await accepted;
  // the relay server learns B from R's announcement; R learns A from the server's answer to its Discovery
  await until(() => server!.relay.router.nextHop(b.idHex) === r.idHex && r.router.nextHop(a.idHex) !== undefined);
  return { a, r, b, relayId: server!.relay.nodeId };
}

describe('mesh over WebSocket through the Node relay', () => {
  it('delivers A → relay → R → B with the origin and 2 hops, acked, and the reply back', async () => {
    const { a, b } = await topology();
    const atB = inbox(b);
    const atA = inbox(a);
    const ids = Array.from({ length: 50 }, (_, i) => a.send(b.idHex, { type: MessageType.Request, ack: true, body: [i] }));
    await until(() => atB.length === 50);
    expect(atB.map((m) => decodeBody<number[]>(m.frame)[0])).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(atB.every((m) => m.from === a.idHex && m.hops === 2)).toBe(true);
    expect(atB.map((m) => Number(m.frame.requestId))).toEqual(ids);
    b.send(a.idHex, { type: MessageType.Response, requestId: ids[0], body: 'ok' });
    await until(() => atA.length === 1);
    expect(atA[0]).toMatchObject({ from: b.idHex, hops: 2 });
    const conn = a.stats().connections[0]!;
    expect(conn).toMatchObject({ transport: 'websocket', role: 'relay' });
    expect(conn.framesOut).toBeGreaterThanOrEqual(50);
    expect(server!.relay.stats().routed).toBeGreaterThanOrEqual(51);
  });

  it('returns an Error to the origin when the TTL runs out one relay further on', async () => {
    const { a, r, b } = await topology();
    const atA = inbox(a);
    const atB = inbox(b);
    const id = a.send(b.idHex, { body: 'too far', ttl: 1 });
    await until(() => atA.length === 1);
    expect(atA[0]!.frame.type).toBe(MessageType.Error);
    expect(Number(atA[0]!.frame.requestId)).toBe(id);
    expect(atA[0]!.from).toBe(r.idHex);
    expect(decodeBody(atA[0]!.frame)).toMatchObject({ status: Status.Timeout, message: expect.stringContaining('TTL exhausted') });
    expect(atB).toHaveLength(0);
  });
});
