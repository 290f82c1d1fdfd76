// Issue 13, hole 6: the relay's own agent host (`agents: true`, the node the dashboard calls) is part of the relay.
// One peer's burst of 16 KiB broadcasts, sent from another process as one raw WebSocket message, must not get
// it dropped as a slow peer; and if its link ends anyway, it links again and the dashboard answers again.
import { afterEach, describe, expect, it } from 'vitest';
import { Feature, MAX_PAYLOAD, MIN_VERSION, VERSION, encodeFrame } from 'swarmwire/wire';
import { MeshNode, MessageType, connectWebSocket, wrap } from 'swarmwire';
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
afterEach(async () => {
  node?.close();
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
