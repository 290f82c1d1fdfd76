// Whole frames: header, payload, and the CRC-32C trailer when Feature.CHECKSUM is set.
import { CHECKSUM_SIZE, Feature, HEADER_SIZE, MAX_PAYLOAD, type MessageType } from './constants.js';
import { crc32c } from './crc32c.js';
import { WireErrorCode, wireError } from './errors.js';
import { type FrameHeader, type HeaderFields, type HeaderInit, headerFields, joinU64, readHeader, toHeaderFields, writeHeader } from './header.js';
import { packGeneral, unpack } from './payload.js';
import { tinyBytes, tinyEncode } from './tiny.js';

/** A decoded frame. `payload` is a view into the decoded bytes, not a copy. */
export interface Frame extends FrameHeader {
  payload: Uint8Array;
}

/** What encodeFrame takes: header fields, and either raw `payload` bytes or a `body` to encode as MessagePack. */
export interface FrameInit extends Omit<HeaderInit, 'payloadLength'> {
  payload?: Uint8Array;
  body?: unknown;
}

export interface CodecOptions {
  /** Largest payload_len accepted or produced, in bytes. Default: MAX_PAYLOAD (64 MiB), also the hard cap. */
  maxPayload?: number;
}

const scratch = headerFields();

// Frame bytes come from 64 KiB slabs, as Node's Buffer pool does: allocating an ArrayBuffer costs far more than
// writing a small frame into one (bench/frames.bench.mjs). Frames never overlap and a slab is never reused, so
// each frame stays valid for as long as anyone holds it (a slab lives while any of its frames does).
const SLAB_SIZE = 64 * 1024;
const SLAB_MAX_FRAME = 4 * 1024;
let slab = new Uint8Array(0);
let slabView = new DataView(slab.buffer);
let slabAt = 0;
/** A DataView over the buffer of the bytes allocFrame last returned (set by it, so that it returns no pair). */
let frameView = slabView;

/** Fresh bytes for one frame; `frameView` then views their buffer (the frame starts at `bytes.byteOffset`). */
function allocFrame(size: number): Uint8Array {
  if (size > SLAB_MAX_FRAME) {
    const own = new Uint8Array(size);
    frameView = new DataView(own.buffer);
    return own;
  }
  if (slabAt + size > slab.length) {
    slab = new Uint8Array(SLAB_SIZE);
    slabView = new DataView(slab.buffer);
    slabAt = 0;
  }
  const out = slab.subarray(slabAt, slabAt + size);
  slabAt += (size + 7) & ~7; // 8-byte aligned starts
  frameView = slabView;
  return out;
}

// decode reads through one DataView per ArrayBuffer: frames of a batch, and messages carved from one pool, share
// it, and creating a view per frame would cost more than reading the header.
let lastBuffer: ArrayBufferLike | undefined;
let lastView: DataView | undefined;
function viewOf(bytes: Uint8Array): DataView {
  if (bytes.buffer !== lastBuffer) {
    lastBuffer = bytes.buffer;
    lastView = new DataView(bytes.buffer);
  }
  return lastView!;
}

/** Bytes a frame with this payload length and these features occupies on the wire. */
export function frameSize(payloadLength: number, features: number): number {
  return HEADER_SIZE + payloadLength + (features & Feature.CHECKSUM ? CHECKSUM_SIZE : 0);
}

/** Encodes one frame into new bytes. Throws WireError (TOO_LARGE, BAD_FIELD, BAD_PAYLOAD, UNKNOWN_TYPE). */
export function encodeFrame(init: FrameInit, options: Readonly<CodecOptions> = {}): Uint8Array {
  const maxPayload = Math.min(options.maxPayload ?? MAX_PAYLOAD, MAX_PAYLOAD);
  // A body of tiny shape is encoded by tiny.ts into its scratch buffer and copied from there (payload stays
  // undefined); any other body by @msgpack/msgpack. The body is encoded first: it may run user code (getters).
  let payload = init.payload;
  let length: number;
  if (payload !== undefined) length = payload.length;
  else if (init.body === undefined) length = 0;
  else if ((length = tinyEncode(init.body)) < 0) length = (payload = packGeneral(init.body)).length;
  if (length > maxPayload) throw wireError(WireErrorCode.TOO_LARGE, `payload of ${length} bytes exceeds the limit of ${maxPayload}`);
  const h = toHeaderFields(init, scratch);
  h.payloadLength = length;
  const out = allocFrame(frameSize(length, h.features));
  const view = frameView;
  writeHeader(view, out.byteOffset, h);
  if (payload !== undefined) out.set(payload, HEADER_SIZE);
  else if (init.body !== undefined) copyTiny(out, length);
  if (h.features & Feature.CHECKSUM) {
    const end = HEADER_SIZE + length;
    view.setUint32(out.byteOffset + end, crc32c(out.subarray(0, end)));
  }
  return out;
}

/** Copies tiny.ts's last `length` bytes after the header: a loop beats set() + subarray() for a few bytes. */
function copyTiny(out: Uint8Array, length: number): void {
  const tiny = tinyBytes();
  if (length > 64) out.set(tiny.subarray(0, length), HEADER_SIZE);
  else for (let i = 0; i < length; i++) out[HEADER_SIZE + i] = tiny[i]!;
}
/**
 * Decodes `bytes` as exactly one frame: validates the header, the length and the checksum. Throws WireError with a
 * stable code (TRUNCATED, BAD_MAGIC, BAD_VERSION, UNKNOWN_TYPE, TOO_LARGE, CHECKSUM, TRAILING).
 */
export function decodeFrame(bytes: Uint8Array, options: Readonly<CodecOptions> = {}): Frame {
  const frame = decodeFrameAt(bytes, 0, options);
  const size = frameSize(frame.payloadLength, frame.features);
  if (size !== bytes.length) throw wireError(WireErrorCode.TRAILING, `${bytes.length - size} bytes follow the frame`);
  return frame;
}

/** Decodes every frame of a batch (Feature.BATCHING: frames back to back in one transport message). */
export function decodeFrames(bytes: Uint8Array, options: Readonly<CodecOptions> = {}): Frame[] {
  const frames: Frame[] = [];
  for (let at = 0; at < bytes.length; ) {
    const frame = decodeFrameAt(bytes, at, options);
    frames.push(frame);
    at += frameSize(frame.payloadLength, frame.features);
  }
  return frames;
}

/** The frame at `at` (its size on the wire: frameSize(frame.payloadLength, frame.features)). */
function decodeFrameAt(bytes: Uint8Array, at: number, options: Readonly<CodecOptions>): Frame {
  const available = bytes.length - at;
  if (available < HEADER_SIZE) throw wireError(WireErrorCode.TRUNCATED, `a header needs ${HEADER_SIZE} bytes, got ${available}`);
  const view = viewOf(bytes);
  const start = bytes.byteOffset + at;
  const h = readHeader(view, start, scratch, Math.min(options.maxPayload ?? MAX_PAYLOAD, MAX_PAYLOAD));
  const size = frameSize(h.payloadLength, h.features);
  if (available < size) throw wireError(WireErrorCode.TRUNCATED, `frame announces ${size} bytes, got ${available}`);
  const end = HEADER_SIZE + h.payloadLength;
  if (h.features & Feature.CHECKSUM) checkTrailer(view.getUint32(start + end), crc32c(bytes.subarray(at, at + end)));
  return toFrame(h, bytes.subarray(at + HEADER_SIZE, at + end));
}

/** Throws WireError CHECKSUM unless the trailer matches the checksum of the bytes. @internal */
export function checkTrailer(expected: number, actual: number): void {
  if (actual !== expected) throw wireError(WireErrorCode.CHECKSUM, `checksum mismatch: frame says 0x${hex(expected)}, bytes give 0x${hex(actual)}`);
}

/** A Frame from validated header fields and its payload. @internal */
export function toFrame(h: HeaderFields, payload: Uint8Array): Frame {
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
  };
}

const hex = (n: number): string => n.toString(16).padStart(8, '0');

/** The MessagePack value in a frame's payload. Throws WireError BAD_PAYLOAD when it does not decode. */
export function decodeBody<T = unknown>(frame: Pick<Frame, 'payload'>): T {
  return unpack<T>(frame.payload);
}
