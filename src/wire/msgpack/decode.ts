// swarmwire's MessagePack decoder: every byte from a peer — frame bodies, Hello, RPC values, extension payloads
// nested in them, lite's frames — goes through this one reader, so one set of limits holds everywhere:
// - a collection cannot announce more than its bytes are worth: an array header more elements than bytes follow,
//   a map more entries than half of them (each element takes a byte at least, each entry two), checked against the
//   end of the innermost extension payload it sits in. A five-byte header (`dd 01 ff ff ff`) cannot allocate
//   anything, at any nesting level;
// - arrays grow as elements arrive, so nested headers cannot multiply an allocation either;
// - one depth limit, counted across extension payloads: every array and map counts a level wherever it sits, and an
//   extension's payload counts at the extension's own level;
// - a map key is a string or a number, and never `__proto__`.
// It returns the values @msgpack/msgpack's Decoder returns for the same bytes (64-bit integers as numbers, bin as
// Uint8Array), and a policy (DecodePolicy) reads the extension types of each layer. No eval.
import { WireErrorCode, wireError } from '../errors.js';

/** How a layer reads bin and extension values. */
export interface DecodePolicy {
  /**
   * Return bin values as views of the input, as the frame's payload is a view of the frame (frame bodies);
   * otherwise as copies, so that a transport may reuse its buffer at once (RPC values). A copy of a small byte array
   * costs ten times the view: a buffer of its own.
   */
  readonly views: boolean;
  /** Reads short strings (up to 24 bytes at `p`), e.g. cachedText; without it they are decoded each time. */
  readonly short?: ((p: number, n: number) => string) | undefined;
  /**
   * Reads an extension of `type` whose `length` bytes of data start at the read position: with readValue (data that
   * is MessagePack, at `depth`), readBytes or readText. It must read exactly those bytes; reading past them fails.
   */
  readonly ext: (type: number, length: number, depth: number) => unknown;
}

// @msgpack/msgpack decodes strings of up to 200 bytes with its own loop and longer ones with TextDecoder; they differ
// on what is not UTF-8 (a lone surrogate's 3 bytes, which its encoder writes), so this decoder keeps the same border.
const TEXT_DECODER_FROM = 201;
const fromUtf8 = /* @__PURE__ */ new TextDecoder();
const EMPTY: Uint8Array = /* @__PURE__ */ new Uint8Array(0);

// The state of the call under way. decode() saves and restores it, so a policy that decodes meanwhile is safe.
let src: Uint8Array = EMPTY;
let pos = 0;
let end = 0; // the end of the input, or of the extension payload being read
let maxDepth = 0;
let policy: DecodePolicy;
/** Floats are read through this 8-byte view: no DataView of the input per call. */
const scratch = /* @__PURE__ */ new DataView(new ArrayBuffer(8));

// cachedText's short strings seen lately, by a hash of their bytes, with the bytes beside them to compare against.
const CACHE_SLOTS = 1024;
const CACHE_MAX = 24; // bytes of the longest string cached
const cache: string[] = /* @__PURE__ */ new Array<string>(CACHE_SLOTS); // read only where cacheLength says it is set
const cacheLength = /* @__PURE__ */ new Uint8Array(CACHE_SLOTS); // 0: an empty slot
const cacheInterned = /* @__PURE__ */ new Uint8Array(CACHE_SLOTS); // 1: the slot's string is an internalized key
const CACHE_WORDS = 9; // a 24-byte string: 6 words of 4 bytes, or fewer words and up to 3 single bytes
const cacheWords = /* @__PURE__ */ new Int32Array(CACHE_SLOTS * CACHE_WORDS);

/**
 * The one MessagePack value in `bytes`, with arrays and maps nested at most `depth` levels, read by `first` if given
 * (a known map's reader, which reads what readValue reads; default readValue). Throws WireError
 * BAD_PAYLOAD for anything else: truncated or trailing bytes, the byte 0xc1, collections announcing more than their
 * bytes, nesting past the limit, map keys that are not strings or numbers or are `__proto__`; and what the
 * policy throws.
 */
export function decode(bytes: Uint8Array, p: DecodePolicy, depth: number, first?: (depth: number) => unknown): unknown {
  const s = src, o = pos, e = end, d = maxDepth, q = policy;
  src = bytes;
  pos = 0;
  end = bytes.length;
  maxDepth = depth;
  policy = p;
  try {
    const value = first === undefined ? readValue(1) : first(1);
    if (pos !== end) fail(`${end - pos} bytes follow the value`);
    return value;
  } finally {
    // Back to the outer call's state (at the top: the empty input, no reference to the caller's bytes).
    src = s;
    pos = o;
    end = e;
    maxDepth = d;
    policy = q;
  }
}

/**
 * A map whose keys the protocol fixes (a control frame's body, as Ping's `{ timestamp }`; see known.ts): the bytes in
 * front of each value — the map's header, then each key — and the object the map reads as.
 */
export interface KnownMap {
  /** Per key, in order: the bytes in front of its value, as the encoder writes them (the map's header before the first). */
  readonly heads: readonly Uint8Array[];
  /**
   * The object, built from `next()` once per key in key order: one literal (one hidden class, no store per key),
   * with the keys and order the generic reader would give.
   */
  readonly make: (next: () => unknown) => object;
}

// The known map being read: its heads, the next one's index, the depth of its values. Not saved and restored: a
// known map is read only as a whole body (decodeBody), and the values in it are read by readValue, whose policies
// never read another known map.
let heads: readonly Uint8Array[] = [];
let headIndex = 0;
let valueDepth = 0;

/**
 * The value at the read position, at `depth`, read as `known` when its bytes are the known map's — the same head
 * bytes, in order, each followed by one value — and otherwise (another key, another order, one more field, a
 * value that fails) by readValue from the same position: the result is what readValue gives, always, and so are
 * its errors. Values are read by readValue under the same policy and limits. Only for a whole body (see above).
 */
export function readKnown(known: KnownMap, depth: number): unknown {
  const from = pos;
  heads = known.heads;
  headIndex = 0;
  valueDepth = depth + 1;
  try {
    if (depth <= maxDepth) return known.make(nextKnown);
  } catch {
    // not this map (or a value that fails): read again below, so that the generic reader says why
  }
  pos = from;
  return readValue(depth);
}

/** The next value of the known map being read, after checking that its head bytes come first. */
function nextKnown(): unknown {
  const head = heads[headIndex++]!;
  // Past the input's end a byte reads as undefined, which matches no head byte (a whole body: `end` is the input's).
  for (let k = 0; k < head.length; k++) if (src[pos + k] !== head[k]) throw head;
  pos += head.length;
  return readValue(valueDepth);
}

/** Throws WireError BAD_PAYLOAD; `why` ends up in its message. */
export function fail(why: string): never {
  throw wireError(WireErrorCode.BAD_PAYLOAD, `undecodable MessagePack payload: ${why}`);
}

/** Claims the next `n` bytes; returns where they start. */
function take(n: number): number {
  if (n > end - pos) fail(`truncated: ${n} bytes needed at ${pos}, ${end - pos} left`);
  return (pos += n) - n;
}

/** The big-endian 32-bit word at index `p` of the input, as a signed integer (>>> 0 makes it unsigned). */
function word(p: number): number {
  const b = src;
  return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
}

/** A big-endian unsigned integer of `n` (1, 2 or 4) bytes. */
function uint(n: number): number {
  const p = take(n);
  return n < 2 ? src[p]! : n < 4 ? (src[p]! << 8) | src[p + 1]! : word(p) >>> 0;
}

/** A big-endian two's complement integer of `n` (1, 2 or 4) bytes. */
function int(n: number): number {
  const shift = 32 - 8 * n;
  return (uint(n) << shift) >> shift;
}

/** A float of `n` (4 or 8) bytes, through the scratch view: no DataView of the input. */
function float(n: number): number {
  const p = take(n);
  scratch.setInt32(0, word(p));
  if (n < 8) return scratch.getFloat32(0);
  scratch.setInt32(4, word(p + 4));
  return scratch.getFloat64(0);
}

/** A 64-bit integer (the high word signed or not) as a number, rounded as @msgpack/msgpack rounds it. */
function int64(signed: boolean): number {
  const p = take(8);
  const high = word(p);
  return (signed ? high : high >>> 0) * 0x100000000 + (word(p + 4) >>> 0);
}

/** Reads one value at nesting `depth` (the outermost value is at 1). For policies: an extension whose data is MessagePack. */
export function readValue(depth: number): unknown {
  if (pos >= end) take(1); // fails: nothing left
  const h = src[pos++]!;
  if (h < 0xa0) {
    if (h < 0x80) return h;
    return h < 0x90 ? map(h - 0x80, depth) : array(h - 0x90, depth);
  }
  if (h < 0xc0) return readText(h - 0xa0);
  if (h >= 0xe0) return h - 0x100;
  switch (h) {
    case 0xc0: return null;
    case 0xc2: return false;
    case 0xc3: return true;
    case 0xc4: case 0xc5: case 0xc6: return bin(uint(1 << (h - 0xc4)));
    case 0xc7: case 0xc8: case 0xc9: return ext(uint(1 << (h - 0xc7)), depth);
    case 0xca: return float(4);
    case 0xcb: return float(8);
    case 0xcc: case 0xcd: case 0xce: return uint(1 << (h - 0xcc));
    case 0xcf: return int64(false);
    case 0xd0: case 0xd1: case 0xd2: return int(1 << (h - 0xd0));
    case 0xd3: return int64(true);
    case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: return ext(1 << (h - 0xd4), depth);
    case 0xd9: case 0xda: case 0xdb: return readText(uint(1 << (h - 0xd9)));
    case 0xdc: case 0xdd: return array(uint(h === 0xdc ? 2 : 4), depth);
    case 0xde: case 0xdf: return map(uint(h === 0xde ? 2 : 4), depth);
  }
  return fail(`0x${h.toString(16)} starts no value`);
}

/** Refuses a collection at `depth` past the limit, or announcing more elements than its bytes can hold. */
function collection(n: number, perItem: number, depth: number): void {
  if (depth > maxDepth) fail(`nested deeper than ${maxDepth} levels`);
  if (n * perItem > end - pos) fail(`${n} ${perItem > 1 ? 'entries' : 'elements'} announced, ${end - pos} bytes left`);
}

function array(n: number, depth: number): unknown[] {
  collection(n, 1, depth);
  const a: unknown[] = [];
  for (let i = 0; i < n; i++) a.push(readValue(depth + 1));
  return a;
}

function map(n: number, depth: number): Record<string, unknown> {
  collection(n, 2, depth);
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    // A key is a string or a number, checked by its type byte before it is read: no extension runs for a key.
    if (pos >= end) take(1); // fails: nothing left
    const h = src[pos++]!;
    let key: unknown;
    if ((h & 0xe0) === 0xa0) key = readText(h & 0x1f);
    else if (h < 0x80 || h > 0xdf || (h > 0xc9 && h < 0xd4) || (h > 0xd8 && h < 0xdc)) {
      pos--;
      key = readValue(depth + 1); // a number, or a string of 32 bytes or more
    }
    else fail(`a map key of type 0x${h.toString(16)}`);
    if (key === '__proto__') fail('the map key __proto__');
    o[key as string] = readValue(depth + 1);
  }
  return o;
}

/** A bin value of `n` bytes, a view or a copy as the policy asks. */
function bin(n: number): Uint8Array {
  const p = take(n);
  return policy.views ? src.subarray(p, p + n) : src.slice(p, p + n);
}

/** The next `n` bytes, copied. For policies: an extension whose data is raw bytes. */
export function readBytes(n: number): Uint8Array {
  const p = take(n);
  return src.slice(p, p + n);
}

/** The next `n` bytes as a string. For policies: an extension whose data is text (a bigint's digits). */
export function readText(n: number): string {
  const p = take(n);
  if (n >= TEXT_DECODER_FROM) {
    // Browsers' TextDecoder refuses views of shared memory, and frames read in place from a ring are such views:
    // those bytes are copied first (Node's accepts them, so only a browser finds this).
    const view = src.subarray(p, p + n);
    return fromUtf8.decode(typeof SharedArrayBuffer === 'function' && view.buffer instanceof SharedArrayBuffer ? view.slice() : view);
  }
  return n > 0 && n <= CACHE_MAX && policy.short ? policy.short(p, n) : utf8Read(p, p + n);
}

/**
 * UTF-8 of [p, to) exactly as @msgpack/msgpack's own loop reads it, quirks included, so that property tests can hold
 * the two decoders to each other on any bytes: lenient (a lone surrogate's 3 bytes come back as it; a byte that
 * starts no sequence stands for itself), and a sequence cut short by the string's end borrows the bytes that follow
 * it — within the input, or the extension payload it sits in; zeros past that.
 */
function utf8Read(p: number, to: number): string {
  const units: number[] = [];
  const next = (): number => (p < end ? src[p++]! : (p++, 0)) & 0x3f;
  while (p < to) {
    const b = src[p++]!;
    let unit = b;
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
  return String.fromCharCode.apply(null, units);
}

/**
 * A short string through the cache of recent ones: the full SDK's policies read keys and short values this way
 * (lite does without, for its size). Making a string costs several times a hit, and a string from the cache is an
 * internalized property key, which makes building the object cheaper too. Only ASCII is cached: its string depends
 * on its bytes alone. The slot comes from the length and three of the bytes, so a hit reads the bytes once (to
 * compare them); a hostile peer can only make it miss.
 */
export function cachedText(p: number, n: number): string {
  const b = src; // a local: the loops keep it in a register
  const slot = (n * 0x3b + b[p]! * 0x9 + b[p + (n >> 1)]! * 0x5 + b[p + n - 1]!) & (CACHE_SLOTS - 1);
  const base = slot * CACHE_WORDS;
  const words = cacheWords;
  const to = p + n;
  let k = p;
  let w = base;
  if (cacheLength[slot] === n) {
    // Four bytes to a word: a hit compares n / 4 words, then what is left byte by byte.
    for (; k + 4 <= to; k += 4, w++) if (words[w] !== word(k)) break;
    if (k + 4 > to) {
      for (; k < to; k++, w++) if (words[w] !== b[k]) break;
      if (k === to) {
        if (cacheInterned[slot]) return cache[slot]!;
        // Found a second time: made an internalized key now (Object.keys gives the string table's copy), which
        // makes every object built with it cheaper. Not at once: a stream of keys seen once would pay for it.
        cacheInterned[slot] = 1;
        return (cache[slot] = Object.keys({ [cache[slot]!]: 0 })[0]!);
      }
    }
  }
  for (k = p; k < to; k++) if (b[k]! > 0x7f) return utf8Read(p, to);
  const s = utf8Read(p, to);
  cacheInterned[slot] = 0;
  for (k = p, w = base; k + 4 <= to; k += 4, w++) words[w] = word(k);
  for (; k < to; k++, w++) words[w] = b[k]!;
  cacheLength[slot] = n;
  cache[slot] = s;
  return s;
}

function ext(n: number, depth: number): unknown {
  const type = (src[take(1)]! << 24) >> 24;
  take(n); // the data must be there before a policy looks at it
  const stop = pos;
  pos -= n;
  const outer = end;
  end = stop; // nothing inside the extension reads past its data
  const value = policy.ext(type, n, depth);
  if (pos !== stop) fail(`${stop - pos} bytes left over in extension ${type}`);
  end = outer;
  return value;
}
