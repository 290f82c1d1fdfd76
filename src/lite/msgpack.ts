// A compact MessagePack codec for swarmwire/lite, in place of @msgpack/msgpack (5.9 KB gzipped on its own, a third
// of the lite budget). It carries nil, booleans, numbers, strings, Uint8Array (bin), arrays and plain objects, plus
// bigint as the RPC layer's extension type 4 (decimal digits), and writes exactly the bytes @msgpack/msgpack writes
// for those values with `ignoreUndefined: true` (the RPC layer's encoder) — the smallest integer width, float64 for
// other numbers, str8 from 32 bytes, keys in Object.keys order, undefined map fields left out — and decodes to the
// values its Decoder returns (test/lite-msgpack.test.ts holds the two to each other with fast-check, both ways).
// Anything else is refused with a typed error rather than guessed at: swarmwire's other extension types (Map, Set,
// Date, ArrayBuffer, errors as values, proxies, streams) need the full SDK.
import { WireErrorCode, wireError } from '../wire/errors.js';
import { RpcErrorCode, rpcError } from '../rpc/errors.js';

/** MessagePack extension type of a bigint in swarmwire payloads (docs/protocol.md, RPC "Values"). */
const EXT_BIGINT = 4;
/** Nesting that pack() refuses beyond, as @msgpack/msgpack's encoder does: a cycle ends here instead of the stack. */
const MAX_ENCODE_DEPTH = 100;
// @msgpack/msgpack's string thresholds: TextEncoder above 50 UTF-16 units, TextDecoder above 200 bytes, its own loops
// below. They differ only on lone surrogates and invalid UTF-8, and byte-identical means identical there too.
const TE_THRESHOLD = 50;
const TD_THRESHOLD = 200;

const encoder = /* @__PURE__ */ new TextEncoder();
const decoder = /* @__PURE__ */ new TextDecoder();

// The encoder writes into a buffer kept between calls (grown by doubling, never shrunk below what one call needed)
// and returns a copy. A getter on a plain object may call pack() meanwhile: that call saves this state and puts it
// back (see pack), so the outer value is not disturbed.
let out = /* @__PURE__ */ new Uint8Array(256);
let view = /* @__PURE__ */ new DataView(out.buffer);
let at = 0;

/**
 * MessagePack bytes of `value`, in a new buffer. Throws RpcError SW_ERR_RPC_UNSERIALIZABLE (status InvalidFrame)
 * for values outside nil, boolean, number, bigint, string, Uint8Array, array and plain object, and for nesting
 * deeper than 100 (cycles).
 */
export function pack(value: unknown): Uint8Array {
  const nested = at > 0; // a getter packing while an outer value is being written: a buffer of its own
  const saved = [out, view, at] as const;
  if (nested) room(256, true);
  at = 0;
  try {
    put(value, 1);
    return out.slice(0, at);
  } finally {
    if (nested) [out, view, at] = saved;
    else if (((at = 0), out.length > 1 << 20)) room(256, true); // do not keep a large buffer for good
  }
}

/** Makes room for `n` more bytes (or, with `fresh`, starts a new buffer of `n`). */
function room(n: number, fresh = false): void {
  if (!fresh && at + n <= out.length) return;
  const grown = new Uint8Array(fresh ? n : (at + n) * 2);
  if (!fresh) grown.set(out);
  out = grown;
  view = new DataView(grown.buffer);
}

/** A length header: fix form below `fix` (none when 0), else the 8-bit form `b8` (none when 0), 16-bit `b16`, 32-bit b16 + 1. */
function head(n: number, fixBase: number, fix: number, b8: number, b16: number): void {
  room(5);
  if (n < fix) out[at++] = fixBase + n;
  else if (b8 && n < 0x100) {
    out[at++] = b8;
    out[at++] = n;
  } else if (n < 0x10000) {
    out[at++] = b16;
    view.setUint16(at, n);
    at += 2;
  } else {
    out[at++] = b16 + 1;
    view.setUint32(at, n);
    at += 4;
  }
}

function raw(data: Uint8Array): void {
  room(data.length);
  out.set(data, at);
  at += data.length;
}

function int64(type: number, v: number): void {
  out[at++] = type;
  view.setUint32(at, Math.floor(v / 0x100000000)); // DataView wraps negatives: the two's complement high word
  view.setUint32(at + 4, v >>> 0);
  at += 8;
}

function put(v: unknown, depth: number): void {
  if (depth > MAX_ENCODE_DEPTH) throw unserializable(`a value nested deeper than ${MAX_ENCODE_DEPTH} levels (a cycle?)`);
  room(9);
  if (v == null) out[at++] = 0xc0;
  else if (typeof v === 'boolean') out[at++] = v ? 0xc3 : 0xc2;
  else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) {
      out[at++] = 0xcb;
      view.setFloat64(at, v);
      at += 8;
    } else if (v >= 0) {
      if (v < 0x80) out[at++] = v;
      else if (v < 0x100) (out[at++] = 0xcc), (out[at++] = v);
      else if (v < 0x10000) (out[at++] = 0xcd), view.setUint16(at, v), (at += 2);
      else if (v < 0x100000000) (out[at++] = 0xce), view.setUint32(at, v), (at += 4);
      else int64(0xcf, v);
    } else if (v >= -0x20) out[at++] = 0xe0 | (v + 0x20);
    else if (v >= -0x80) (out[at++] = 0xd0), view.setInt8(at++, v);
    else if (v >= -0x8000) (out[at++] = 0xd1), view.setInt16(at, v), (at += 2);
    else if (v >= -0x80000000) (out[at++] = 0xd2), view.setInt32(at, v), (at += 4);
    else int64(0xd3, v);
  } else if (typeof v === 'string') {
    const n = utf8Length(v);
    head(n, 0xa0, 32, 0xd9, 0xda);
    room(n);
    if (v.length > TE_THRESHOLD) encoder.encodeInto(v, out.subarray(at));
    else utf8Write(v, out, at);
    at += n;
  } else if (typeof v === 'bigint') {
    const digits = encoder.encode(v.toString());
    const n = digits.length;
    // @msgpack/msgpack's extension forms: fixext for 1, 2, 4, 8 and 16 bytes, else ext 8/16/32.
    const fixext = n === 1 ? 0xd4 : n === 2 ? 0xd5 : n === 4 ? 0xd6 : n === 8 ? 0xd7 : n === 16 ? 0xd8 : 0;
    if (fixext) out[at++] = fixext;
    else head(n, 0, 0, 0xc7, 0xc8);
    out[at++] = EXT_BIGINT;
    raw(digits);
  } else if (Array.isArray(v)) {
    head(v.length, 0x90, 16, 0, 0xdc);
    for (const item of v) put(item, depth + 1);
  } else if (v instanceof Uint8Array) {
    head(v.length, 0, 0, 0xc4, 0xc5);
    raw(v);
  } else if (typeof v === 'object' && isPlain(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined);
    head(keys.length, 0x80, 16, 0, 0xde);
    for (const k of keys) {
      put(k, depth + 1);
      put(o[k], depth + 1);
    }
  } else {
    throw unserializable(typeof v === 'function' ? 'a function (swarmwire/lite has no proxy())' : describe(v));
  }
}

const isPlain = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

const describe = (v: unknown): string => (typeof v === 'object' ? Object.prototype.toString.call(v) : typeof v);

function unserializable(what: string): Error {
  return rpcError(RpcErrorCode.UNSERIALIZABLE, `swarmwire/lite cannot send ${what} (the full SDK can send more)`);
}

/** UTF-8 bytes of `s`, counted as @msgpack/msgpack counts them (a lone surrogate takes 3). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) (n += 4), i++;
    else n += 3;
  }
  return n;
}

/** @msgpack/msgpack's utf8EncodeJs: lone surrogates are written as 3-byte sequences. */
function utf8Write(s: string, out: Uint8Array, at: number): void {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[at++] = c;
      continue;
    }
    if (c < 0x800) out[at++] = 0xc0 | (c >> 6);
    else {
      if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c & 0x3ff) << 10) + (s.charCodeAt(++i) & 0x3ff);
        out[at++] = 0xf0 | (c >> 18);
        out[at++] = 0x80 | ((c >> 12) & 0x3f);
      } else out[at++] = 0xe0 | (c >> 12);
      out[at++] = 0x80 | ((c >> 6) & 0x3f);
    }
    out[at++] = 0x80 | (c & 0x3f);
  }
}

/** Options of unpack(). */
export interface UnpackOptions {
  /** Deepest nesting of arrays and maps accepted (the RPC layer's limit). Default: 64. */
  maxDepth: number;
  /** Decode unsupported extension types as undefined instead of failing (for Error bodies' optional fields). Default: false. */
  lenient: boolean;
}

// The decoder's state, set per call: decoding runs no user code, so no call can begin while another is under way.
let src: Uint8Array = /* @__PURE__ */ new Uint8Array(0);
let pos = 0;
let limit = 64;
let lenient = false;
/** Floats and signed integers are read through this 8-byte copy: no DataView of the input per call. */
const scratch = /* @__PURE__ */ new DataView(/* @__PURE__ */ new ArrayBuffer(8));

/**
 * The one MessagePack value in `bytes`, as @msgpack/msgpack's Decoder returns it (64-bit integers as numbers, bin
 * as a Uint8Array — a copy here), with bigint for extension type 4. Throws WireError SW_ERR_PAYLOAD (status
 * InvalidFrame) for anything else: truncated or trailing bytes, the byte 0xc1, other extension types, a map key
 * that is not a string or number or is `__proto__`, arrays and maps announcing more elements than bytes follow,
 * nesting deeper than `maxDepth`.
 */
export function unpack(bytes: Uint8Array, options: Readonly<Partial<UnpackOptions>> = {}): unknown {
  src = bytes;
  pos = 0;
  limit = options.maxDepth ?? 64;
  lenient = options.lenient ?? false;
  try {
    const value = read(1);
    if (pos !== bytes.length) fail(`${bytes.length - pos} bytes follow the value`);
    return value;
  } finally {
    src = new Uint8Array(0); // do not keep the caller's buffer alive
  }
}

function fail(why: string): never {
  throw wireError(WireErrorCode.BAD_PAYLOAD, `undecodable MessagePack payload: ${why}`);
}

/** Claims `n` bytes; returns where they start. */
function take(n: number): number {
  if (pos + n > src.length) fail(`it ends inside a value (${n} bytes needed at offset ${pos})`);
  return (pos += n) - n;
}

/** A big-endian unsigned integer of `n` (1, 2 or 4) bytes. */
function uint(n: number): number {
  let v = 0;
  for (let p = take(n), end = p + n; p < end; p++) v = v * 256 + src[p]!;
  return v;
}

/** The next `n` bytes through the scratch view, for its typed getters. */
function fixed(n: number): DataView {
  const p = take(n);
  for (let i = 0; i < n; i++) scratch.setUint8(i, src[p + i]!);
  return scratch;
}

function count(n: number, perItem: number, depth: number): void {
  if (depth > limit) fail(`nested deeper than ${limit} levels`);
  // Every element takes a byte (a map entry two): a header cannot make this side allocate more than it was sent.
  if (n * perItem > src.length - pos) fail(`a collection announces ${n} elements, but only ${src.length - pos} bytes follow`);
}

function array(n: number, depth: number): unknown[] {
  count(n, 1, depth);
  const a: unknown[] = [];
  for (let i = 0; i < n; i++) a.push(read(depth + 1));
  return a;
}

function map(n: number, depth: number): Record<string, unknown> {
  count(n, 2, depth);
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const key = read(depth + 1);
    if (typeof key !== 'string' && typeof key !== 'number') fail(`a map key of type ${typeof key}`);
    if (key === '__proto__') fail('the map key __proto__ is not allowed');
    o[key as string] = read(depth + 1);
  }
  return o;
}

function str(n: number): string {
  const from = take(n);
  return n > TD_THRESHOLD ? decoder.decode(src.subarray(from, from + n)) : utf8Read(src, from, n);
}

function ext(n: number): unknown {
  const type = (src[take(1)]! << 24) >> 24;
  const from = take(n);
  if (type === EXT_BIGINT) {
    const digits = decoder.decode(src.subarray(from, from + n));
    if (!/^-?\d+$/.test(digits)) fail('a bigint extension without decimal digits');
    return BigInt(digits);
  }
  return lenient ? undefined : fail(`extension type ${type} (a Map, Set, Date, proxy… of the full SDK) is not read by swarmwire/lite`);
}

function read(depth: number): unknown {
  const h = src[take(1)]!;
  if (h < 0x80) return h;
  if (h < 0x90) return map(h & 0xf, depth);
  if (h < 0xa0) return array(h & 0xf, depth);
  if (h < 0xc0) return str(h & 0x1f);
  if (h >= 0xe0) return h - 0x100;
  // 1, 2 or 4: the width of the length that the low bits of the type byte select (bin, ext).
  const w = 1 << ((h - 0xc4) % 3);
  switch (h) {
    case 0xc0: return null;
    case 0xc2: return false;
    case 0xc3: return true;
    case 0xc4: case 0xc5: case 0xc6: {
      const n = uint(w);
      const from = take(n);
      return src.slice(from, from + n);
    }
    case 0xc7: case 0xc8: case 0xc9: return ext(uint(w));
    case 0xca: return fixed(4).getFloat32(0);
    case 0xcb: return fixed(8).getFloat64(0);
    case 0xcc: return uint(1);
    case 0xcd: return uint(2);
    case 0xce: return uint(4);
    case 0xcf: return uint(4) * 0x100000000 + uint(4);
    case 0xd0: return fixed(1).getInt8(0);
    case 0xd1: return fixed(2).getInt16(0);
    case 0xd2: return fixed(4).getInt32(0);
    case 0xd3: return fixed(4).getInt32(0) * 0x100000000 + uint(4);
    case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: return ext(1 << (h - 0xd4));
    case 0xd9: return str(uint(1));
    case 0xda: return str(uint(2));
    case 0xdb: return str(uint(4));
    case 0xdc: return array(uint(2), depth);
    case 0xdd: return array(uint(4), depth);
    case 0xde: return map(uint(2), depth);
    case 0xdf: return map(uint(4), depth);
  }
  return fail(`the byte 0x${h.toString(16)} starts no MessagePack value`);
}

/** @msgpack/msgpack's utf8DecodeJs (short strings), lenient as it is: lone surrogates come back as they went. */
function utf8Read(bytes: Uint8Array, at: number, n: number): string {
  const end = at + n;
  const units: number[] = [];
  while (at < end) {
    const b = bytes[at++]!;
    let unit = b;
    // Past the end of the input a continuation byte reads as 0, as in @msgpack/msgpack (undefined & 0x3f).
    const next = (): number => bytes[at++]! & 0x3f;
    if ((b & 0xe0) === 0xc0) unit = ((b & 0x1f) << 6) | next();
    else if ((b & 0xf0) === 0xe0) unit = ((b & 0x1f) << 12) | (next() << 6) | next();
    else if ((b & 0xf8) === 0xf0) {
      unit = ((b & 0x07) << 18) | (next() << 12) | (next() << 6) | next();
      if (unit > 0xffff) {
        unit -= 0x10000;
        units.push(((unit >>> 10) & 0x3ff) | 0xd800);
        unit = 0xdc00 | (unit & 0x3ff);
      }
    }
    units.push(unit);
  }
  return String.fromCharCode(...units);
}
