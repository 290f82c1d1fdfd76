// /metrics on the Node relay (in process) and the Deno relay (dist/deno.js under the real deno binary): scraped
// over HTTP and read with a real Prometheus text parser, so a line the format does not allow fails here.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import parsePrometheus from 'parse-prometheus-text-format';
import { WebSocket } from 'ws';
import { type Session, connectSession, connectWebSocket, wrap } from 'swarmwire';
import { type RelayServer, startRelay } from 'swarmwire/node';
import { type DenoRelay, startDenoRelay } from '../e2e/deno-relay.js';

interface Family {
  name: string;
  help: string;
  type: string;
  metrics: Array<{ value: string; labels?: Record<string, string> }>;
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
    expect(value(after, 'swarmwire_relay_received_bytes_total')).toBeGreaterThan(3 * 32);
    expect(value(after, 'swarmwire_relay_frames_sent_total')).toBeGreaterThanOrEqual(3);
    expect(value(after, 'swarmwire_relay_dropped_frames_total', { reason: 'rate_limited' })).toBe(0);
    expect(value(after, 'swarmwire_relay_uptime_seconds')).toBeGreaterThanOrEqual(value(before, 'swarmwire_relay_uptime_seconds')!);
  });

  it('on the Deno relay: the same families', async () => {
    deno = await startDenoRelay();
    sessions.push(await traffic(deno.wsUrl));
    const families = await scrape(deno.url);
    expect(value(families, 'swarmwire_relay_peers', { transport: 'websocket' })).toBe(1);
    expect(value(families, 'swarmwire_relay_handshakes_total', { outcome: 'accepted' })).toBe(1);
    expect(value(families, 'swarmwire_relay_frames_received_total', { type: 'Request' })).toBe(3);
  }, 60_000);
});
