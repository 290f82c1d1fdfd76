// A relay's figures, named once, and read two ways: as Prometheus text (exposition format 0.0.4) for GET /metrics on
// the Node, Deno and Durable Object relays, and as OpenTelemetry instruments (src/relay/metrics-otel.ts). Names are
// swarmwire_relay_…, counters end in _total, times are in seconds and sizes in bytes. Everything is read from the
// relay's counters when someone asks, so serving metrics costs nothing between scrapes.
import { typeName } from './type-names.js';
import type { Relay } from './relay.js';
import type { HistogramSnapshot } from './histogram.js';
import { DROP_REASONS } from './relay-counters.js';

/** The Content-Type of what relayMetrics() returns. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** What a relay's host knows and the Relay does not: its server's refusals, a Redis bridge, an agent host. */
export interface RelayMetricsSources {
  /** Connections the WebSocket server refused before a handshake, by reason (HandshakeGate.refused). */
  refused: Readonly<Record<string, number>>;
  /** Connections upgraded whose handshake has not completed. */
  handshaking: number;
  /** The uplink's state (connected, frames held, relays heard from). Default: the relay's uplink's (bridgeRedis sets it). */
  bridge: { readonly connected: boolean; readonly held: number; relays(): string[] };
  /** The agent host inside the relay: agents hosted, and agents that arrived and left. */
  agents: { hosted: number; arrived: number; left: number };
}

type Labels = Record<string, string>;

/** One metric family: counters and gauges have values, histograms cumulative buckets. */
export type Figure =
  | { name: string; type: 'counter' | 'gauge'; help: string; samples: Array<[labels: Labels, value: number]> }
  | { name: string; type: 'histogram'; help: string; samples: Array<[labels: Labels, histogram: HistogramSnapshot]> };


/** Per message type, the types seen (a count above 0). */
function byType(counts: Float64Array): Array<[Labels, number]> {
  const out: Array<[Labels, number]> = [];
  for (let type = 0; type < counts.length; type++) if (counts[type]! > 0) out.push([{ type: typeName(type) }, counts[type]!]);
  return out;
}

/** The relay's figures now, in one list (allocates: for scrapes and OpenTelemetry collections). */
export function relayFigures(relay: Relay, sources: Readonly<Partial<RelayMetricsSources>> = {}): Figure[] {
  const stats = relay.stats();
  const counters = relay.counters();
  const peers = relay.peers();
  const queues = relay.queues();
  const calls = relay.callLatency();
  const transports = new Map<string, number>();
  for (const p of peers) transports.set(p.transport, (transports.get(p.transport) ?? 0) + 1);
  const rtts = peers.map((p) => p.rtt).filter((r): r is number => r !== null);
  const one = (value: number): Array<[Labels, number]> => [[{}, value]];
  const figures: Figure[] = [
    { name: 'swarmwire_relay_uptime_seconds', type: 'gauge', help: 'Seconds since the relay started.', samples: one(stats.uptimeMs / 1000) },
    { name: 'swarmwire_relay_peers', type: 'gauge', help: 'Peers connected now, by transport.', samples: [...transports].map(([transport, n]) => [{ transport }, n]) },
    { name: 'swarmwire_relay_handshakes_total', type: 'counter', help: 'Handshakes, by outcome: accepted, or the error code that refused them.', samples: [...counters.handshakes].map(([outcome, n]) => [{ outcome }, n]) },
    { name: 'swarmwire_relay_frames_received_total', type: 'counter', help: 'Frames received from peers, by message type.', samples: byType(counters.framesIn) },
    { name: 'swarmwire_relay_received_bytes_total', type: 'counter', help: 'Bytes of the frames received from peers (header, payload, trailer), by message type.', samples: byType(counters.bytesIn) },
    { name: 'swarmwire_relay_frames_sent_total', type: 'counter', help: 'Frames sent to peers (forwarded, answered or the relay\'s own), by message type.', samples: byType(counters.framesOut) },
    { name: 'swarmwire_relay_sent_bytes_total', type: 'counter', help: 'Bytes of the frames sent to peers before compression (header and payload), by message type.', samples: byType(counters.bytesOut) },
    { name: 'swarmwire_relay_routed_total', type: 'counter', help: 'Routed frames forwarded.', samples: one(stats.routed) },
    { name: 'swarmwire_relay_broadcasts_total', type: 'counter', help: 'Broadcasts fanned out.', samples: one(stats.broadcasts) },
    { name: 'swarmwire_relay_errors_total', type: 'counter', help: 'Error frames the relay sent about frames it could not handle or forward.', samples: one(stats.errors) },
    { name: 'swarmwire_relay_dropped_frames_total', type: 'counter', help: 'Frames dropped instead of handled or forwarded, by reason.', samples: DROP_REASONS.map((reason) => [{ reason }, counters.dropped[reason]]) },
    { name: 'swarmwire_relay_dropped_peers_total', type: 'counter', help: 'Peers dropped, by reason.', samples: [[{ reason: 'too_slow' }, stats.slowPeersDropped]] },
    { name: 'swarmwire_relay_queued_frames', type: 'gauge', help: 'Frames waiting to reach peers: acked frames not yet acknowledged (unacked), frames held for peers away (disconnected).', samples: [[{ queue: 'unacked' }, queues.unackedFrames], [{ queue: 'disconnected' }, queues.queuedFrames]] },
    { name: 'swarmwire_relay_queued_bytes', type: 'gauge', help: 'Bytes waiting to reach peers: of acked frames not yet acknowledged (unacked), in transport buffers (transport).', samples: [[{ queue: 'unacked' }, queues.unackedBytes], [{ queue: 'transport' }, queues.bufferedBytes]] },
    { name: 'swarmwire_relay_peer_rtt_seconds', type: 'histogram', help: 'Heartbeat round trips to peers.', samples: [[{}, counters.rtt.snapshot()]] },
    { name: 'swarmwire_relay_peer_rtt_max_seconds', type: 'gauge', help: 'Largest round trip last measured to a connected peer.', samples: rtts.length ? one(rtts.reduce((a, b) => (b > a ? b : a)) / 1000) : [] },
    { name: 'swarmwire_relay_call_duration_seconds', type: 'histogram', help: 'Calls routed between two nodes through this relay, from the Request to its Response or Error.', samples: [[{}, calls]] },
    { name: 'swarmwire_relay_calls_pending', type: 'gauge', help: 'Calls routed through this relay and not answered yet.', samples: one(calls.pending) },
    { name: 'swarmwire_relay_calls_untimed_total', type: 'counter', help: 'Calls not timed: forgotten unanswered past the call deadline (expired), or not tracked because too many calls were open (full).', samples: [[{ reason: 'expired' }, calls.expired], [{ reason: 'full' }, calls.full]] },
    { name: 'swarmwire_relay_uplink_frames_total', type: 'counter', help: 'Routed frames and broadcasts handed to other relays (out) and received from them (in).', samples: [[{ direction: 'out' }, counters.uplinkOut], [{ direction: 'in' }, counters.uplinkIn]] },
  ];
  if (sources.refused) {
    figures.push({ name: 'swarmwire_relay_refused_connections_total', type: 'counter', help: 'Connections refused before their handshake, by reason.', samples: Object.entries(sources.refused).map(([reason, n]) => [{ reason }, n]) });
  }
  if (sources.handshaking !== undefined) figures.push({ name: 'swarmwire_relay_handshaking', type: 'gauge', help: 'Connections whose handshake has not completed.', samples: one(sources.handshaking) });
  const bridge = sources.bridge ?? relay.uplink?.state;
  if (bridge) {
    figures.push(
      { name: 'swarmwire_relay_redis_connected', type: 'gauge', help: '1 while the Redis bridge is connected, 0 while it reconnects.', samples: one(bridge.connected ? 1 : 0) },
      { name: 'swarmwire_relay_redis_held_frames', type: 'gauge', help: 'Acked frames held because Redis cannot take them yet, or their node is connected to no relay (the bridge\'s outbox).', samples: one(bridge.held) },
      { name: 'swarmwire_relay_redis_relays', type: 'gauge', help: 'Relays heard from recently through Redis, this one included.', samples: one(bridge.relays().length) },
    );
  }
  const agents = sources.agents;
  if (agents) {
    figures.push(
      { name: 'swarmwire_relay_agents', type: 'gauge', help: 'Agents hosted by the relay\'s agent host.', samples: one(agents.hosted) },
      { name: 'swarmwire_relay_agent_moves_total', type: 'counter', help: 'Agents that arrived at the relay\'s agent host (by migration or a spawn from another node: in) and that migrated away (out).', samples: [[{ direction: 'in' }, agents.arrived], [{ direction: 'out' }, agents.left]] },
    );
  }
  return figures;
}

/** Label values escape backslash, double quote and newline (the exposition format's rule). */
const escape = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelText = (labels: Labels): string => {
  const keys = Object.keys(labels);
  return keys.length ? `{${keys.map((k) => `${k}="${escape(labels[k]!)}"`).join(',')}}` : '';
};
const num = (value: number): string => (Number.isFinite(value) ? String(value) : value === Infinity ? '+Inf' : value === -Infinity ? '-Inf' : 'NaN');

/** The figures as Prometheus text. */
export function prometheusText(figures: readonly Figure[]): string {
  const out: string[] = [];
  for (const f of figures) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    if (f.type !== 'histogram') {
      for (const [labels, value] of f.samples) out.push(`${f.name}${labelText(labels)} ${num(value)}`);
      continue;
    }
    for (const [labels, h] of f.samples) {
      for (const b of h.buckets) out.push(`${f.name}_bucket${labelText({ ...labels, le: num(b.le) })} ${b.count}`);
      out.push(`${f.name}_sum${labelText(labels)} ${num(h.sum)}`, `${f.name}_count${labelText(labels)} ${h.count}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** The relay's metrics as Prometheus text. */
export function relayMetrics(relay: Relay, sources: Readonly<Partial<RelayMetricsSources>> = {}): string {
  return prometheusText(relayFigures(relay, sources));
}
