// Whole frames: header, payload, and the CRC-32C trailer when Feature.CHECKSUM is set.
import { CHECKSUM_SIZE, Feature, HEADER_SIZE, MAX_PAYLOAD } from './constants.js';
import { crc32c } from './crc32c.js';
import { WireErrorCode, wireError } from './errors.js';
import { type FrameHeader, type HeaderFields, type HeaderInit, headerFields, readHeader, toFrameHeader, toHeaderFields, writeHeader } from './header.js';
import { packShared, unpack } from './payload.js';

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
let slab = /* @__PURE__ */ new Uint8Array(0);
let slabView = /* @__PURE__ */ new DataView(slab.buffer);
let slabAt = 0;

/** Fresh bytes for one frame, with a DataView over their buffer (the frame starts at `bytes.byteOffset`). */
function allocFrame(size: number): [Uint8Array, DataView] {
  if (size > SLAB_MAX_FRAME) {
    const own = new Uint8Array(size);
    return [own, new DataView(own.buffer)];
  }
  if (slabAt + size > slab.length) {
    slab = new Uint8Array(SLAB_SIZE);
    slabView = new DataView(slab.buffer);
    slabAt = 0;
  }
  const out = slab.subarray(slabAt, slabAt + size);
  slabAt += (size + 7) & ~7; // 8-byte aligned starts
  return [out, slabView];
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
  const payload = init.payload ?? (init.body === undefined ? EMPTY : packShared(init.body));
  if (payload.length > maxPayload) throw wireError(WireErrorCode.TOO_LARGE, `payload of ${payload.length} bytes exceeds the limit of ${maxPayload}`);
  const h = toHeaderFields(init, scratch);
  h.payloadLength = payload.length;
  const [out, view] = allocFrame(frameSize(payload.length, h.features));
  writeHeader(view, out.byteOffset, h);
  out.set(payload, HEADER_SIZE);
  if (h.features & Feature.CHECKSUM) {
    const end = HEADER_SIZE + payload.length;
    view.setUint32(out.byteOffset + end, crc32c(out.subarray(0, end)));
  }
  return out;
}
const EMPTY = /* @__PURE__ */ new Uint8Array(0);

/**
 * Decodes `bytes` as exactly one frame: validates the header, the length and the checksum. Throws WireError with a
 * stable code (TRUNCATED, BAD_MAGIC, BAD_VERSION, UNKNOWN_TYPE, TOO_LARGE, CHECKSUM, TRAILING).
 */
export function decodeFrame(bytes: Uint8Array, options: Readonly<CodecOptions> = {}): Frame {
  const { frame, size } = decodeFrameAt(bytes, 0, options);
  if (size !== bytes.length) throw wireError(WireErrorCode.TRAILING, `${bytes.length - size} bytes follow the frame`);
  return frame;
}

/** Decodes every frame of a batch (Feature.BATCHING: frames back to back in one transport message). */
export function decodeFrames(bytes: Uint8Array, options: Readonly<CodecOptions> = {}): Frame[] {
  const frames: Frame[] = [];
  for (let at = 0; at < bytes.length; ) {
    const { frame, size } = decodeFrameAt(bytes, at, options);
    frames.push(frame);
    at += size;
  }
  return frames;
}

function decodeFrameAt(bytes: Uint8Array, at: number, options: Readonly<CodecOptions>): { frame: Frame; size: number } {
  const available = bytes.length - at;
  if (available < HEADER_SIZE) throw wireError(WireErrorCode.TRUNCATED, `a header needs ${HEADER_SIZE} bytes, got ${available}`);
  const view = viewOf(bytes);
  const start = bytes.byteOffset + at;
  const h = readHeader(view, start, scratch, Math.min(options.maxPayload ?? MAX_PAYLOAD, MAX_PAYLOAD));
  const size = frameSize(h.payloadLength, h.features);
  if (available < size) throw wireError(WireErrorCode.TRUNCATED, `frame announces ${size} bytes, got ${available}`);
  const end = HEADER_SIZE + h.payloadLength;
  if (h.features & Feature.CHECKSUM) checkTrailer(view.getUint32(start + end), crc32c(bytes.subarray(at, at + end)));
  return { frame: toFrame(h, bytes.subarray(at + HEADER_SIZE, at + end)), size };
}

/** Throws WireError CHECKSUM unless the trailer matches the checksum of the bytes. @internal */
export function checkTrailer(expected: number, actual: number): void {
  if (actual !== expected) throw wireError(WireErrorCode.CHECKSUM, `checksum mismatch: frame says 0x${hex(expected)}, bytes give 0x${hex(actual)}`);
}

/** A Frame from validated header fields and its payload. @internal */
export function toFrame(h: HeaderFields, payload: Uint8Array): Frame {
  const frame = toFrameHeader(h) as Frame;
  frame.payload = payload;
  return frame;
}

const hex = (n: number): string => n.toString(16).padStart(8, '0');

/** The MessagePack value in a frame's payload. Throws WireError BAD_PAYLOAD when it does not decode. */
export function decodeBody<T = unknown>(frame: Pick<Frame, 'payload'>): T {
  return unpack<T>(frame.payload);
}
