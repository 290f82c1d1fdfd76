// swarmwire's MessagePack encoder: one writer for the wire's bodies, the RPC layer's values and lite. It writes the
// bytes @msgpack/msgpack 3.x writes with its defaults — the smallest integer width, float64 for other numbers, str8
// from 32 bytes, keys in Object.keys order, fixext for 1/2/4/8/16-byte extensions — and a policy (EncodePolicy)
// decides what each layer carries beyond nil, booleans, numbers, strings, bytes, arrays and maps: the wire's Date,
// the RPC layer's references, streams, errors, Map and Set, lite's bigint. No eval (Workers, strict CSP).
//
// It writes into 64 KiB slabs, as frames always were: making an ArrayBuffer costs more than writing a small value
// into one. A kept output (encode(…, keep = true)) is never written over, so it stays valid for as long as anyone
// holds it; an output not kept is overwritten by the next encode. A value that outgrows the slab moves, with what is
// written of it so far, into a buffer of its own.

/** What a layer carries besides nil, booleans, numbers, strings, byte arrays, arrays and maps. */
export interface EncodePolicy {
  /** Leave out map fields whose value is undefined (the RPC layer's choice); otherwise they are written as nil. */
  readonly omitUndefined: boolean;
  /**
   * Sees every value that is not nil, a boolean, a number or a string — objects, functions, symbols, bigints —
   * before arrays, byte arrays and maps are written: writes it (writeExt, writeExtValue, writeExtText) and answers
   * true, or answers false to let it be written as an array, bin or map. May throw to refuse it.
   */
  readonly special: (value: unknown, depth: number) => boolean;
  /** The error for a value nothing carries (`what` names it), or one nested deeper than MAX_ENCODE_DEPTH. */
  readonly refuse: (what: string) => Error;
  /** Finds an object's keys already written once (keyShape); without it every key is written as a string. */
  readonly keys?: ((keys: string[]) => Int32Array | undefined) | undefined;
}

/** Nesting refused beyond, as @msgpack/msgpack's encoder does: a cycle ends here instead of in a stack overflow. */
export const MAX_ENCODE_DEPTH = 100;
const SLAB = 64 * 1024;
// @msgpack/msgpack writes strings of more than 50 UTF-16 units with TextEncoder and shorter ones with its own loop;
// they differ on lone surrogates only (U+FFFD against the surrogate's 3 bytes), and byte-identical means there too.
const TEXT_ENCODER_FROM = 51;
const utf8 = /* @__PURE__ */ new TextEncoder();

/** Where the last encode() or reserve() put its bytes: [start, end) of `bytes`, plus the head and tail room asked for. */
export interface Output {
  /** The whole buffer. */
  bytes: Uint8Array;
  /** bytes.buffer (reading that property costs more than writing a small value). */
  buffer: ArrayBuffer;
  /** A DataView over all of it. */
  view: DataView;
  /** The first byte of the head room; the value starts `head` bytes later. */
  start: number;
  /** The byte after the value; `tail` bytes of room follow. */
  end: number;
}

let buf = /* @__PURE__ */ new Uint8Array(0);
let ab = buf.buffer;
let view = /* @__PURE__ */ new DataView(ab);
let at = 0; // the next byte to write
let start = 0; // where the output being written starts (its head room)
let free = 0; // the first byte of the slab that no kept output uses
let policy: EncodePolicy;
let busy = false;

/** The last encode()'s output; read it right after the call. */
export const output: Output = { bytes: buf, buffer: ab, view, start: 0, end: 0 };

/**
 * Encodes `value` after `head` bytes of room and leaves `tail` bytes after it, all in one buffer (see `output`).
 * `keep`: the bytes stay valid for good (a frame, a call's arguments); otherwise the next encode overwrites them.
 * Throws what the policy throws, and what getters throw.
 */
export function encode(value: unknown, p: EncodePolicy, head: number, tail: number, keep: boolean): void {
  // A getter that encodes while a value is being written (re-entrancy) gets a buffer of its own; the outer value's
  // buffer and position are put back afterwards.
  const outer = busy ? ([buf, ab, view, at, start, free, policy] as const) : undefined;
  if (outer) buf = new Uint8Array((free = 0));
  busy = true;
  policy = p;
  try {
    start = at = free;
    room(head + 9);
    at += head;
    write(value, 1);
    room(tail);
    done(keep ? at + tail : free);
  } finally {
    busy = outer !== undefined;
    if (outer) [buf, ab, view, at, start, free, policy] = outer;
  }
}

/** Publishes [start, at) as the output; `kept` is where the slab's free bytes start from now on. */
function done(kept: number): void {
  // Stored only when the slab changed: a new slab is young, and each store of it into the long-lived `output` costs a
  // write barrier's slow path (bench/frames.bench.mjs, perf: ~4% of a Ping round trip).
  if (output.bytes !== buf) {
    output.bytes = buf;
    output.buffer = ab;
    output.view = view;
  }
  output.start = start;
  output.end = at;
  free = (kept + 7) & ~7; // 8-byte aligned starts
  if (buf.length > SLAB) buf = new Uint8Array(0); // a one-off large buffer: the next value starts a slab again
}

/**
 * Keeps `n` bytes for the caller to fill, as `output` [start, start + n): a frame whose payload is bytes already.
 * Large ones, and those asked for while a value is being written (a getter), get a buffer of their own.
 */
export function reserve(n: number): void {
  if (busy || n > SLAB >> 4) {
    const bytes = new Uint8Array(n);
    output.bytes = bytes;
    output.buffer = bytes.buffer;
    output.view = new DataView(output.buffer);
    output.start = 0;
    output.end = n;
    return;
  }
  start = at = free;
  room(n);
  at += n;
  done(at);
}

/** Makes room for `n` more bytes (small enough to be inlined wherever bytes are written). */
function room(n: number): void {
  if (at + n > buf.length) grow(n);
}

/** Moves the output being written to a larger buffer, with room for `n` more bytes. */
function grow(n: number): void {
  const used = at - start;
  const next = new Uint8Array(Math.max(SLAB, (used + n) * 2));
  next.set(buf.subarray(start, at));
  buf = next;
  ab = next.buffer;
  view = new DataView(ab);
  at = used;
  start = free = 0;
}

/** Writes one value at nesting `depth` (the outermost value is at 1). For policies' extension payloads. */
export function write(v: unknown, depth: number): void {
  switch (typeof v) {
    case 'string':
      return str(v);
    case 'number':
      return num(v);
    case 'boolean':
      room(1);
      buf[at++] = v ? 0xc3 : 0xc2;
      return;
    case 'undefined':
      room(1);
      buf[at++] = 0xc0;
      return;
  }
  if (v === null) {
    room(1);
    buf[at++] = 0xc0;
    return;
  }
  if (depth > MAX_ENCODE_DEPTH) throw policy.refuse(`a value nested deeper than ${MAX_ENCODE_DEPTH} levels (a cycle?)`);
  // Every object goes past the policy first: a proxy()-marked plain object or array is a reference, not a copy.
  if (policy.special(v, depth)) return;
  if (Array.isArray(v)) {
    const n = v.length;
    room(5);
    head(n, 0x90, 0xdc);
    for (let i = 0; i < n; i++) write(v[i], depth + 1);
  } else if (ArrayBuffer.isView(v)) {
    bin(v instanceof Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  } else if (typeof v === 'object') {
    map(v as Record<string, unknown>, depth);
  } else {
    throw policy.refuse(typeof v === 'function' ? 'a function' : `a ${typeof v}`);
  }
}

function map(o: Record<string, unknown>, depth: number): void {
  // Each getter runs once, when the values are read (one call: no property read by name, which costs more than the
  // rest of a small map). A getter that deletes a field shortens them: refused, since the header would lie. A map of
  // one entry (a Ping's body) reads its value by its key: there, Object.values cost more than the read (~7% of a
  // Ping's round trip, bench/frames.bench.mjs), and no getter can remove another field.
  const keys = Object.keys(o);
  const values = keys.length === 1 ? [o[keys[0]!]] : Object.values(o);
  let n = keys.length;
  if (values.length !== n) throw policy.refuse('an object whose getters changed while it was written');
  const omit = policy.omitUndefined;
  if (omit) for (let i = 0; i < values.length; i++) if (values[i] === undefined) n--;
  const shape = policy.keys?.(keys);
  room(5);
  head(n, 0x80, 0xde);
  for (let i = 0, w = 0; i < keys.length; i++) {
    const x = values[i];
    if (shape) {
      // The key's bytes as whole words: up to 3 bytes past them are written over by what follows.
      const size = shape[w++]!;
      const words = (size + 3) >> 2;
      if (omit && x === undefined) {
        w += words;
        continue;
      }
      room(size + 3);
      for (let p = at, to = w + words; w < to; p += 4) view.setInt32(p, shape[w++]!);
      at += size;
    } else if (omit && x === undefined) continue;
    else str(keys[i]!);
    write(x, depth + 1);
  }
}

/** An array or map header: fix form below 16 (`fix` + n), else `b16` with 2 or `b16` + 1 with 4 bytes of length. */
function head(n: number, fix: number, b16: number): void {
  if (n < 16) buf[at++] = fix + n;
  else sized(n, 0, b16, b16 + 1);
}

/** A type byte and a length `n` in 1 (`b8`, unless 0), 2 (`b16`) or 4 bytes (`b32`). Room must be there. */
function sized(n: number, b8: number, b16: number, b32: number): void {
  if (b8 && n < 0x100) int(b8, n, 1);
  else if (n < 0x10000) int(b16, n, 2);
  else int(b32, n, 4);
}

/** A type byte and the `size` low bytes of the integer `v`, big-endian (two's complement when negative). */
function int(type: number, v: number, size: number): void {
  buf[at] = type;
  for (let k = size; k > 0; k--, v >>= 8) buf[at + k] = v; // stores keep the low 8 bits; >> keeps the low 32
  at += size + 1;
}

function num(v: number): void {
  room(9);
  if (!Number.isSafeInteger(v)) {
    buf[at] = 0xcb;
    view.setFloat64(at + 1, v);
    at += 9;
  } else if (v >= 0) {
    if (v < 0x80) buf[at++] = v;
    else if (v < 0x100000000) sized(v, 0xcc, 0xcd, 0xce);
    else int64(0xcf, v);
  } else if (v >= -0x20) buf[at++] = v + 0x100;
  else if (v >= -0x80) int(0xd0, v, 1);
  else if (v >= -0x8000) int(0xd1, v, 2);
  else if (v >= -0x80000000) int(0xd2, v, 4);
  else int64(0xd3, v);
}

function int64(type: number, v: number): void {
  buf[at] = type;
  view.setUint32(at + 1, Math.floor(v / 0x100000000)); // DataView wraps negatives: the two's complement high word
  view.setUint32(at + 5, v >>> 0);
  at += 9;
}

/** Bytes of a string header for `n` bytes: fixstr, str8, str16, str32. */
const strHead = (n: number): number => (n < 32 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);

function str(s: string): void {
  const n = s.length;
  // Written behind a header sized for `n` bytes, right for ASCII (most strings on the wire: keys, names, ids);
  // other strings take up to 3 bytes a unit and move when their length needs another header.
  room(5 + n * 3);
  const size = strHead(n);
  const from = at + size;
  const len = n < TEXT_ENCODER_FROM ? utf8Write(s, from) : utf8.encodeInto(s, buf.subarray(from)).written;
  const need = strHead(len);
  if (need !== size) buf.copyWithin(at + need, from, from + len);
  if (need === 1) buf[at++] = 0xa0 + len;
  else sized(len, 0xd9, 0xda, 0xdb);
  at += len;
}

/** UTF-8 of `s` at `p` as @msgpack/msgpack's own loop writes it (a lone surrogate as its 3 bytes); returns the length. */
function utf8Write(s: string, p: number): number {
  const b = buf; // a local: the loop then keeps the array in a register
  const from = p;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      b[p++] = c;
      continue;
    }
    if (c < 0x800) b[p++] = 0xc0 | (c >> 6);
    else {
      if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c & 0x3ff) << 10) + (s.charCodeAt(++i) & 0x3ff);
        b[p++] = 0xf0 | (c >> 18);
        b[p++] = 0x80 | ((c >> 12) & 0x3f);
      } else b[p++] = 0xe0 | (c >> 12);
      b[p++] = 0x80 | ((c >> 6) & 0x3f);
    }
    b[p++] = 0x80 | (c & 0x3f);
  }
  return p - from;
}

function bin(data: Uint8Array): void {
  room(5 + data.length);
  sized(data.length, 0xc4, 0xc5, 0xc6);
  buf.set(data, at);
  at += data.length;
}

/** Bytes of an extension header for `n` bytes of data: fixext (2) for 1, 2, 4, 8 and 16, else ext 8/16/32. */
const extSize = (n: number): number => ((n & (n - 1)) === 0 && n > 0 && n <= 16 ? 2 : n < 0x100 ? 3 : n < 0x10000 ? 4 : 6);

/** Writes the header of an extension of `type` with `n` bytes of data; room must be there. */
function extHead(type: number, n: number): void {
  if (extSize(n) === 2) buf[at++] = 0xd4 + 31 - Math.clz32(n); // d4 d5 d6 d7 d8 for 1 2 4 8 16
  else sized(n, 0xc7, 0xc8, 0xc9);
  buf[at++] = type; // an int8: -1 is stored as 0xff
}

/** Writes an extension of `type` whose data is `data`. */
export function writeExt(type: number, data: Uint8Array): void {
  room(6 + data.length);
  extHead(type, data.length);
  buf.set(data, at);
  at += data.length;
}

/** Writes an extension of `type` whose data is the ASCII text `s` (a bigint's digits): no TextEncoder needed. */
export function writeExtText(type: number, s: string): void {
  const n = s.length;
  room(6 + n);
  extHead(type, n);
  for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
}

/**
 * Writes an extension of `type` whose data is the MessagePack of `value`, written in place: header room first,
 * then the value, then the header, moving the data back when it needs less room than reserved. The value counts
 * at `depth`, the extension's own level, so nesting through extensions is bounded like any other.
 */
export function writeExtValue(type: number, value: unknown, depth: number): void {
  room(6);
  const rel = at - start;
  at += 6;
  write(value, depth);
  const from = start + rel + 6;
  const n = at - from;
  const size = extSize(n);
  at = from - 6;
  if (size < 6) buf.copyWithin(at + size, from, from + n);
  extHead(type, n);
  at += n;
}
