// W3C Trace Context on the wire (docs/protocol.md, "Trace context"). A frame with Feature.TRACE starts its payload
// with a trace block: traceparent in binary (version, trace-id, parent-id, trace-flags), then tracestate with a
// one-byte length. Every frame type can carry it, and a Routed envelope carries its inner frame's untouched, so
// the context crosses relays, Redis and Durable Objects without any of them reading it. This file is the one
// place that writes and reads the block.
import { WireErrorCode, wireError } from './errors.js';

/** A W3C Trace Context: what `traceparent` and `tracestate` carry, ids as lowercase hex as OpenTelemetry has them. */
export interface TraceContext {
  /** 32 hex digits, not all zero. */
  traceId: string;
  /** The sender's span: 16 hex digits, not all zero (traceparent's parent-id). */
  spanId: string;
  /** trace-flags: bit 0 is "sampled". */
  flags: number;
  /** tracestate as on HTTP (`key=value,key=value`), at most TRACE_STATE_MAX bytes of printable ASCII. Default: none. */
  state?: string | undefined;
}

/** traceparent's version byte; the only one this version of the wire carries. */
export const TRACE_VERSION = 0;
/** Bytes of a trace block with no tracestate: version 1, trace-id 16, parent-id 8, flags 1, tracestate length 1. */
export const TRACE_BLOCK_MIN = 27;
/** Longest tracestate a block carries, bytes (its length is one byte). Longer ones are cut at an entry boundary. */
export const TRACE_STATE_MAX = 255;

/** Bytes the block of `trace` takes in front of the payload. */
export function traceSize(trace: TraceContext): number {
  return TRACE_BLOCK_MIN + stateOf(trace).length;
}

/**
 * The tracestate that goes on the wire: W3C lets a carrier drop entries from the end when the whole does not fit,
 * so whole entries are dropped, never one cut in half.
 */
function stateOf(trace: TraceContext): string {
  const state = trace.state;
  if (!state) return '';
  if (state.length <= TRACE_STATE_MAX && printable(state)) return state;
  let kept = '';
  for (const entry of state.split(',')) {
    const next = kept ? `${kept},${entry}` : entry;
    if (next.length > TRACE_STATE_MAX || !printable(entry)) break;
    kept = next;
  }
  return kept;
}

const printable = (s: string): boolean => /^[\x20-\x7e]*$/.test(s);

/** Writes the block of `trace` at `at` (traceSize(trace) bytes). Throws WireError BAD_FIELD for malformed ids. */
export function writeTrace(bytes: Uint8Array, at: number, trace: TraceContext): void {
  bytes[at] = TRACE_VERSION;
  writeHex(bytes, at + 1, trace.traceId, 16, 'traceId');
  writeHex(bytes, at + 17, trace.spanId, 8, 'spanId');
  bytes[at + 25] = trace.flags & 0xff;
  const state = stateOf(trace);
  bytes[at + 26] = state.length;
  for (let i = 0; i < state.length; i++) bytes[at + 27 + i] = state.charCodeAt(i);
}

/**
 * The trace block at the start of `payload`, and the bytes it takes. Throws WireError TRACE (InvalidFrame) for a
 * block that does not fit the payload, a version other than 0, an all-zero id, or a tracestate that is not
 * printable ASCII: W3C says to ignore such a traceparent, but on this wire it also means the payload cannot be found.
 */
export function readTrace(payload: Uint8Array): { trace: TraceContext; size: number } {
  if (payload.length < TRACE_BLOCK_MIN) throw bad(`a trace block needs ${TRACE_BLOCK_MIN} bytes, the payload has ${payload.length}`);
  if (payload[0] !== TRACE_VERSION) throw bad(`trace block version ${payload[0]} (only ${TRACE_VERSION} is defined)`);
  const traceId = readHex(payload, 1, 16);
  const spanId = readHex(payload, 17, 8);
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) throw bad('trace block with an all-zero trace-id or parent-id');
  const length = payload[26]!;
  const size = TRACE_BLOCK_MIN + length;
  if (size > payload.length) throw bad(`tracestate of ${length} bytes does not fit the payload`);
  let state: string | undefined;
  if (length > 0) {
    state = String.fromCharCode(...payload.subarray(TRACE_BLOCK_MIN, size));
    if (!printable(state)) throw bad('tracestate is not printable ASCII');
  }
  return { trace: { traceId, spanId, flags: payload[25]!, state }, size };
}

const bad = (message: string): Error => wireError(WireErrorCode.TRACE, message);

const HEX = '0123456789abcdef';

function readHex(bytes: Uint8Array, at: number, count: number): string {
  let s = '';
  for (let i = at; i < at + count; i++) s += HEX[bytes[i]! >> 4]! + HEX[bytes[i]! & 15]!;
  return s;
}

function writeHex(bytes: Uint8Array, at: number, hex: string, count: number, field: string): void {
  if (hex.length !== count * 2) throw badHex(field, count, hex);
  // Per character, no substrings or parseInt: this runs for every traced frame.
  for (let i = 0; i < count; i++) {
    const hi = nibble(hex.charCodeAt(2 * i));
    const lo = nibble(hex.charCodeAt(2 * i + 1));
    if ((hi | lo) < 0) throw badHex(field, count, hex);
    bytes[at + i] = (hi << 4) | lo;
  }
}

/** The value of one hex digit's char code, or -1. */
const nibble = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);

const badHex = (field: string, count: number, hex: string): Error => wireError(WireErrorCode.BAD_FIELD, `${field} must be ${count * 2} hex digits, got "${hex}"`);

/** `traceparent` as HTTP carries it (`00-<trace-id>-<parent-id>-<flags>`). */
export function formatTraceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${(trace.flags & 0xff).toString(16).padStart(2, '0')}`;
}

/** A TraceContext from `traceparent` (and `tracestate`) headers; undefined when traceparent is not valid. */
export function parseTraceparent(traceparent: string, tracestate?: string): TraceContext | undefined {
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/.exec(traceparent.trim());
  if (!m || m[1] === 'ff' || (m[1] === '00' && m[5] !== undefined)) return undefined;
  if (/^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return undefined;
  return { traceId: m[2]!, spanId: m[3]!, flags: parseInt(m[4]!, 16), state: tracestate || undefined };
}
