// The relay's figures (src/relay/metrics.ts) as OpenTelemetry instruments, for an app that collects metrics with the
// OpenTelemetry SDK instead of scraping /metrics. As with tracing (src/rpc/otel.ts), @opentelemetry/api is never
// imported: the app passes a Meter in, and only its shape is named here. Counters and gauges are observable
// instruments read in one batch callback, so a collection computes the figures once and the relay does no work
// between collections; the two histograms are recorded as the relay observes them (a tap on its Histogram).
import type { Relay } from './relay.js';
import { type Figure, type RelayMetricsSources, relayFigures } from './metrics.js';
import { LATENCY_BUCKETS } from './histogram.js';

type Attributes = Record<string, string>;
/** An observable instrument, as a Meter makes it (opaque here). */
type OtelObservable = object;

/** The part of an OpenTelemetry Meter (@opentelemetry/api 1.x) the bridge uses: pass `metrics.getMeter(…)` itself. */
export interface OpenTelemetryMeter {
  createObservableCounter(name: string, options?: { description?: string; unit?: string }): OtelObservable;
  createObservableGauge(name: string, options?: { description?: string; unit?: string }): OtelObservable;
  createHistogram(name: string, options?: { description?: string; unit?: string; advice?: { explicitBucketBoundaries?: number[] } }): { record(value: number, attributes?: Attributes): void };
  addBatchObservableCallback(callback: (result: { observe(observable: OtelObservable, value: number, attributes?: Attributes): void }) => void, observables: OtelObservable[]): void;
  removeBatchObservableCallback(callback: (result: { observe(observable: OtelObservable, value: number, attributes?: Attributes): void }) => void, observables: OtelObservable[]): void;
}

/** Every family a relay can report, with all its sources present: the instruments are made once, up front. */
const ALL_SOURCES: RelayMetricsSources = {
  refused: {}, handshaking: 0, bridge: { connected: false, held: 0, relays: () => [] }, agents: { hosted: 0, arrived: 0, left: 0 },
};

/** OpenTelemetry's name for a family: the Prometheus name without `_total` (its Prometheus exporter adds it back). */
const otelName = (f: Figure): string => (f.type === 'counter' ? f.name.replace(/_total$/, '') : f.name);
const unitOf = (name: string): string | undefined => (name.endsWith('_seconds') ? 's' : name.endsWith('_bytes') || name.endsWith('_bytes_total') ? 'By' : undefined);

/**
 * Reports `relay`'s figures — the ones GET /metrics serves — through an OpenTelemetry `meter`: counters as observable
 * counters (named without `_total`), gauges as observable gauges, heartbeat round trips and call latency as
 * histograms with the same bucket bounds (recorded from the moment this is called). `sources` gives what the relay's
 * host knows (a Node RelayServer: `() => server.metricsSources()`). Returns a function that stops reporting.
 */
export function relayMetricsWithOpenTelemetry(relay: Relay, meter: OpenTelemetryMeter, sources: () => Readonly<Partial<RelayMetricsSources>> = () => ({})): () => void {
  const histograms = relay.histograms();
  // Each histogram feeds one recorder: a second reporter would take the first's observations (and its stop, the second's).
  if (histograms.rtt.tap || histograms.calls.tap) throw new TypeError('[swarmwire] relayMetricsWithOpenTelemetry: this relay reports through OpenTelemetry already; stop that first');
  const instruments = new Map<string, OtelObservable>();
  for (const f of relayFigures(relay, ALL_SOURCES)) {
    if (f.type === 'histogram') continue;
    const options = { description: f.help, unit: unitOf(f.name) };
    instruments.set(f.name, f.type === 'counter' ? meter.createObservableCounter(otelName(f), options) : meter.createObservableGauge(otelName(f), options));
  }
  const tap = (h: typeof histograms.rtt, name: string, description: string): void => {
    const instrument = meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: [...LATENCY_BUCKETS] } });
    h.tap = (seconds) => instrument.record(seconds);
  };
  tap(histograms.rtt, 'swarmwire_relay_peer_rtt_seconds', 'Heartbeat round trips to peers.');
  tap(histograms.calls, 'swarmwire_relay_call_duration_seconds', 'Calls routed between two nodes through this relay, from the Request to its Response or Error.');
  const observables = [...instruments.values()];
  const callback: Parameters<OpenTelemetryMeter['addBatchObservableCallback']>[0] = (result) => {
    for (const f of relayFigures(relay, sources())) {
      const instrument = instruments.get(f.name);
      if (!instrument || f.type === 'histogram') continue;
      for (const [labels, value] of f.samples) result.observe(instrument, value, labels);
    }
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => {
    meter.removeBatchObservableCallback(callback, observables);
    histograms.rtt.tap = undefined;
    histograms.calls.tap = undefined;
  };
}
