// The lookup tables of the wasm CRC-32C, computed the plain way: the reference that test/wasm-core.test.ts checks
// the tables crc32cInit() computes in wasm memory against, and that bench/crc32c-variants builds its variants from.
const POLY = 0x82f63b78; // Castagnoli, reflected

/** Slicing tables: T[k][b] = CRC register after byte b followed by k zero bytes (from a zero register). */
export function slicingTables(count) {
  const t = Array.from({ length: count }, () => new Uint32Array(256));
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[0][b] = c >>> 0;
  }
  for (let k = 1; k < count; k++) {
    for (let b = 0; b < 256; b++) t[k][b] = ((t[k - 1][b] >>> 8) ^ t[0][t[k - 1][b] & 0xff]) >>> 0;
  }
  return t;
}

/**
 * Nibble tables for i8x16.swizzle, one set per step kind: a step takes a 4-byte word (xored into the register)
 * followed by `extra` zero bytes, so word byte i goes through T[extra + 3 - i]. T is linear, so
 * T[x] = T[x & 15] ^ T[x & 0xf0]; for each word byte i and register byte j the set holds 16 bytes for the low
 * nibble, then 16 for the high one: byte j of T[n] and of T[n << 4], at (i * 4 + j) * 32.
 */
export function nibbleTables(t, extra) {
  const out = [];
  for (let i = 0; i < 4; i++) {
    const T = t[extra + 3 - i];
    for (let j = 0; j < 4; j++) {
      for (let n = 0; n < 16; n++) out.push((T[n] >>> (8 * j)) & 0xff);
      for (let n = 0; n < 16; n++) out.push((T[n << 4] >>> (8 * j)) & 0xff);
    }
  }
  return out;
}

/** The tables as crc32cInit() lays them out at 1024 (assembly/crc32c.ts): T0..T7, T12..T15, then the nibble sets. */
export function tableBytes() {
  const t = slicingTables(64);
  const words = new Uint32Array([...t.slice(0, 8), ...t.slice(12, 16)].flatMap((tab) => Array.from(tab)));
  const bytes = new Uint8Array(words.length * 4 + 1024);
  bytes.set(new Uint8Array(words.buffer)); // host byte order: little-endian, as wasm memory, wherever Node runs
  bytes.set([...nibbleTables(t, 60), ...nibbleTables(t, 0)], words.length * 4);
  return bytes;
}
