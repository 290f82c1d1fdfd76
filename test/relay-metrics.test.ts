// /metrics on the Node relay (in process) and the Deno relay (dist/deno.js under the real deno binary): scraped
// over HTTP and read with a real Prometheus text parser, so a line the format does not allow fails here.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import parsePrometheus from 'parse-prometheus-text-format';
import { WebSocket } from 'ws';
import { AgentHost, MeshNode, MessageType, type Session, connectSession, connectWebSocket, wrap } from 'swarmwire';
import { encodeFrame, routedBody } from 'swarmwire/wire';
import { bridgeRedis, type RelayServer, startRelay } from 'swarmwire/node';
import { type DenoRelay, startDenoRelay } from '../e2e/deno-relay.js';
import { startRedis } from './fixtures/redis.mjs';

interface Family {
  name: string;
  help: string;
  type: string;
  metrics: Array<{ value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string }>;
}

/** GET /metrics, parsed; checks the content type and the naming rules every family must follow. */
async function scrape(base: string): Promise<Map<string, Family>> {
  const response = await fetch(new URL('/metrics', base), { signal: AbortSignal.timeout(10_000) });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const families = parsePrometheus(await response.text()) as Family[];
  for (const f of families) {
    expect(f.name).toMatch(/^swarmwire_relay_[a-z_]+$/);
    expect(f.help.length).toBeGreaterThan(0);
    if (f.type === 'COUNTER') expect(f.name).toMatch(/_total$/);
    else expect(f.name).not.toMatch(/_total$/);
    expect(f.name).not.toMatch(/_(ms|milliseconds|kilobytes)\b/); // base units only
  }
  return new Map(families.map((f) => [f.name, f]));
}

/** The value of the sample with these labels (exactly), as a number. */
function value(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const sample = families.get(name)?.metrics.find((m) => JSON.stringify(m.labels ?? {}) === JSON.stringify(labels));
  return sample === undefined ? undefined : Number(sample.value);
}

/** Polls an async condition every 20 ms until it holds; rejects after `ms`. */
async function eventually(what: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A histogram family's only series: cumulative buckets by upper bound, count and sum. */
function histogram(families: Map<string, Family>, name: string): { buckets: Record<string, number>; count: number; sum: number } {
  const f = families.get(name)!;
  expect(f.type).toBe('HISTOGRAM');
  const [m] = f.metrics;
  return { buckets: Object.fromEntries(Object.entries(m!.buckets!).map(([le, n]) => [le, Number(n)])), count: Number(m!.count), sum: Number(m!.sum) };
}

/** Alice calls Bob through the relay (a Request routed to him, his Response routed back), and sends one frame to nobody. */
async function routedCall(wsUrl: string): Promise<[Session, Session]> {
  const alice = await connectSession(() => connectWebSocket(wsUrl), { heartbeatIntervalMs: 0 });
  const bob = await connectSession(() => connectWebSocket(wsUrl), { heartbeatIntervalMs: 0 });
  const answered = new Promise<void>((resolve) => alice.on('frame', (f) => f.type === MessageType.Routed && resolve()));
  bob.on('frame', () => bob.send({ type: MessageType.Routed, body: routedBody(alice.nodeId, encodeFrame({ type: MessageType.Response, requestId: 41, body: 'hi' })) }));
  alice.send({ type: MessageType.Routed, body: routedBody(bob.nodeId, encodeFrame({ type: MessageType.Request, requestId: 41, body: [] })) });
  await answered;
  alice.send({ type: MessageType.Routed, body: routedBody(new Uint8Array(16).fill(7), encodeFrame({ type: MessageType.Event })) });
  return [alice, bob];
}

/** A session to the relay, three relay.echo calls, and a raw socket whose handshake is refused. */
async function traffic(wsUrl: string): Promise<Session> {
  const session = await connectSession(() => connectWebSocket(wsUrl), { heartbeatIntervalMs: 0 });
  const relay = wrap<{ echo(x: number): number }>(session, { name: 'relay' });
  for (let i = 0; i < 3; i++) expect(await relay.echo(i)).toBe(i);
  const ws = new WebSocket(wsUrl);
  await new Promise((r) => ws.once('open', r));
  ws.send(new Uint8Array([1, 2, 3])); // not a frame: the handshake fails
  await new Promise((r) => ws.once('close', r));
  return session;
}

let server: RelayServer | undefined;
let deno: DenoRelay | undefined;
const sessions: Session[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) s.close();
  await server?.close();
  server = undefined;
});
afterAll(async () => deno?.stop());

describe('/metrics', () => {
  it('on the Node relay: peers, handshakes by outcome, frames by type and bytes, in Prometheus text', async () => {
    server = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
    const before = await scrape(server.url);
    expect(value(before, 'swarmwire_relay_frames_received_total', { type: 'Request' })).toBeUndefined();
    sessions.push(await traffic(server.wsUrl));
    const after = await scrape(server.url);
    expect(value(after, 'swarmwire_relay_peers', { transport: 'websocket' })).toBe(1);
    expect(value(after, 'swarmwire_relay_handshakes_total', { outcome: 'accepted' })).toBe(1);
    const refused = after.get('swarmwire_relay_handshakes_total')!.metrics.filter((m) => m.labels?.outcome !== 'accepted');
    expect(refused.map((m) => [m.labels!.outcome, m.value])).toEqual([[expect.stringMatching(/^SW_ERR_/), '1']]);
    expect(value(after, 'swarmwire_relay_frames_received_total', { type: 'Request' })).toBe(3);
    expect(value(after, 'swarmwire_relay_received_bytes_total', { type: 'Request' })).toBeGreaterThan(3 * 32);
    expect(value(after, 'swarmwire_relay_frames_sent_total', { type: 'Response' })).toBe(3);
    expect(value(after, 'swarmwire_relay_sent_bytes_total', { type: 'Response' })).toBeGreaterThan(3 * 32);
    expect(value(after, 'swarmwire_relay_dropped_frames_total', { reason: 'rate_limited' })).toBe(0);
    expect(value(after, 'swarmwire_relay_queued_frames', { queue: 'unacked' })).toBeGreaterThanOrEqual(0);
    expect(value(after, 'swarmwire_relay_queued_bytes', { queue: 'transport' })).toBeGreaterThanOrEqual(0);
    expect(value(after, 'swarmwire_relay_handshaking')).toBe(0);
    expect(value(after, 'swarmwire_relay_uptime_seconds')).toBeGreaterThanOrEqual(value(before, 'swarmwire_relay_uptime_seconds')!);
  });

  it('on the Node relay: a routed call\'s latency, drops by reason, refusals before the handshake, heartbeat round trips', async () => {
    server = await startRelay({ port: 0, heartbeatIntervalMs: 50 });
    sessions.push(...await routedCall(server.wsUrl));
    // An upgrade on the wrong path is refused before any WebSocket exists.
    const stray = new WebSocket(server.wsUrl.replace('/ws', '/nope'));
    await new Promise((r) => stray.once('error', r));
    // The relay pings every 50 ms: wait for a Pong to come back (no figure about how long it took).
    const url = server.url;
    let families = await scrape(url);
    await eventually(async () => (families = await scrape(url), histogram(families, 'swarmwire_relay_peer_rtt_seconds').count > 0), 10_000);
    const calls = histogram(families, 'swarmwire_relay_call_duration_seconds');
    expect(calls.count).toBe(1);
    expect(calls.buckets['+Inf']).toBe(1);
    expect(calls.sum).toBeGreaterThan(0);
    expect(value(families, 'swarmwire_relay_calls_pending')).toBe(0);
    expect(value(families, 'swarmwire_relay_dropped_frames_total', { reason: 'no_route' })).toBe(1);
    expect(value(families, 'swarmwire_relay_dropped_frames_total', { reason: 'backpressure' })).toBe(0);
    expect(value(families, 'swarmwire_relay_refused_connections_total', { reason: 'not_found' })).toBe(1);
    expect(value(families, 'swarmwire_relay_refused_connections_total', { reason: 'busy' })).toBe(0);
    expect(value(families, 'swarmwire_relay_frames_received_total', { type: 'Routed' })).toBe(3);
    expect(value(families, 'swarmwire_relay_frames_sent_total', { type: 'Routed' })).toBe(2);
    expect(value(families, 'swarmwire_relay_frames_sent_total', { type: 'Error' })).toBe(1); // alice told of the frame to nobody
    const rtt = histogram(families, 'swarmwire_relay_peer_rtt_seconds');
    expect(rtt.buckets['+Inf']).toBe(rtt.count);
    const counts = Object.entries(rtt.buckets).sort(([a], [b]) => Number(a.replace('+Inf', 'Infinity')) - Number(b.replace('+Inf', 'Infinity'))).map(([, n]) => n);
    expect(counts).toHaveLength(15);
    expect(counts).toEqual([...counts].sort((a, b) => a - b)); // cumulative
    expect(families.has('swarmwire_relay_redis_connected')).toBe(false); // no bridge: no bridge figures
  });

  it('on the Node relay: the Redis bridge\'s state and the agent host', async () => {
    const redis = await startRedis();
    let redisUp = true;
    try {
      server = await startRelay({ port: 0, heartbeatIntervalMs: 0, agents: true });
      const bridge = await bridgeRedis(server.relay, { url: redis.url, prefix: 'metrics', heartbeatMs: 100 });
      try {
        const families = await scrape(server.url);
        expect(value(families, 'swarmwire_relay_redis_connected')).toBe(1);
        expect(value(families, 'swarmwire_relay_redis_held_frames')).toBe(0);
        expect(value(families, 'swarmwire_relay_redis_relays')).toBe(1);
        expect(value(families, 'swarmwire_relay_agents')).toBe(0);
        expect(value(families, 'swarmwire_relay_agent_moves_total', { direction: 'in' })).toBe(0);
        // A Routed frame for a node no relay has goes out to the bridge, which finds nobody.
        sessions.push(await connectSession(() => connectWebSocket(server!.wsUrl), { heartbeatIntervalMs: 0 }));
        sessions[0]!.send({ type: MessageType.Routed, body: routedBody(new Uint8Array(16).fill(5), encodeFrame({ type: MessageType.Event })) });
        let after = families;
        await eventually(async () => (after = await scrape(server!.url), value(after, 'swarmwire_relay_dropped_frames_total', { reason: 'no_route' }) === 1), 10_000);
        expect(value(after, 'swarmwire_relay_uplink_frames_total', { direction: 'out' })).toBe(1);
        await redis.stop();
        redisUp = false;
        await eventually(async () => value(await scrape(server!.url), 'swarmwire_relay_redis_connected') === 0, 10_000);
      } finally {
        await bridge.close();
      }
    } finally {
      if (redisUp) await redis.stop();
    }
  }, 30_000);

  it('on the Node relay: an agent migrated into the relay\'s agent host and out again is counted in and out', async () => {
    server = await startRelay({ port: 0, heartbeatIntervalMs: 0, agents: true, acceptAgents: true });
    const node = await MeshNode.create({ heartbeatIntervalMs: 0 });
    try {
      await node.connect(() => connectWebSocket(server!.wsUrl), { reconnect: false });
      const host = new AgentHost(node);
      class Counter {
        count = 0;
        increment(by = 1): number {
          return (this.count += by);
        }
      }
      host.define('Counter', () => new Counter());
      host.expose('c1', new Counter(), { kind: 'Counter' });
      const relayNode = server.agents!.node.idHex;
      await host.migrate('c1', relayNode);
      const moved = await scrape(server.url);
      expect(value(moved, 'swarmwire_relay_agents')).toBe(1);
      expect(value(moved, 'swarmwire_relay_agent_moves_total', { direction: 'in' })).toBe(1);
      expect(value(moved, 'swarmwire_relay_agent_moves_total', { direction: 'out' })).toBe(0);
      await server.agents!.host.migrate('c1', node.idHex);
      const back = await scrape(server.url);
      expect(value(back, 'swarmwire_relay_agents')).toBe(0);
      expect(value(back, 'swarmwire_relay_agent_moves_total', { direction: 'out' })).toBe(1);
    } finally {
      node.close();
    }
  }, 30_000);

  it('on the Deno relay: the same families', async () => {
    deno = await startDenoRelay();
    sessions.push(await traffic(deno.wsUrl));
    const families = await scrape(deno.url);
    expect(value(families, 'swarmwire_relay_peers', { transport: 'websocket' })).toBe(1);
    expect(value(families, 'swarmwire_relay_handshakes_total', { outcome: 'accepted' })).toBe(1);
    expect(value(families, 'swarmwire_relay_frames_received_total', { type: 'Request' })).toBe(3);
    expect(value(families, 'swarmwire_relay_frames_sent_total', { type: 'Response' })).toBe(3);
    expect(histogram(families, 'swarmwire_relay_call_duration_seconds').count).toBe(0);
    expect(value(families, 'swarmwire_relay_refused_connections_total', { reason: 'busy' })).toBe(0);
  }, 60_000);
});
