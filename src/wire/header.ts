// The 32-byte header in plain JavaScript. For 32 bytes a DataView beats a call into wasm (bench/header.bench.mjs),
// so this is the hot path; the wasm core validates headers only where frames already sit in its memory (rings).
// u64 fields travel as u32 halves on the hot path: BigInt would double the cost of a decode.
import { HEADER_SIZE, MAGIC, MAX_PAYLOAD, MessageType, VERSION } from './constants.js';
import { WireErrorCode, wireError } from './errors.js';

/** Header fields with u64s split into u32 halves: the allocation-free form used by readHeader/writeHeader. */
export interface HeaderFields {
  version: number;
  type: number;
  features: number;
  requestHi: number;
  requestLo: number;
  moduleHi: number;
  moduleLo: number;
  methodHash: number;
  payloadLength: number;
}

/** A decoded header, u64 fields as bigint. */
export interface FrameHeader {
  version: number;
  type: MessageType;
  features: number;
  requestId: bigint;
  moduleId: bigint;
  methodHash: number;
  payloadLength: number;
}

/** The fields encodeHeader takes; u64s as number (≤ 2^53 − 1) or bigint. Defaults: 0, version VERSION. */
export interface HeaderInit {
  type: MessageType;
  features?: number;
  requestId?: number | bigint;
  moduleId?: number | bigint;
  methodHash?: number;
  payloadLength?: number;
}

// Built by a call marked pure, not by a loop at the top level: a top-level statement would keep this module (and
// everything it reaches) in bundles that never read a header.
const KNOWN_TYPES = /* @__PURE__ */ knownTypes();

function knownTypes(): Uint8Array {
  const known = new Uint8Array(256);
  for (const t of Object.values(MessageType)) known[t] = 1;
  return known;
}

/** True for the msg_type values the wire contract defines. */
export function isKnownType(type: number): boolean {
  return KNOWN_TYPES[type] === 1;
}

/** An empty HeaderFields to reuse with readHeader. */
export function headerFields(): HeaderFields {
  return { version: 0, type: 0, features: 0, requestHi: 0, requestLo: 0, moduleHi: 0, moduleLo: 0, methodHash: 0, payloadLength: 0 };
}

/**
 * Reads and validates the header at `offset` into `out` (no allocation). Throws WireError: BAD_MAGIC,
 * BAD_VERSION, UNKNOWN_TYPE, or TOO_LARGE when payload_len exceeds `maxPayload`. The caller checks that 32 bytes exist.
 */
export function readHeader(view: DataView, offset: number, out: HeaderFields, maxPayload = MAX_PAYLOAD): HeaderFields {
  const version = view.getUint8(offset + 4);
  const type = view.getUint8(offset + 5);
  const payloadLength = view.getUint32(offset + 28);
  checkHeader(view.getUint32(offset), version, type, payloadLength, maxPayload);
  out.version = version;
  out.type = type;
  out.features = view.getUint16(offset + 6);
  out.requestHi = view.getUint32(offset + 8);
  out.requestLo = view.getUint32(offset + 12);
  out.moduleHi = view.getUint32(offset + 16);
  out.moduleLo = view.getUint32(offset + 20);
  out.methodHash = view.getUint32(offset + 24);
  out.payloadLength = payloadLength;
  return out;
}

/**
 * readHeader straight from bytes, at index `at` of `bytes`: no DataView, so a frame arriving in a new buffer costs
 * no view and no read of `bytes.buffer` (both cost more than the header itself, bench/frames.bench.mjs). @internal
 */
export function readHeaderBytes(bytes: Uint8Array, at: number, out: HeaderFields, maxPayload: number): HeaderFields {
  const version = bytes[at + 4]!;
  const type = bytes[at + 5]!;
  const payloadLength = u32(bytes, at + 28);
  checkHeader(u32(bytes, at), version, type, payloadLength, maxPayload);
  out.version = version;
  out.type = type;
  out.features = (bytes[at + 6]! << 8) | bytes[at + 7]!;
  out.requestHi = u32(bytes, at + 8);
  out.requestLo = u32(bytes, at + 12);
  out.moduleHi = u32(bytes, at + 16);
  out.moduleLo = u32(bytes, at + 20);
  out.methodHash = u32(bytes, at + 24);
  out.payloadLength = payloadLength;
  return out;
}

/**
 * The type and request_id (a number: exact up to 2^53) of the header at index `at`, unchecked: a glance at a carried
 * frame that is passed on as it is (a relay timing the calls it forwards), where a full read would cost more. @internal
 */
export const typeAt = (bytes: Uint8Array, at: number): number => bytes[at + 5]!;
/** @internal See typeAt. */
export const requestIdAt = (bytes: Uint8Array, at: number): number => u32(bytes, at + 8) * 2 ** 32 + u32(bytes, at + 12);

/** The big-endian u32 at index `at` of `bytes`. @internal */
export function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** The checks every header read makes, in the order the errors are reported. */
function checkHeader(magic: number, version: number, type: number, payloadLength: number, maxPayload: number): void {
  if (magic !== MAGIC) throw wireError(WireErrorCode.BAD_MAGIC, `bad magic 0x${magic.toString(16).padStart(8, '0')}, expected 0x4d4c4e4b ("MLNK")`);
  if (version !== VERSION) throw wireError(WireErrorCode.BAD_VERSION, `unsupported wire version ${version}, this side speaks ${VERSION}`);
  if (KNOWN_TYPES[type] !== 1) throw wireError(WireErrorCode.UNKNOWN_TYPE, `unknown message type ${type}`);
  if (payloadLength > maxPayload) throw wireError(WireErrorCode.TOO_LARGE, `payload of ${payloadLength} bytes exceeds the limit of ${maxPayload}`);
}

/** Writes a header at `offset` (no allocation, no validation: the fields come from this process). */
export function writeHeader(view: DataView, offset: number, h: HeaderFields): void {
  view.setUint32(offset, MAGIC);
  view.setUint32(offset + 4, (h.version << 24) | (h.type << 16) | h.features);
  view.setUint32(offset + 8, h.requestHi);
  view.setUint32(offset + 12, h.requestLo);
  view.setUint32(offset + 16, h.moduleHi);
  view.setUint32(offset + 20, h.moduleLo);
  view.setUint32(offset + 24, h.methodHash);
  view.setUint32(offset + 28, h.payloadLength);
}

/** The high half of a u64 given as number or bigint, with a typed error when out of range. */
function highOf(value: number | bigint, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw wireError(WireErrorCode.BAD_FIELD, `${field} ${value} is not a u64 number ≤ 2^53 − 1 (use a bigint)`);
    return value > 0xffffffff ? Math.floor(value / 0x1_0000_0000) : 0;
  }
  // Module ids (64-bit hashes, bigint) repeat frame after frame; checking and splitting one costs more than the
  // rest of the header, so the last one split is kept.
  if (value !== splitValue) {
    if (value < 0n || value > 0xffffffffffffffffn) throw wireError(WireErrorCode.BAD_FIELD, `${field} ${value} is not a u64`);
    splitHigh = Number(value >> 32n);
    splitLow = Number(value & 0xffffffffn);
    splitValue = value;
  }
  return splitHigh;
}

/** The low half of a u64 already checked by highOf. */
function lowOf(value: number | bigint): number {
  return typeof value === 'number' ? value >>> 0 : value === splitValue ? splitLow : Number(value & 0xffffffffn);
}

let splitValue = -1n;
let splitHigh = 0;
let splitLow = 0;

function checkUint(value: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw wireError(WireErrorCode.BAD_FIELD, `${field} ${value} is out of range 0..${max}`);
  return value;
}

/** HeaderInit → HeaderFields, checking every field's range. */
export function toHeaderFields(init: HeaderInit, out: HeaderFields = headerFields()): HeaderFields {
  if (KNOWN_TYPES[init.type] !== 1) throw wireError(WireErrorCode.UNKNOWN_TYPE, `unknown message type ${String(init.type)}`);
  out.version = VERSION;
  out.type = init.type;
  out.features = checkUint(init.features ?? 0, 0xffff, 'features');
  // Two functions rather than one returning a pair: no array allocated per frame.
  const requestId = init.requestId ?? 0;
  const moduleId = init.moduleId ?? 0;
  out.requestHi = highOf(requestId, 'request_id');
  out.requestLo = lowOf(requestId);
  out.moduleHi = highOf(moduleId, 'module_id');
  out.moduleLo = lowOf(moduleId);
  out.methodHash = checkUint(init.methodHash ?? 0, 0xffffffff, 'method_hash');
  out.payloadLength = checkUint(init.payloadLength ?? 0, MAX_PAYLOAD, 'payload_len');
  return out;
}

/** The last wide u64 joined: module ids (64-bit hashes) repeat frame after frame, and joining one costs 3 BigInts. */
let lastHigh = 0;
let lastLow = 0;
let lastWide = 0n;

/** A u64 from its halves. Zero, the usual request and module id of small frames, needs no BigInt call. @internal */
export function joinU64(high: number, low: number): bigint {
  if (high === 0) return low === 0 ? 0n : BigInt(low);
  if (high !== lastHigh || low !== lastLow) {
    lastWide = (BigInt(high) << 32n) | BigInt(low);
    lastHigh = high;
    lastLow = low;
  }
  return lastWide;
}

/** HeaderFields → FrameHeader (u64 halves joined into bigints). */
export function toFrameHeader(h: HeaderFields): FrameHeader {
  return {
    version: h.version,
    type: h.type as MessageType,
    features: h.features,
    requestId: joinU64(h.requestHi, h.requestLo),
    moduleId: joinU64(h.moduleHi, h.moduleLo),
    methodHash: h.methodHash,
    payloadLength: h.payloadLength,
  };
}

/** Encodes a header to 32 new bytes. */
export function encodeHeader(init: HeaderInit): Uint8Array {
  const bytes = new Uint8Array(HEADER_SIZE);
  writeHeader(new DataView(bytes.buffer), 0, toHeaderFields(init));
  return bytes;
}

/** Decodes and validates the first 32 bytes of `bytes`. Throws WireError (TRUNCATED when fewer than 32 bytes). */
export function decodeHeader(bytes: Uint8Array, maxPayload = MAX_PAYLOAD): FrameHeader {
  if (bytes.length < HEADER_SIZE) throw wireError(WireErrorCode.TRUNCATED, `a header needs ${HEADER_SIZE} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
  return toFrameHeader(readHeader(view, 0, headerFields(), maxPayload));
}
