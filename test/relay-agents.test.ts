// Issue 13, hole 6: the relay's own agent host (`agents: true`, the node the dashboard calls) is part of the relay.
// One peer's burst of 16 KiB broadcasts, sent from another process as one raw WebSocket message, must not get
// it dropped as a slow peer; and if its link ends anyway, it links again and the dashboard answers again.
import { afterEach, describe, expect, it } from 'vitest';
import { Feature, MAX_PAYLOAD, MIN_VERSION, VERSION, encodeFrame } from 'swarmwire/wire';
import { AgentHost, MeshNode, MessageType, connectWebSocket, decodeBody, wrap } from 'swarmwire';
import { createIdentity, type Identity } from '../src/session/identity.js';
import { startRelay, type RelayServer } from 'swarmwire/node';
import { rawWs, type RawWs } from './fixtures/raw-ws.js';
import { type RelayProcess, relayProcess } from './fixtures/relay-process.js';
import { within } from './fixtures/ws-helpers.js';
import { until } from './fixtures/until.js';
import { rawWsHandshake } from './fixtures/raw-handshake.js';

let relay: RelayProcess | undefined;
let server: RelayServer | undefined;
let attacker: RawWs | undefined;
let node: MeshNode | undefined;
const others: MeshNode[] = [];
afterEach(async () => {
  node?.close();
  for (const n of others.splice(0)) n.close();
  attacker?.socket.destroy();
  relay?.stop();
  await server?.close();
  relay = server = attacker = node = undefined;
});

interface Dashboard {
  stats(): { framesIn: number };
}

/** A mesh node outside the relay calling the dashboard module of the node `agentId`. */
async function dashboard(wsUrl: string, agentId: string) {
  node = await MeshNode.create({ heartbeatIntervalMs: 0 });
  await node.connect(() => connectWebSocket(wsUrl), { reconnect: false });
  return wrap<Dashboard>(node.link(agentId), { name: 'dashboard', timeoutMs: 5_000 });
}

describe('the relay\'s own agent host', () => {
  it('is not dropped as a slow peer by one peer\'s burst of 16 KiB broadcasts, and the dashboard still answers', async () => {
    relay = await relayProcess({ agents: true, heartbeatIntervalMs: 0 });
    const agentId = (await relay.stats()).peers.find((p) => (p as { metadata?: { name?: string } }).metadata?.name === 'relay process')!.id;
    attacker = rawWs(relay.wsUrl);
    expect(await attacker.status).toBe(101);
    await rawWsHandshake(attacker);
    // 1,200 broadcasts of 16 KiB in one message: more than the agent's session lets wait for compression (1,000).
    const data = crypto.getRandomValues(new Uint8Array(16 * 1024));
    const burst = Buffer.concat(Array.from({ length: 1200 }, (_, i) =>
      encodeFrame({ type: MessageType.Broadcast, requestId: i + 1, features: Feature.ACK_REQUIRED, body: { data } })));
    attacker.socket.write(attacker.frame(burst));
    await within((async () => {
      while (((await relay!.stats()).stats.broadcasts ?? 0) < 1200) await new Promise((r) => setTimeout(r, 10));
    })(), 10_000, 'the burst to be handled');
    const after = await relay.stats();
    expect(after.stats.slowPeersDropped).toBe(0);
    expect(after.peers.map((p) => p.id)).toContain(agentId);
    const remote = await dashboard(relay.wsUrl, agentId);
    expect((await remote.stats()).framesIn).toBeGreaterThan(0);
  });

  it('links again when its link ends, and the dashboard answers again', async () => {
    server = await startRelay({ port: 0, agents: true, heartbeatIntervalMs: 0 });
    const agentId = server.agents!.node.idHex;
    const remote = await dashboard(server.wsUrl, agentId);
    expect((await remote.stats()).framesIn).toBeGreaterThan(0);
    const relayId = Array.from(server.relay.nodeId, (b) => b.toString(16).padStart(2, '0')).join('');
    const back = within(new Promise<void>((resolve) => server!.agents!.node.on('connected', (p) => p.id === relayId && resolve())), 5_000, 'the agent host to link again');
    // The relay ends the agent host's session with a Goodbye, as it would a peer it drops.
    server.relay.host.sessions.get(agentId)!.close(1008, 'ended by the test');
    await until(() => !server!.relay.peers().some((p) => p.id === agentId), 5_000);
    // Waiting for the node itself, not for the relay to list it: a frame that reaches a MeshNode in the same
    // delivery as its HelloAck is lost (it is emitted before MeshNode.connect registers the session).
    await back;
    expect(server.relay.peers().map((p) => p.id)).toContain(agentId);
    expect((await remote.stats()).framesIn).toBeGreaterThan(0);
  });
});

// Issue 13 (trust, round 3): any peer could move agents into the relay's own process, and one peer could hold the
// whole of its snapshot budget (32 MiB) with snapshots it never finishes.
describe('agents moving into the relay\'s agent host', () => {
  class Counter {
    count = 0;
    increment(by = 1): number {
      return (this.count += by);
    }
  }
  /** A mesh node linked to the relay over WebSocket, hosting agents of kind Counter. */
  async function peer(wsUrl: string, identity?: Identity): Promise<AgentHost> {
    const n = await MeshNode.create({ heartbeatIntervalMs: 0, ...(identity ? { identity } : {}) });
    others.push(n);
    await n.connect(() => connectWebSocket(wsUrl), { reconnect: false });
    const host = new AgentHost(n);
    host.define('Counter', () => new Counter());
    return host;
  }

  it('refuses them by default with SW_ERR_MIGRATION_REFUSED (the agent stays), and takes them from the ids acceptAgents names', async () => {
    server = await startRelay({ port: 0, agents: true, heartbeatIntervalMs: 0 });
    const into = server.agents!.node.idHex;
    const stranger = await peer(server.wsUrl);
    stranger.expose('c', Object.assign(new Counter(), { count: 5 }), { kind: 'Counter' });
    await expect(stranger.migrate('c', into)).rejects.toMatchObject({ code: 'SW_ERR_MIGRATION_REFUSED', status: 11, recoverable: false });
    await expect(stranger.spawn('Counter', 'spawned', { on: into })).rejects.toMatchObject({ code: 'SW_ERR_MIGRATION_REFUSED' });
    expect(server.agents!.host.agents()).toEqual([]);
    expect(await stranger.call('c', 'increment', [1])).toBe(6);
    await server.close();

    const operator = await createIdentity();
    server = await startRelay({ port: 0, agents: true, heartbeatIntervalMs: 0, acceptAgents: [operator.idHex] });
    const allowed = await peer(server.wsUrl, operator);
    allowed.expose('c', Object.assign(new Counter(), { count: 7 }), { kind: 'Counter' });
    expect(await allowed.migrate('c', server.agents!.node.idHex)).toBe(server.agents!.node.idHex);
    expect(await allowed.call('c', 'increment', [1])).toBe(8);
    const other = await peer(server.wsUrl);
    other.expose('d', new Counter(), { kind: 'Counter' });
    await expect(other.migrate('d', server.agents!.node.idHex)).rejects.toMatchObject({ code: 'SW_ERR_MIGRATION_REFUSED' });
  });

  it('keeps one peer to half its snapshot budget (SW_ERR_SNAPSHOT_BUSY), and gives that half back the moment the peer leaves the relay', async () => {
    server = await startRelay({ port: 0, agents: true, heartbeatIntervalMs: 0, acceptAgents: true });
    const into = server.agents!.node.idHex;
    const identity = await createIdentity();
    const acks: Array<{ migrationId: number; ok: boolean; message?: string }> = [];
    const hog = async (): Promise<MeshNode> => {
      const n = (await peer(server!.wsUrl, identity)).node;
      n.on('message', ({ frame }) => {
        if (frame.type === MessageType.MigrationAck) acks.push(decodeBody(frame));
      });
      return n;
    };
    // First chunks that announce 16 MiB and never go on: each would hold that much of the 32 MiB until its deadline.
    const open = (n: MeshNode, migrationId: number, bytes: number): void =>
      void n.send(into, { type: MessageType.AgentMigration, ack: true, body: { migrationId, phase: 'chunk', name: `hog-${migrationId}`, kind: 'Counter', index: 0, count: 2, bytes, data: new Uint8Array(1) } });
    const first = await hog();
    open(first, 1, 16 * 1024 * 1024);
    open(first, 2, 2);
    await until(() => acks.length === 1, 5_000);
    expect(acks[0]).toEqual({ migrationId: 2, name: 'hog-2', ok: false, message: expect.stringMatching(/^SW_ERR_SNAPSHOT_BUSY: .*\(16777216 bytes of its other snapshots\)/) });
    // Another peer still moves its agent in.
    const honest = await peer(server.wsUrl);
    honest.expose('c', new Counter(), { kind: 'Counter' });
    expect(await honest.migrate('c', into)).toBe(into);
    first.close();
    await until(() => !server!.relay.peers().some((p) => p.id === identity.idHex), 5_000);
    const again = await hog();
    open(again, 3, 16 * 1024 * 1024); // taken: what it held before was given back when it left, not at the 10 s deadline
    open(again, 4, 2);
    await until(() => acks.length === 2, 5_000);
    expect(acks[1]).toMatchObject({ migrationId: 4, ok: false, message: expect.stringContaining('SW_ERR_SNAPSHOT_BUSY') });
  });
});

// Issue 17: the agent host reads the relay's routes live (Relay.shareRoutes) instead of being sent the whole peer
// list on every change and keeping a route per peer; it still knows every peer, for placement and for sends.
describe('the relay\'s agent host and the relay\'s peers', () => {
  class Counter {
    count = 0;
    increment(by = 1): number {
      return (this.count += by);
    }
  }
  it('is sent no announcement when peers join, yet lists them with their capabilities and places an agent on one', async () => {
    server = await startRelay({ port: 0, agents: true, heartbeatIntervalMs: 0 });
    const agents = server.agents!;
    const relayConn = () => agents.node.stats().connections.find((c) => c.role === 'relay')!;
    await until(() => relayConn() !== undefined && relayConn().framesIn > 0, 5_000); // its Discovery was answered
    const before = relayConn().framesIn;
    const joined: AgentHost[] = [];
    for (const capabilities of [[], ['gpu'], []]) {
      const n = await MeshNode.create({ heartbeatIntervalMs: 0, capabilities });
      others.push(n);
      await n.connect(() => connectWebSocket(server!.wsUrl), { reconnect: false });
      const host = new AgentHost(n);
      host.define('Counter', () => new Counter());
      joined.push(host);
    }
    const ids = joined.map((h) => h.node.idHex);
    expect(agents.node.peers().filter((p) => ids.includes(p.id)).map((p) => [p.id, p.capabilities, p.hops]))
      .toEqual(expect.arrayContaining([[ids[0], [], 1], [ids[1], ['gpu'], 1], [ids[2], [], 1]]));
    // Spawned by capability: placement found the one peer that has it, and the agent answers through the relay.
    expect(await agents.host.spawn('Counter', 'c', { capabilities: ['gpu'] })).toBe(ids[1]);
    expect(await agents.host.call('c', 'increment', [2])).toBe(2);
    // Past the quiet spell the relay spaces announcements by: none reached it (each would have listed every peer).
    await new Promise((r) => setTimeout(r, 50));
    // Its frames in since: the spawn's Discovery answered, the spawn's two MigrationAcks and the call's Response. Each
    // announcement would add one (they are coalesced, so at least one for the three joins).
    expect(relayConn().framesIn - before).toBeLessThanOrEqual(4);
    joined[0]!.node.close();
    await until(() => !agents.node.peers().some((p) => p.id === ids[0]), 5_000);
  });
});
