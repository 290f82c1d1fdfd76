// Whole frames: header, payload, and the CRC-32C trailer when Feature.CHECKSUM is set.
import { CHECKSUM_SIZE, Feature, HEADER_SIZE, MAX_PAYLOAD, type MessageType } from './constants.js';
import { crc32cRange } from './crc32c.js';
import { WireErrorCode, wireError } from './errors.js';
import { type FrameHeader, type HeaderFields, type HeaderInit, headerFields, joinU64, readHeaderBytes, toHeaderFields, u32, writeHeader } from './header.js';
import { packGeneral, unpack } from './payload.js';
import { TINY_MAX_BYTES, tinyEncode } from './tiny.js';

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

const scratch = /* @__PURE__ */ headerFields();

// Frame bytes come from 64 KiB slabs, as Node's Buffer pool does: allocating an ArrayBuffer costs far more than
// writing a small frame into one (bench/frames.bench.mjs). Frames never overlap and a slab is never reused, so
// each frame stays valid for as long as anyone holds it (a slab lives while any of its frames does).
const SLAB_SIZE = 64 * 1024;
const SLAB_MAX_FRAME = 4 * 1024;
let slabBuffer = /* @__PURE__ */ new ArrayBuffer(0);
let slabBytes = /* @__PURE__ */ new Uint8Array(slabBuffer);
let slabView = /* @__PURE__ */ new DataView(slabBuffer);
let slabAt = 0;

/** Room for a frame with the largest tiny body. */
const TINY_FRAME_ROOM = HEADER_SIZE + TINY_MAX_BYTES + CHECKSUM_SIZE;

/** Makes sure the current slab has `size` free bytes, starting a new one when not. */
function slabRoom(size: number): void {
  if (slabAt + size > slabBuffer.byteLength) {
    slabBuffer = new ArrayBuffer(SLAB_SIZE);
    slabBytes = new Uint8Array(slabBuffer);
    slabView = new DataView(slabBuffer);
    slabAt = 0;
  }
}

/** Bytes a frame with this payload length and these features occupies on the wire. */
export function frameSize(payloadLength: number, features: number): number {
  return HEADER_SIZE + payloadLength + (features & Feature.CHECKSUM ? CHECKSUM_SIZE : 0);
}

/** Encodes one frame into new bytes. Throws WireError (TOO_LARGE, BAD_FIELD, BAD_PAYLOAD, UNKNOWN_TYPE). */
export function encodeFrame(init: FrameInit, options: Readonly<CodecOptions> = {}): Uint8Array {
  const maxPayload = Math.min(options.maxPayload ?? MAX_PAYLOAD, MAX_PAYLOAD);
  const { payload, body } = init;
  if (payload !== undefined) return writeFrame(init, payload, maxPayload);
  if (body === undefined) return writeFrame(init, EMPTY, maxPayload);
  return encodeTinyFrame(init, body, maxPayload) ?? writeFrame(init, packGeneral(body), maxPayload);
}
const EMPTY = /* @__PURE__ */ new Uint8Array(0);

/**
 * A frame whose body tiny.ts encodes straight after the header, or undefined when the body is not of tiny shape.
 * Room for the largest tiny frame is reserved first and the unused end handed back after: the body may run user
 * code (getters) that encodes other frames meanwhile, and those must land elsewhere. The body is read before the
 * header fields, as on the general path.
 */
function encodeTinyFrame(init: FrameInit, body: unknown, maxPayload: number): Uint8Array | undefined {
  slabRoom(TINY_FRAME_ROOM);
  const buffer = slabBuffer, bytes = slabBytes, view = slabView, start = slabAt;
  slabAt += TINY_FRAME_ROOM;
  let end: number, h: HeaderFields;
  try {
    end = tinyEncode(body, bytes, view, start + HEADER_SIZE); // a getter may throw
    if (end < 0) return release(buffer, start, 0), undefined;
    const length = end - start - HEADER_SIZE;
    if (length > maxPayload) throw wireError(WireErrorCode.TOO_LARGE, `payload of ${length} bytes exceeds the limit of ${maxPayload}`);
    h = toHeaderFields(init, scratch);
  } catch (error) {
    release(buffer, start, 0);
    throw error;
  }
  const length = end - start - HEADER_SIZE;
  h.payloadLength = length;
  writeHeader(view, start, h);
  const size = frameSize(length, h.features);
  if (h.features & Feature.CHECKSUM) view.setUint32(end, crc32cRange(bytes, start, end));
  release(buffer, start, size);
  return new Uint8Array(buffer, start, size); // cheaper than subarray()
}

/** Hands back the unused end of a tiny frame's room, unless a nested encode has allocated after it meanwhile. */
function release(buffer: ArrayBuffer, start: number, used: number): void {
  if (slabBuffer === buffer && slabAt === start + TINY_FRAME_ROOM) slabAt = start + ((used + 7) & ~7); // 8-byte aligned starts
}

/** A frame carrying `payload` as it is. */
function writeFrame(init: FrameInit, payload: Uint8Array, maxPayload: number): Uint8Array {
  if (payload.length > maxPayload) throw wireError(WireErrorCode.TOO_LARGE, `payload of ${payload.length} bytes exceeds the limit of ${maxPayload}`);
  const h = toHeaderFields(init, scratch);
  h.payloadLength = payload.length;
  const size = frameSize(payload.length, h.features);
  let out: Uint8Array, view: DataView;
  if (size > SLAB_MAX_FRAME) {
    out = new Uint8Array(size);
    view = new DataView(out.buffer);
  } else {
    slabRoom(size);
    out = new Uint8Array(slabBuffer, slabAt, size);
    view = slabView;
    slabAt += (size + 7) & ~7;
  }
  writeHeader(view, out.byteOffset, h);
  if (payload.length > 0) out.set(payload, HEADER_SIZE); // set() costs a call even for nothing
  if (h.features & Feature.CHECKSUM) {
    const end = HEADER_SIZE + payload.length;
    view.setUint32(out.byteOffset + end, crc32cRange(out, 0, end));
  }
  return out;
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
