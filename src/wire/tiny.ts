// A fast path for tiny, flat MessagePack payloads — Ping/Pong timestamps, acks, small argument lists — that
// produces exactly the bytes and values @msgpack/msgpack does, without its per-call setup (a DataView per decode,
// a state stack, re-entrancy bookkeeping), which costs more than a 20-byte payload itself (bench/frames.bench.mjs,
// "Ping taken apart"). Anything outside the narrow shape below is left to @msgpack/msgpack: the encoder answers
// -1, the decoder NOT_TINY, and the caller takes the general path, so errors and odd inputs behave as before.
//
// The shape: a scalar, or a plain object (prototype Object.prototype) or plain array of at most 15 entries whose
// keys and values are scalars. Scalars: null, undefined (encoded as nil, as @msgpack/msgpack does), booleans,
// numbers (its integer widths, else float64) and ASCII strings of at most 31 bytes (fixstr).

import { WireErrorCode, wireError } from './errors.js';

/** What tinyDecode returns for bytes outside the shape it handles. */
export const NOT_TINY: unique symbol = Symbol('not tiny');

const MAX_ENTRIES = 15; // fixmap / fixarray
const MAX_STR = 31; // fixstr

/** Bytes the largest tiny encoding takes: a fixmap of 15 pairs of 32-byte strings. */
export const TINY_MAX_BYTES = 1 + MAX_ENTRIES * 2 * (1 + MAX_STR);

const EMPTY: Uint8Array = /* @__PURE__ */ new Uint8Array(0);

// The encoder writes into `out` through `outView`, both set per call. `busy` keeps a getter that encodes another
// payload meanwhile (re-entrancy) from redirecting them: the nested call takes the general path instead.
let out = EMPTY;
let outView: DataView = /* @__PURE__ */ new DataView(/* @__PURE__ */ new ArrayBuffer(0));
let busy = false;

/**
 * Encodes `value` into `bytes` from index `at` and returns the index after the last byte written, or -1 when
 * `value` is outside the tiny shape. `view` is a DataView that starts where `bytes` starts (an index into `bytes`
 * is an offset into `view`). The caller provides TINY_MAX_BYTES of room.
 */
export function tinyEncode(value: unknown, bytes: Uint8Array, view: DataView, at: number): number {
  if (busy) return -1;
  busy = true;
  out = bytes;
  outView = view;
  try {
    return encodeTop(value, at);
  } catch (cause) {
    // A getter threw: the same typed error as @msgpack/msgpack's path gives (payload.ts packGeneral).
    throw wireError(WireErrorCode.BAD_PAYLOAD, `cannot encode payload: ${(cause as Error).message}`, cause);
  } finally {
    out = EMPTY; // do not keep the caller's buffer alive
    busy = false;
  }
}

function encodeTop(value: unknown, start: number): number {
  if (typeof value !== 'object' || value === null) return scalar(value, start);
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype || value.length > MAX_ENTRIES) return -1;
    out[start] = 0x90 + value.length;
    let at = start + 1;
    for (let i = 0; i < value.length; i++) {
      if ((at = scalar(value[i], at)) < 0) return -1;
    }
    return at;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return -1; // Date, Map, typed arrays, class instances…
  const keys = Object.keys(value);
  if (keys.length > MAX_ENTRIES) return -1;
  out[start] = 0x80 + keys.length;
  let at = start + 1;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if ((at = ascii(key, at)) < 0 || (at = scalar((value as Record<string, unknown>)[key], at)) < 0) return -1;
  }
  return at;
}

/** Writes a scalar at `at`; returns the next offset, or -1 for a value outside the shape. */
function scalar(v: unknown, at: number): number {
  switch (typeof v) {
    case 'number':
      return number(v, at);
    case 'string':
      return ascii(v, at);
    case 'boolean':
      out[at] = v ? 0xc3 : 0xc2;
      return at + 1;
    case 'undefined':
      out[at] = 0xc0;
      return at + 1;
    case 'object':
      if (v !== null) return -1;
      out[at] = 0xc0;
      return at + 1;
    default:
      return -1;
  }
}

/** A fixstr when every UTF-16 unit is ASCII (then bytes = units) and there are at most 31. */
function ascii(s: string, at: number): number {
  const n = s.length;
  if (n > MAX_STR) return -1;
  out[at] = 0xa0 + n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return -1;
    out[at + 1 + i] = c;
  }
  return at + 1 + n;
}

/** @msgpack/msgpack's Encoder.encodeNumber with its defaults (no forceFloat32, no forceIntegerToFloat, no bigint). */
function number(v: number, at: number): number {
  if (!Number.isSafeInteger(v)) {
    out[at] = 0xcb;
    outView.setFloat64(at + 1, v);
    return at + 9;
  }
  if (v >= 0) {
    if (v < 0x80) {
      out[at] = v;
      return at + 1;
    }
    if (v < 0x100) {
      out[at] = 0xcc;
      out[at + 1] = v;
      return at + 2;
    }
    if (v < 0x10000) {
      out[at] = 0xcd;
      outView.setUint16(at + 1, v);
      return at + 3;
    }
    if (v < 0x100000000) {
      out[at] = 0xce;
      outView.setUint32(at + 1, v);
      return at + 5;
    }
    out[at] = 0xcf;
    outView.setUint32(at + 1, v / 0x100000000); // DataView truncates: the high word
    outView.setUint32(at + 5, v >>> 0);
    return at + 9;
  }
  if (v >= -0x20) {
    out[at] = 0xe0 | (v + 0x20);
    return at + 1;
  }
  if (v >= -0x80) {
    out[at] = 0xd0;
    out[at + 1] = v;
    return at + 2;
  }
  if (v >= -0x8000) {
    out[at] = 0xd1;
    outView.setInt16(at + 1, v);
    return at + 3;
  }
  if (v >= -0x80000000) {
    out[at] = 0xd2;
    outView.setInt32(at + 1, v);
    return at + 5;
  }
  out[at] = 0xd3;
  outView.setUint32(at + 1, Math.floor(v / 0x100000000));
  outView.setUint32(at + 5, v >>> 0);
  return at + 9;
}

// Decoding. Position and input live in module variables, set per call; tinyDecode runs no user code, so a call
// cannot begin while another is under way.
let src = EMPTY; // the input during a call
let pos = 0;
let end = 0;
const floatBytes = /* @__PURE__ */ new Uint8Array(8);
const floatView = /* @__PURE__ */ new DataView(floatBytes.buffer);

// Strings seen lately, by a hash of their bytes, with those bytes beside them to compare against: keys and short
// values repeat from frame to frame, and a cached string is also an internalized property key, which makes
// building the object cheaper.
const CACHE_SIZE = 512;
const cache: (string | undefined)[] = /* @__PURE__ */ new Array<string | undefined>(CACHE_SIZE).fill(undefined);
const cacheBytes = /* @__PURE__ */ new Uint8Array(CACHE_SIZE * MAX_STR);

/**
 * The value MessagePack `bytes` encode, as @msgpack/msgpack's Decoder (default options) would return it, or
 * NOT_TINY when the bytes are outside the tiny shape or not exactly one well-formed value.
 */
export function tinyDecode(bytes: Uint8Array): unknown {
  src = bytes;
  pos = 0;
  end = bytes.length;
  const value = decodeAll();
  src = EMPTY; // do not keep the caller's buffer alive
  return value;
}

function decodeAll(): unknown {
  if (end === 0) return NOT_TINY;
  const head = src[0]!;
  let value: unknown;
  if (head >= 0x80 && head <= 0x8f) {
    pos = 1;
    const o: Record<string, unknown> = {};
    for (let n = head - 0x80; n > 0; n--) {
      if (pos >= end) return NOT_TINY;
      const h = src[pos]!;
      if (h < 0xa0 || h > 0xbf) return NOT_TINY; // keys: fixstr only here
      pos++;
      const key = str(h - 0xa0);
      if (key === undefined || key === '__proto__') return NOT_TINY; // @msgpack/msgpack rejects __proto__
      const v = readScalar();
      if (v === NOT_TINY) return NOT_TINY;
      o[key] = v;
    }
    value = o;
  } else if (head >= 0x90 && head <= 0x9f) {
    pos = 1;
    const a: unknown[] = [];
    for (let n = head - 0x90; n > 0; n--) {
      const v = readScalar();
      if (v === NOT_TINY) return NOT_TINY;
      a.push(v);
    }
    value = a;
  } else {
    value = readScalar();
  }
  return pos === end ? value : NOT_TINY;
}

function readScalar(): unknown {
  if (pos >= end) return NOT_TINY;
  const h = src[pos++]!;
  if (h < 0x80) return h;
  if (h >= 0xe0) return h - 0x100;
  if (h >= 0xa0 && h <= 0xbf) {
    const s = str(h - 0xa0);
    return s === undefined ? NOT_TINY : s;
  }
  switch (h) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xcc:
      return pos + 1 <= end ? src[pos++]! : NOT_TINY;
    case 0xcd:
      return pos + 2 <= end ? (pos += 2, (src[pos - 2]! << 8) | src[pos - 1]!) : NOT_TINY;
    case 0xce:
      return pos + 4 <= end ? (pos += 4, u32(pos - 4)) : NOT_TINY;
    case 0xcf:
      return pos + 8 <= end ? (pos += 8, u32(pos - 8) * 0x100000000 + u32(pos - 4)) : NOT_TINY;
    case 0xd0:
      return pos + 1 <= end ? (src[pos++]! << 24) >> 24 : NOT_TINY;
    case 0xd1:
      return pos + 2 <= end ? (pos += 2, (((src[pos - 2]! << 8) | src[pos - 1]!) << 16) >> 16) : NOT_TINY;
    case 0xd2:
      return pos + 4 <= end ? (pos += 4, u32(pos - 4) | 0) : NOT_TINY;
    case 0xd3:
      return pos + 8 <= end ? (pos += 8, (u32(pos - 8) | 0) * 0x100000000 + u32(pos - 4)) : NOT_TINY;
    case 0xca:
      return pos + 4 <= end ? (pos += 4, float(pos - 4, 4)) : NOT_TINY;
    case 0xcb:
      return pos + 8 <= end ? (pos += 8, float(pos - 8, 8)) : NOT_TINY;
    default:
      return NOT_TINY;
  }
}

function u32(at: number): number {
  return ((src[at]! << 24) | (src[at + 1]! << 16) | (src[at + 2]! << 8) | src[at + 3]!) >>> 0;
}

/** A big-endian float32 or float64 at `at`, read through a private 8-byte buffer (no view of the input needed). */
function float(at: number, size: 4 | 8): number {
  for (let i = 0; i < size; i++) floatBytes[i] = src[at + i]!;
  return size === 4 ? floatView.getFloat32(0) : floatView.getFloat64(0);
}

/** The ASCII string of the next `n` bytes, or undefined when one is not ASCII or the bytes run out. */
function str(n: number): string | undefined {
  if (pos + n > end) return undefined;
  if (n === 0) return '';
  // The slot comes from the length and three bytes, so that a hit reads the bytes once (to compare them); a
  // cached string is ASCII, so equal bytes are ASCII too.
  const slot = (n * 0x3b + src[pos]! * 0x9 + src[pos + (n >> 1)]! * 0x5 + src[pos + n - 1]!) & (CACHE_SIZE - 1);
  const base = slot * MAX_STR;
  const cached = cache[slot];
  if (cached !== undefined && cached.length === n) {
    let k = 0;
    while (k < n && cacheBytes[base + k] === src[pos + k]) k++;
    if (k === n) {
      pos += n;
      return cached;
    }
  }
  let s = '';
  for (let k = 0; k < n; k++) {
    const c = src[pos + k]!;
    if (c > 0x7f) return undefined;
    s += String.fromCharCode(c);
  }
  for (let k = 0; k < n; k++) cacheBytes[base + k] = src[pos + k]!;
  pos += n;
  cache[slot] = s;
  return s;
}
