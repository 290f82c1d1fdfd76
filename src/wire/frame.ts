// Whole frames: header, payload, and the CRC-32C trailer when Feature.CHECKSUM is set.
import { CHECKSUM_SIZE, Feature, HEADER_SIZE, MAX_PAYLOAD, type MessageType } from './constants.js';
import { crc32cRange } from './crc32c.js';
import { WireErrorCode, wireError } from './errors.js';
import { type FrameHeader, type HeaderFields, type HeaderInit, headerFields, joinU64, readHeaderBytes, toHeaderFields, u32, writeHeader } from './header.js';
import { BODY, encodeBody, unpackBody } from './payload.js';
import { knownBody } from './bodies.js';
import { output, reserve } from './msgpack/encode.js';
import { type TraceContext, readTrace, traceSize, writeTrace } from './trace.js';

/**
 * A decoded frame. `payload` is a view into the decoded bytes, not a copy, and without the trace block of a TRACE
 * frame (`payloadLength` is the wire's, which counts it).
 */
export interface Frame extends FrameHeader {
  payload: Uint8Array;
  /** The W3C Trace Context the frame carried (Feature.TRACE), or undefined. */
  trace: TraceContext | undefined;
}

/** What encodeFrame takes: header fields, and either raw `payload` bytes or a `body` to encode as MessagePack. */
export interface FrameInit extends Omit<HeaderInit, 'payloadLength'> {
  payload?: Uint8Array;
  body?: unknown;
  /** A trace context to carry: sets Feature.TRACE and puts the block in front of the payload. Default: none (the bit is cleared). */
  trace?: TraceContext | undefined;
}

export interface CodecOptions {
  /** Largest payload_len accepted or produced, in bytes. Default: MAX_PAYLOAD (64 MiB), also the hard cap. */
  maxPayload: number;
}

const scratch = /* @__PURE__ */ headerFields();
/** The default options: one object, not a new one per call. */
const NO_OPTIONS: Readonly<Partial<CodecOptions>> = {};

// Frame bytes come from the MessagePack writer's 64 KiB slabs (msgpack/encode.ts), as Node's Buffer pool does:
// allocating an ArrayBuffer costs far more than writing a small frame into one (bench/frames.bench.mjs). Frames
// never overlap and a slab is never reused, so each frame stays valid for as long as anyone holds it.

/** Bytes a frame with this payload length and these features occupies on the wire. */
export function frameSize(payloadLength: number, features: number): number {
  return HEADER_SIZE + payloadLength + (features & Feature.CHECKSUM ? CHECKSUM_SIZE : 0);
}

/** Encodes one frame into new bytes. Throws WireError (TOO_LARGE, BAD_FIELD, BAD_PAYLOAD, UNKNOWN_TYPE). */
export function encodeFrame(init: FrameInit, options: Readonly<Partial<CodecOptions>> = NO_OPTIONS): Uint8Array {
  const maxPayload = Math.min(options.maxPayload ?? MAX_PAYLOAD, MAX_PAYLOAD);
  const { payload, body, trace } = init;
  // The trace block sits between the header and the payload (compressed or not), so it is written here, once.
  const extra = trace === undefined ? 0 : traceSize(trace);
  if (payload !== undefined || body === undefined) {
    const bytes = payload ?? EMPTY;
    if (bytes.length + extra > maxPayload) throw tooLarge(bytes.length + extra, maxPayload);
    const h = traced(toHeaderFields(init, scratch), trace);
    reserve(frameSize(bytes.length + extra, h.features));
    if (trace !== undefined) writeTrace(output.bytes, output.start + HEADER_SIZE, trace);
    if (bytes.length > 0) output.bytes.set(bytes, output.start + HEADER_SIZE + extra); // set() costs a call even for nothing
    return finish(h, bytes.length + extra);
  }
  // The body is written straight behind the room for the header, and read before the header fields.
  encodeBody(body, BODY, HEADER_SIZE + extra, CHECKSUM_SIZE, true);
  const length = output.end - output.start - HEADER_SIZE;
  if (length > maxPayload) throw tooLarge(length, maxPayload);
  const h = traced(toHeaderFields(init, scratch), trace);
  if (trace !== undefined) writeTrace(output.bytes, output.start + HEADER_SIZE, trace);
  return finish(h, length);
}

/** The TRACE bit says whether a block is there, whatever features the caller passed (a frame being re-sent). */
function traced(h: HeaderFields, trace: TraceContext | undefined): HeaderFields {
  h.features = trace === undefined ? h.features & ~Feature.TRACE : h.features | Feature.TRACE;
  return h;
}
const EMPTY = /* @__PURE__ */ new Uint8Array(0);

const tooLarge = (length: number, maxPayload: number): Error => wireError(WireErrorCode.TOO_LARGE, `payload of ${length} bytes exceeds the limit of ${maxPayload}`);

/** Writes the header (and the trailer) around the payload that `output` holds behind its header room. */
function finish(h: HeaderFields, length: number): Uint8Array {
  const { bytes, buffer, view, start } = output;
  h.payloadLength = length;
  writeHeader(view, start, h);
  const end = start + HEADER_SIZE + length;
  if (h.features & Feature.CHECKSUM) view.setUint32(end, crc32cRange(bytes, start, end));
  return new Uint8Array(buffer, start, frameSize(length, h.features)); // cheaper than subarray()
}

/**
 * Decodes `bytes` as exactly one frame: validates the header, the length and the checksum. Throws WireError with a
 * stable code (TRUNCATED, BAD_MAGIC, BAD_VERSION, UNKNOWN_TYPE, TOO_LARGE, CHECKSUM, TRAILING).
 */
export function decodeFrame(bytes: Uint8Array, options: Readonly<Partial<CodecOptions>> = NO_OPTIONS): Frame {
  const frame = decodeFrameAt(bytes, 0, options);
  const size = frameSize(frame.payloadLength, frame.features);
  if (size !== bytes.length) throw wireError(WireErrorCode.TRAILING, `${bytes.length - size} bytes follow the frame`);
  return frame;
}

/** Decodes every frame of a batch (Feature.BATCHING: frames back to back in one transport message). */
export function decodeFrames(bytes: Uint8Array, options: Readonly<Partial<CodecOptions>> = {}): Frame[] {
  const frames: Frame[] = [];
  for (let at = 0; at < bytes.length; ) {
    const frame = decodeFrameAt(bytes, at, options);
    frames.push(frame);
    at += frameSize(frame.payloadLength, frame.features);
  }
  return frames;
}

/** The frame at `at` (its size on the wire: frameSize(frame.payloadLength, frame.features)). */
function decodeFrameAt(bytes: Uint8Array, at: number, options: Readonly<Partial<CodecOptions>>): Frame {
  const available = bytes.length - at;
  if (available < HEADER_SIZE) throw wireError(WireErrorCode.TRUNCATED, `a header needs ${HEADER_SIZE} bytes, got ${available}`);
  // Read from the bytes themselves: a DataView, or even reading bytes.buffer, costs more than the header.
  const h = readHeaderBytes(bytes, at, scratch, Math.min(options.maxPayload ?? MAX_PAYLOAD, MAX_PAYLOAD));
  const size = frameSize(h.payloadLength, h.features);
  if (available < size) throw wireError(WireErrorCode.TRUNCATED, `frame announces ${size} bytes, got ${available}`);
  const end = HEADER_SIZE + h.payloadLength;
  if (h.features & Feature.CHECKSUM) checkTrailer(u32(bytes, at + end), crc32cRange(bytes, at, at + end));
  return toFrame(h, bytes.subarray(at + HEADER_SIZE, at + end));
}

/** Throws WireError CHECKSUM unless the trailer matches the checksum of the bytes. @internal */
export function checkTrailer(expected: number, actual: number): void {
  if (actual !== expected) throw wireError(WireErrorCode.CHECKSUM, `checksum mismatch: frame says 0x${hex(expected)}, bytes give 0x${hex(actual)}`);
}

/** A Frame from validated header fields and its payload. @internal */
export function toFrame(h: HeaderFields, payload: Uint8Array): Frame {
  let trace: TraceContext | undefined;
  if (h.features & Feature.TRACE) {
    const block = readTrace(payload);
    trace = block.trace;
    payload = payload.subarray(block.size);
  }
  // One literal with every field: adding payload to a FrameHeader afterwards would change the object's shape.
  return {
    version: h.version,
    type: h.type as MessageType,
    features: h.features,
    requestId: joinU64(h.requestHi, h.requestLo),
    moduleId: joinU64(h.moduleHi, h.moduleLo),
    methodHash: h.methodHash,
    payloadLength: h.payloadLength,
    payload,
    trace,
  };
}

/** `frame` with another payload, and features and payload_len (written out: see withRequestId). @internal */
export function withPayload(frame: Frame, payload: Uint8Array, features = frame.features, payloadLength = frame.payloadLength): Frame {
  return {
    version: frame.version, type: frame.type, features, requestId: frame.requestId, moduleId: frame.moduleId,
    methodHash: frame.methodHash, payloadLength, payload, trace: frame.trace,
  };
}

/**
 * `frame` under another request id. Written out field by field, as every frame copy on a hot path is: on Node 20
 * (V8 11.3) `{ ...frame, requestId }` takes a slow path of ~2 µs (docs/architecture.md, "Hot paths"). @internal
 */
export function withRequestId(frame: Frame, requestId: bigint): Frame {
  return {
    version: frame.version, type: frame.type, features: frame.features, requestId, moduleId: frame.moduleId,
    methodHash: frame.methodHash, payloadLength: frame.payloadLength, payload: frame.payload, trace: frame.trace,
  };
}

const hex = (n: number): string => n.toString(16).padStart(8, '0');

/**
 * The MessagePack value in a frame's payload. Throws WireError BAD_PAYLOAD when it does not decode. Given the
 * frame's `type`, a body whose shape the protocol fixes (Ping's and Pong's `{ timestamp }`) is read by that shape:
 * the same value, faster.
 */
export function decodeBody<T = unknown>(frame: Pick<Frame, 'payload'> & { readonly type?: MessageType | undefined }): T {
  return unpackBody<T>(frame.payload, knownBody(frame.type));
}

/**
 * `bytes` (one whole frame) without its trace block, for a receiver that does not read TRACE; the same bytes when
 * there is none. Throws WireError as decodeFrame does.
 */
export function withoutTrace(bytes: Uint8Array): Uint8Array {
  if (bytes.length < HEADER_SIZE || !(((bytes[6]! << 8) | bytes[7]!) & Feature.TRACE)) return bytes;
  const frame = decodeFrame(bytes);
  return encodeFrame({ type: frame.type, features: frame.features, requestId: frame.requestId, moduleId: frame.moduleId, methodHash: frame.methodHash, payload: frame.payload }).slice();
}
