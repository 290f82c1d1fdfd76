// relayMetricsWithOpenTelemetry: the figures /metrics serves, collected through the OpenTelemetry SDK's own reader
// (@opentelemetry/sdk-metrics, in memory), with the real @opentelemetry/api types: counters, gauges and histograms.
import { afterEach, describe, expect, it } from 'vitest';
import { type DataPoint, type Histogram, MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { memoryPair } from '../src/transport/memory.js';
import { Relay } from '../src/relay/relay.js';
import { relayMetricsWithOpenTelemetry } from '../src/relay/metrics-otel.js';
import { relayFigures } from '../src/relay/metrics.js';
import { Session } from '../src/session/session.js';
import { encodeFrame, type Frame } from '../src/wire/frame.js';
import { MessageType } from '../src/wire/constants.js';
import { routedBody } from '../src/wire/routed.js';
import { until } from './fixtures/until.js';

/** A reader that collects when asked (the SDK's base class with nothing to flush). */
class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

let relay: Relay;
let provider: MeterProvider | undefined;
afterEach(async () => {
  relay?.close();
  await provider?.shutdown();
});

async function join(): Promise<{ session: Session; inbox: Frame[] }> {
  const [a, b] = memoryPair();
  void relay.accept(b).catch(() => {});
  const session = new Session({ heartbeatIntervalMs: 0 });
  const inbox: Frame[] = [];
  session.on('frame', (f) => inbox.push({ ...f, payload: f.payload.slice() }));
  await session.connect(a);
  return { session, inbox };
}

async function collect(reader: MetricReader): Promise<Map<string, MetricData>> {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return new Map(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m]));
}

const point = (m: MetricData | undefined, attributes: Record<string, string> = {}): DataPoint<unknown> | undefined =>
  (m?.dataPoints as Array<DataPoint<unknown>> | undefined)?.find((p) => JSON.stringify(p.attributes) === JSON.stringify(attributes));

describe('relayMetricsWithOpenTelemetry', () => {
  it('reports the /metrics figures through a Meter: counters, gauges and the call latency histogram', async () => {
    relay = await Relay.create({ heartbeatIntervalMs: 0 });
    const reader = new TestReader();
    provider = new MeterProvider({ readers: [reader] });
    const stop = relayMetricsWithOpenTelemetry(relay, provider.getMeter('swarmwire'));
    // One reporter at a time: a second would take the first's histogram observations.
    expect(() => relayMetricsWithOpenTelemetry(relay!, provider!.getMeter('other'))).toThrow(/reports through OpenTelemetry already/);
    const alice = await join();
    const bob = await join();
    alice.session.send({ type: MessageType.Routed, body: routedBody(bob.session.nodeId, encodeFrame({ type: MessageType.Request, requestId: 3 })) });
    await until(() => bob.inbox.length === 1);
    bob.session.send({ type: MessageType.Routed, body: routedBody(alice.session.nodeId, encodeFrame({ type: MessageType.Response, requestId: 3 })) });
    await until(() => alice.inbox.length === 1);

    const metrics = await collect(reader);
    // Every counter and gauge of the Prometheus text with a sample is reported (histograms apart), counters without _total.
    for (const f of relayFigures(relay)) {
      if (f.type === 'histogram' || f.samples.length === 0) continue;
      expect(metrics.has(f.type === 'counter' ? f.name.replace(/_total$/, '') : f.name), f.name).toBe(true);
    }
    expect(point(metrics.get('swarmwire_relay_frames_received'), { type: 'Routed' })?.value).toBe(2);
    expect(point(metrics.get('swarmwire_relay_frames_sent'), { type: 'Routed' })?.value).toBe(2);
    expect(metrics.get('swarmwire_relay_received_bytes')!.descriptor.unit).toBe('By');
    expect(point(metrics.get('swarmwire_relay_handshakes'), { outcome: 'accepted' })?.value).toBe(2);
    expect(point(metrics.get('swarmwire_relay_peers'), { transport: 'memory' })?.value).toBe(2);
    expect(point(metrics.get('swarmwire_relay_dropped_frames'), { reason: 'no_route' })?.value).toBe(0);
    expect(point(metrics.get('swarmwire_relay_uptime_seconds'))?.value).toBeGreaterThanOrEqual(0);
    expect(metrics.get('swarmwire_relay_uptime_seconds')!.descriptor.unit).toBe('s');
    // No bridge and no agent host here: their instruments report nothing.
    expect(metrics.get('swarmwire_relay_redis_connected')?.dataPoints ?? []).toEqual([]);
    const calls = point(metrics.get('swarmwire_relay_call_duration_seconds'))!.value as Histogram;
    expect(calls.count).toBe(1);
    expect(calls.buckets.boundaries).toEqual(relay.callLatency().buckets.slice(0, -1).map((b) => b.le));
    expect(calls.sum).toBeCloseTo(relay.callLatency().sum, 9);

    // Stopped: the next collection no longer reads the relay, and the histogram is no longer fed.
    stop();
    alice.session.send({ type: MessageType.Routed, body: routedBody(bob.session.nodeId, encodeFrame({ type: MessageType.Request, requestId: 4 })) });
    await until(() => bob.inbox.length === 2);
    bob.session.send({ type: MessageType.Routed, body: routedBody(alice.session.nodeId, encodeFrame({ type: MessageType.Response, requestId: 4 })) });
    await until(() => alice.inbox.length === 2);
    expect(relay.callLatency().count).toBe(2);
    const after = await collect(reader);
    expect(point(after.get('swarmwire_relay_frames_received'), { type: 'Routed' })?.value ?? 2).toBe(2);
    expect((point(after.get('swarmwire_relay_call_duration_seconds'))!.value as Histogram).count).toBe(1);
    relayMetricsWithOpenTelemetry(relay, provider.getMeter('again'))(); // stopped: another may report
  });

  it('reads what the host knows through `sources`: refusals, the bridge, the agent host', async () => {
    relay = await Relay.create({ heartbeatIntervalMs: 0 });
    const reader = new TestReader();
    provider = new MeterProvider({ readers: [reader] });
    let connected = true;
    relayMetricsWithOpenTelemetry(relay, provider.getMeter('swarmwire'), () => ({
      refused: { busy: 4 }, bridge: { connected, held: 2, relays: () => ['a', 'b'] }, agents: { hosted: 3, arrived: 1, left: 5 },
    }));
    let metrics = await collect(reader);
    expect(point(metrics.get('swarmwire_relay_refused_connections'), { reason: 'busy' })?.value).toBe(4);
    expect(point(metrics.get('swarmwire_relay_redis_connected'))?.value).toBe(1);
    expect(point(metrics.get('swarmwire_relay_redis_held_frames'))?.value).toBe(2);
    expect(point(metrics.get('swarmwire_relay_redis_relays'))?.value).toBe(2);
    expect(point(metrics.get('swarmwire_relay_agents'))?.value).toBe(3);
    expect(point(metrics.get('swarmwire_relay_agent_moves'), { direction: 'out' })?.value).toBe(5);
    connected = false;
    metrics = await collect(reader);
    expect(point(metrics.get('swarmwire_relay_redis_connected'))?.value).toBe(0);
  });
});
