// A best-effort Routed frame on a node's channel (docs/protocol.md, "Relays bridged through Redis"), written field by
// field rather than as MessagePack: it is the one message of the bridge on every hop, and a generic encoder walking
// the map { r, b: { to, from, ttl, hops, frame }, a } cost more than everything else the sending relay does before
// its write (docs/architecture.md, "What a hop costs"). Layout:
//   0x01                 the kind: neither an ASCII digit (a stream notice) nor a MessagePack map (0x80 and up: the
//                        form of relays before this one, still read by redis-bridge.ts)
//   length, relay id     the sending relay's id, its UTF-8 in at most 255 bytes (a relay drops its own messages)
//   ttl, hops            one byte each (Routed's u8 fields)
//   to, from             16 bytes each
//   frame                the rest: the carried frame, whole
import { WireErrorCode, wireError } from '../wire/errors.js';
import type { RoutedOut } from './relay.js';

const ROUTED = 0x01;
/** Bytes before the relay id, and between it and the frame. */
const HEAD = 2;
const FIELDS = 2 + 16 + 16;

/** The UTF-8 of a relay id as messages carry it; TypeError past 255 bytes. */
export function relayIdBytes(relayId: string): Uint8Array {
  const bytes = new TextEncoder().encode(relayId);
  if (bytes.length > 255) throw new TypeError(`[swarmwire] a relay id takes at most 255 bytes of UTF-8, not ${bytes.length}`);
  return bytes;
}

/** The message carrying `body` from relay `relay` (relayIdBytes). Throws WireError BAD_PAYLOAD for a ttl or hops past a byte. */
export function writeRouted(relay: Uint8Array, body: RoutedOut): Buffer {
  const { ttl, hops, to, from, frame } = body;
  // A sender may start at any u8 of hops: the relay's increment can pass 255, which a byte would silently wrap.
  if (!(ttl >= 0 && ttl <= 255 && hops >= 0 && hops <= 255)) throw wireError(WireErrorCode.BAD_PAYLOAD, `invalid Routed: ttl ${ttl} and hops ${hops} must be u8`);
  const out = Buffer.allocUnsafe(HEAD + relay.length + FIELDS + frame.length);
  out[0] = ROUTED;
  out[1] = relay.length;
  out.set(relay, HEAD);
  let at = HEAD + relay.length;
  out[at++] = ttl;
  out[at++] = hops;
  out.set(to, at);
  out.set(from, at + 16);
  out.set(frame, at + 32);
  return out;
}

/** Whether a node-channel message is in this form (else a notice, a MessagePack envelope, or another program's). */
export const isRouted = (message: Uint8Array): boolean => message.length > 0 && message[0] === ROUTED;

/**
 * The body in `message` (views of its bytes), or undefined when it is too short to be one or was sent by relay
 * `self` (relayIdBytes) — what a relay publishes on a channel it also listens to (a node of its own that is away) is
 * for the other relays.
 */
export function readRouted(message: Uint8Array, self: Uint8Array): RoutedOut | undefined {
  const length = message[1];
  if (length === undefined) return undefined;
  const at = HEAD + length;
  if (message.length < at + FIELDS) return undefined;
  if (length === self.length) {
    let same = true;
    for (let i = 0; i < length && same; i++) same = message[HEAD + i] === self[i];
    if (same) return undefined;
  }
  return {
    ttl: message[at]!,
    hops: message[at + 1]!,
    to: message.subarray(at + 2, at + 18),
    from: message.subarray(at + 18, at + 34),
    frame: message.subarray(at + 34),
  };
}
