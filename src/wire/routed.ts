// The Routed envelope (type 118): a whole frame addressed to a node by id, carried through relays.
import { WireErrorCode, wireError } from './errors.js';

/** Hops a Routed frame may take before it is dropped (and its sender told). */
export const DEFAULT_TTL = 16;

/** Routed payload (MessagePack map). */
export interface RoutedBody {
  /** Destination node id, 16 bytes. */
  to: Uint8Array;
  /** Origin node id, 16 bytes: set by the first relay from the authenticated session, whatever the sender put. */
  from: Uint8Array;
  /** Hops left; a relay that receives 0 drops the frame and answers the sender with an Error. */
  ttl: number;
  /** Relays passed so far. */
  hops: number;
  /** The carried frame, whole. */
  frame: Uint8Array;
  /**
   * Set only by a relay handing over a frame from the destination's stream (relays bridged through Redis): its
   * position there, which the destination delivers once whichever relay sends it. Absent otherwise.
   */
  seq?: number;
}

const isId = (v: unknown): v is Uint8Array => v instanceof Uint8Array && v.length === 16;
const isU8 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255;

/** Checks a decoded Routed payload. Throws WireError BAD_PAYLOAD. `from` may be absent on the first hop. */
export function parseRouted(value: unknown): RoutedBody {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (!isId(v.to)) throw wireError(WireErrorCode.BAD_PAYLOAD, 'invalid Routed: `to` must be 16 bytes');
  if (v.from !== undefined && !isId(v.from)) throw wireError(WireErrorCode.BAD_PAYLOAD, 'invalid Routed: `from` must be 16 bytes');
  if (!isU8(v.ttl) || !isU8(v.hops)) throw wireError(WireErrorCode.BAD_PAYLOAD, 'invalid Routed: `ttl` and `hops` must be u8');
  if (!(v.frame instanceof Uint8Array)) throw wireError(WireErrorCode.BAD_PAYLOAD, 'invalid Routed: `frame` must be binary');
  const body: RoutedBody = { to: v.to, from: v.from ?? new Uint8Array(16), ttl: v.ttl, hops: v.hops, frame: v.frame };
  if (v.seq === undefined || v.seq === null) return body;
  if (typeof v.seq !== 'number' || !Number.isSafeInteger(v.seq) || v.seq <= 0) throw wireError(WireErrorCode.BAD_PAYLOAD, 'invalid Routed: `seq` must be a positive integer');
  body.seq = v.seq;
  return body;
}

/** The payload of a Routed frame carrying `frame` (a whole encoded frame) to node `to`. */
export function routedBody(to: Uint8Array, frame: Uint8Array, ttl = DEFAULT_TTL): Omit<RoutedBody, 'from'> {
  return { to, ttl, hops: 0, frame };
}

/** `body` carrying another frame (written out field by field: see "Hot paths" in docs/architecture.md). @internal */
export function withFrame(body: RoutedBody, frame: Uint8Array): RoutedBody {
  const out: RoutedBody = { to: body.to, from: body.from, ttl: body.ttl, hops: body.hops, frame };
  if (body.seq !== undefined) out.seq = body.seq;
  return out;
}
