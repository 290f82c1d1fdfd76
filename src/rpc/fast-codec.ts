// MessagePack for the values most calls carry — arrays of numbers, strings, booleans, null and bytes — without the
// general codec's fixed costs (a DataView per decode, a state reset and a copy per encode: about 1 µs each way on
// this machine, more than the rest of a small call). Anything else (maps, extension types, deep nesting) returns
// undefined, and codec.ts does the work; both produce and accept the same MessagePack.

const utf8 = /* @__PURE__ */ new TextEncoder();
// fatal: invalid UTF-8 goes to the general codec, so both paths read the same bytes the same way.
const fromUtf8 = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });
/** Deepest array nesting the fast path takes on. */
const MAX_FAST_DEPTH = 4;

let buf = /* @__PURE__ */ new Uint8Array(1024);
let view = /* @__PURE__ */ new DataView(buf.buffer);
let pos = 0;

function room(n: number): void {
  if (pos + n <= buf.length) return;
  const next = new Uint8Array(Math.max(buf.length * 2, pos + n));
  next.set(buf.subarray(0, pos));
  buf = next;
  view = new DataView(buf.buffer);
}

function put(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'number':
      return putNumber(value);
    case 'string':
      return putString(value);
    case 'boolean':
      room(1);
      buf[pos++] = value ? 0xc3 : 0xc2;
      return true;
    case 'undefined':
      room(1);
      buf[pos++] = 0xc0;
      return true;
    case 'object': {
      if (value === null) {
        room(1);
        buf[pos++] = 0xc0;
        return true;
      }
      if (value instanceof Uint8Array) return putBytes(value);
      if (!Array.isArray(value) || depth >= MAX_FAST_DEPTH) return false;
      const n = value.length;
      room(5);
      if (n < 16) buf[pos++] = 0x90 | n;
      else if (n < 0x10000) (buf[pos++] = 0xdc, view.setUint16(pos, n), (pos += 2));
      else (buf[pos++] = 0xdd, view.setUint32(pos, n), (pos += 4));
      for (let i = 0; i < n; i++) if (!put(value[i], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

function putNumber(n: number): boolean {
  room(9);
  if (Number.isSafeInteger(n)) {
    if (n >= 0) {
      if (n < 0x80) buf[pos++] = n;
      else if (n < 0x100) (buf[pos++] = 0xcc, (buf[pos++] = n));
      else if (n < 0x10000) (buf[pos++] = 0xcd, view.setUint16(pos, n), (pos += 2));
      else if (n < 0x100000000) (buf[pos++] = 0xce, view.setUint32(pos, n), (pos += 4));
      else (buf[pos++] = 0xcf, view.setUint32(pos, Math.floor(n / 0x100000000)), view.setUint32(pos + 4, n >>> 0), (pos += 8));
    } else if (n >= -0x20) buf[pos++] = n & 0xff;
    else if (n >= -0x80) (buf[pos++] = 0xd0, view.setInt8(pos++, n));
    else if (n >= -0x8000) (buf[pos++] = 0xd1, view.setInt16(pos, n), (pos += 2));
    else if (n >= -0x80000000) (buf[pos++] = 0xd2, view.setInt32(pos, n), (pos += 4));
    else (buf[pos++] = 0xd3, view.setBigInt64(pos, BigInt(n)), (pos += 8));
    return true;
  }
  buf[pos++] = 0xcb;
  view.setFloat64(pos, n);
  pos += 8;
  return true;
}

function putString(s: string): boolean {
  const max = s.length * 3;
  room(5 + max);
  const start = pos + (max < 32 ? 1 : max < 0x100 ? 2 : max < 0x10000 ? 3 : 5);
  const { written } = utf8.encodeInto(s, buf.subarray(start));
  // Header sized for the worst case; use the header the actual length needs, moving the bytes if it is shorter.
  const header = written < 32 ? 1 : written < 0x100 ? 2 : written < 0x10000 ? 3 : 5;
  const at = pos + header;
  if (at !== start) buf.copyWithin(at, start, start + written);
  if (header === 1) buf[pos] = 0xa0 | written;
  else if (header === 2) (buf[pos] = 0xd9, (buf[pos + 1] = written));
  else if (header === 3) (buf[pos] = 0xda, view.setUint16(pos + 1, written));
  else (buf[pos] = 0xdb, view.setUint32(pos + 1, written));
  pos = at + written;
  return true;
}

function putBytes(b: Uint8Array): boolean {
  const n = b.byteLength;
  room(5 + n);
  if (n < 0x100) (buf[pos++] = 0xc4, (buf[pos++] = n));
  else if (n < 0x10000) (buf[pos++] = 0xc5, view.setUint16(pos, n), (pos += 2));
  else (buf[pos++] = 0xc6, view.setUint32(pos, n), (pos += 4));
  buf.set(b, pos);
  pos += n;
  return true;
}

// Results are carved from 64 KiB slabs, as frames are (src/wire/frame.ts): an ArrayBuffer per small value would
// cost more than encoding it. A slab is never reused, so each result stays valid as long as it is held.
const SLAB_SIZE = 64 * 1024;
let slab = /* @__PURE__ */ new Uint8Array(0);
let slabAt = 0;

/** MessagePack bytes of `value` (bytes of its own), or undefined when it holds anything but the simple kinds. */
export function fastEncode(value: unknown): Uint8Array | undefined {
  pos = 0;
  if (!put(value, 0)) return undefined;
  if (pos > SLAB_SIZE / 16) return buf.slice(0, pos);
  if (slabAt + pos > slab.length) {
    slab = new Uint8Array(SLAB_SIZE);
    slabAt = 0;
  }
  const out = slab.subarray(slabAt, slabAt + pos);
  out.set(buf.subarray(0, pos));
  slabAt += (pos + 7) & ~7;
  return out;
}

// --- decoding ---------------------------------------------------------------------------------------------

const FAIL = /* @__PURE__ */ Symbol('fail');
let src: Uint8Array = /* @__PURE__ */ new Uint8Array(0);
let at = 0;
// Floats are read through this scratch, not a DataView over the payload: payloads mostly arrive in fresh buffers,
// and a DataView per decode costs more than the decode.
const scratch = /* @__PURE__ */ new Uint8Array(8);
const scratchView = /* @__PURE__ */ new DataView(scratch.buffer);

const need = (n: number): boolean => at + n <= src.length;
const u16 = (): number => ((at += 2), (src[at - 2]! << 8) | src[at - 1]!);
const u32 = (): number => ((at += 4), ((src[at - 4]! << 24) | (src[at - 3]! << 16) | (src[at - 2]! << 8) | src[at - 1]!) >>> 0);
function float(size: 4 | 8): number {
  for (let i = 0; i < size; i++) scratch[i] = src[at + i]!;
  at += size;
  return size === 4 ? scratchView.getFloat32(0) : scratchView.getFloat64(0);
}

function take(depth: number): unknown {
  if (at >= src.length || depth > MAX_FAST_DEPTH) return FAIL;
  const b = src[at++]!;
  if (b < 0x80) return b;
  if (b >= 0xe0) return b - 0x100;
  if ((b & 0xf0) === 0x90) return takeArray(b & 0x0f, depth);
  if ((b & 0xe0) === 0xa0) return takeString(b & 0x1f);
  switch (b) {
    case 0xc0: return null;
    case 0xc2: return false;
    case 0xc3: return true;
    case 0xcc: return need(1) ? src[at++] : FAIL;
    case 0xcd: return need(2) ? u16() : FAIL;
    case 0xce: return need(4) ? u32() : FAIL;
    case 0xcf: return need(8) ? u32() * 0x100000000 + u32() : FAIL;
    case 0xd0: return need(1) ? (src[at++]! << 24) >> 24 : FAIL;
    case 0xd1: return need(2) ? (u16() << 16) >> 16 : FAIL;
    case 0xd2: return need(4) ? u32() | 0 : FAIL;
    case 0xd3: return need(8) ? (u32() | 0) * 0x100000000 + u32() : FAIL;
    case 0xca: return need(4) ? float(4) : FAIL;
    case 0xcb: return need(8) ? float(8) : FAIL;
    case 0xd9: return need(1) ? takeString(src[at++]!) : FAIL;
    case 0xda: return need(2) ? takeString(u16()) : FAIL;
    case 0xc4: return need(1) ? takeBytes(src[at++]!) : FAIL;
    case 0xc5: return need(2) ? takeBytes(u16()) : FAIL;
    case 0xdc: return need(2) ? takeArray(u16(), depth) : FAIL;
    default: return FAIL; // maps, extension types, long strings: the general codec
  }
}

function takeArray(n: number, depth: number): unknown {
  if (n > src.length - at) return FAIL; // every element takes at least one byte
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const v = take(depth + 1);
    if (v === FAIL) return FAIL;
    out[i] = v;
  }
  return out;
}

function takeString(n: number): unknown {
  if (at + n > src.length) return FAIL;
  at += n;
  try {
    return fromUtf8.decode(src.subarray(at - n, at));
  } catch {
    return FAIL;
  }
}

function takeBytes(n: number): unknown {
  if (at + n > src.length) return FAIL;
  at += n;
  return src.slice(at - n, at); // a copy: the payload may be a view into a buffer the transport reuses
}

/**
 * The value in `bytes` when it is made only of the simple kinds; undefined otherwise (including for bad bytes:
 * the general decoder then reports them). A top-level nil comes back as null.
 */
export function fastDecode(bytes: Uint8Array): { value: unknown } | undefined {
  src = bytes;
  at = 0;
  const value = take(0);
  const ok = value !== FAIL && at === bytes.length;
  src = EMPTY; // do not keep the caller's bytes alive
  return ok ? { value } : undefined;
}
const EMPTY: Uint8Array = /* @__PURE__ */ new Uint8Array(0);
