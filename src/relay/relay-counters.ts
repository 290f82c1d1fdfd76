// What a relay counts for /metrics beyond RelayStats: frames and bytes each way by message type, frames dropped by
// reason, handshakes by outcome, heartbeat round trips, and what crossed the uplink (other relays). Every update is
// a plain increment (frame counts in arrays indexed by the u8 message type, no Map lookups): it sits on the
// forwarding path. The text and the OpenTelemetry figures are built from it only when someone reads them.
import { Histogram } from './histogram.js';

/** Why the relay dropped a frame instead of handling or forwarding it. */
export type DropReason =
  /** Its sender passed maxFramesPerSecond, or its broadcasts maxBroadcastDeliveriesPerSecond. */
  | 'rate_limited'
  /** Its receiver's buffers were full (the receiver is then dropped as too slow). */
  | 'backpressure'
  /** Its receiver could not take it for another reason (gone, frame too large for it). */
  | 'send_failed'
  /** No route to the node it names, on this relay or any linked one. */
  | 'no_route'
  /** Its TTL ran out. */
  | 'ttl_expired'
  /** Its sender's grant does not allow it. */
  | 'unauthorized'
  /** It could not be read (bad payload). */
  | 'invalid'
  /** The uplink (Redis) refused it. */
  | 'uplink_failed';

export const DROP_REASONS: readonly DropReason[] = ['rate_limited', 'backpressure', 'send_failed', 'no_route', 'ttl_expired', 'unauthorized', 'invalid', 'uplink_failed'];

export class RelayCounters {
  /** Frames received from peers, by msg_type. */
  readonly framesIn = new Float64Array(256);
  /** Bytes of those frames, as they crossed the wire (header, payload, trailer), by msg_type. */
  readonly bytesIn = new Float64Array(256);
  /** Frames sent to peers, by msg_type. */
  readonly framesOut = new Float64Array(256);
  /** Bytes of those frames before compression (header and payload; a checksum trailer is not counted), by msg_type. */
  readonly bytesOut = new Float64Array(256);
  /** Handshakes by outcome: 'accepted', or the error code that refused them. */
  readonly handshakes = new Map<string, number>();
  readonly dropped: Record<DropReason, number> = { rate_limited: 0, backpressure: 0, send_failed: 0, no_route: 0, ttl_expired: 0, unauthorized: 0, invalid: 0, uplink_failed: 0 };
  /** Heartbeat round trips to peers, seconds. */
  readonly rtt = new Histogram();
  /** Routed frames and broadcasts handed to the uplink (to other relays), and received from it. */
  uplinkOut = 0;
  uplinkIn = 0;

  received(type: number, bytes: number): void {
    this.framesIn[type]!++;
    this.bytesIn[type]! += bytes;
  }

  sent(type: number, bytes: number): void {
    this.framesOut[type]!++;
    this.bytesOut[type]! += bytes;
  }

  handshake(outcome: string): void {
    this.handshakes.set(outcome, (this.handshakes.get(outcome) ?? 0) + 1);
  }
}
