// A relay's counters as Prometheus text (exposition format 0.0.4), for GET /metrics on the Node and Deno relays:
// names swarmwire_relay_…, counters ending in _total, times in seconds. Built from stats(), traffic() and peers()
// at scrape time, so serving it costs nothing between scrapes.
import { MessageType } from '../wire/constants.js';
import type { Relay } from './relay.js';

/** The Content-Type of what relayMetrics() returns. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const TYPE_NAMES = /* @__PURE__ */ new Map<number, string>(Object.entries(MessageType).map(([name, code]) => [code, name]));

/** One metric family: its HELP and TYPE lines, then a sample per label set. */
function family(out: string[], name: string, type: 'counter' | 'gauge', help: string, samples: Array<[labels: Record<string, string>, value: number]>): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  for (const [labels, value] of samples) {
    const keys = Object.keys(labels);
    const text = keys.length ? `{${keys.map((k) => `${k}="${escape(labels[k]!)}"`).join(',')}}` : '';
    out.push(`${name}${text} ${Number.isFinite(value) ? value : 'NaN'}`);
  }
}

/** Label values escape backslash, double quote and newline (the exposition format's rule). */
const escape = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The relay's metrics as Prometheus text. */
export function relayMetrics(relay: Relay): string {
  const stats = relay.stats();
  const traffic = relay.traffic();
  const peers = relay.peers();
  const out: string[] = [];
  family(out, 'swarmwire_relay_uptime_seconds', 'gauge', 'Seconds since the relay started.', [[{}, stats.uptimeMs / 1000]]);
  const byTransport = new Map<string, number>();
  for (const p of peers) byTransport.set(p.transport, (byTransport.get(p.transport) ?? 0) + 1);
  family(out, 'swarmwire_relay_peers', 'gauge', 'Peers connected now, by transport.', [...byTransport].map(([transport, n]) => [{ transport }, n]));
  family(out, 'swarmwire_relay_handshakes_total', 'counter', 'Handshakes, by outcome: accepted, or the error code that refused them.',
    [...traffic.handshakes].map(([outcome, n]) => [{ outcome }, n]));
  family(out, 'swarmwire_relay_frames_received_total', 'counter', 'Frames received from peers, by message type.',
    [...traffic.framesInByType].map(([type, n]) => [{ type: TYPE_NAMES.get(type) ?? String(type) }, n]));
  family(out, 'swarmwire_relay_received_bytes_total', 'counter', 'Bytes of the frames received from peers.', [[{}, traffic.bytesIn]]);
  family(out, 'swarmwire_relay_frames_sent_total', 'counter', 'Frames the relay forwarded or answered.', [[{}, stats.framesOut]]);
  family(out, 'swarmwire_relay_routed_total', 'counter', 'Routed frames forwarded.', [[{}, stats.routed]]);
  family(out, 'swarmwire_relay_broadcasts_total', 'counter', 'Broadcasts fanned out.', [[{}, stats.broadcasts]]);
  family(out, 'swarmwire_relay_errors_total', 'counter', 'Error frames the relay sent about frames it could not handle or forward.', [[{}, stats.errors]]);
  family(out, 'swarmwire_relay_dropped_frames_total', 'counter', 'Frames dropped, by reason.', [[{ reason: 'rate_limited' }, stats.rateLimited]]);
  family(out, 'swarmwire_relay_dropped_peers_total', 'counter', 'Peers dropped, by reason.', [[{ reason: 'too_slow' }, stats.slowPeersDropped]]);
  const rtts = peers.map((p) => p.rtt).filter((r): r is number => r !== null);
  family(out, 'swarmwire_relay_peer_rtt_max_seconds', 'gauge', 'Largest round trip last measured to a connected peer.', rtts.length ? [[{}, Math.max(...rtts) / 1000]] : []);
  return `${out.join('\n')}\n`;
}
