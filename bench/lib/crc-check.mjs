// Checks a CRC-32C implementation before it is timed: a wrong fast variant is worth nothing.
import { vectors } from './vectors.mjs';

const POLY = 0x82f63b78;

/** CRC-32C one bit at a time: slow, but too simple to share a mistake with any table-driven code. */
export function crc32cBitwise(bytes, crc = 0) {
  let r = ~crc >>> 0;
  for (const b of bytes) {
    r ^= b;
    for (let k = 0; k < 8; k++) r = r & 1 ? (r >>> 1) ^ POLY : r >>> 1;
  }
  return ~r >>> 0;
}

/** Deterministic bytes (xorshift), so a failure can be reproduced. */
export function randomBytes(n, seed = 0x9e3779b9) {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

/**
 * Checks `crc(crc, ptr, len)`, a function over wasm memory `mem` (a Uint8Array of the whole memory), using the
 * area at `at`: the known answers, every length 0..maxLength at several misalignments against the bitwise
 * reference, continuation (crc of A then B equals crc of A‖B) and that no byte outside the range is read.
 * Throws with the first mismatch.
 */
export function checkWasmCrc(name, crc, mem, at, maxLength = 5000) {
  const fail = (what) => { throw new Error(`[bench] ${name}: ${what}`); };
  for (const v of vectors.CRC32C_VECTORS) {
    const bytes = vectors.fromHex(v.hex);
    mem.set(bytes, at);
    if (crc(0, at, bytes.length) >>> 0 !== v.crc) fail(`known answer ${v.name}`);
  }
  const data = randomBytes(maxLength + 64);
  // The reference for every prefix in one pass: the bitwise register after n bytes.
  const prefix = new Uint32Array(maxLength + 1);
  let r = 0xffffffff;
  for (let n = 0; n <= maxLength; n++) {
    prefix[n] = ~r >>> 0;
    if (n === maxLength) break;
    r ^= data[n];
    for (let k = 0; k < 8; k++) r = r & 1 ? (r >>> 1) ^ POLY : r >>> 1;
  }
  for (const skew of [0, 1, 2, 3, 5, 7]) {
    mem.fill(0xa5, at, at + maxLength + 128); // bytes beyond the range differ from the ones used below
    mem.set(data.subarray(0, maxLength), at + skew);
    for (let n = 0; n <= maxLength; n++) {
      if (crc(0, at + skew, n) >>> 0 !== prefix[n]) fail(`length ${n} at misalignment ${skew}`);
    }
    for (const split of [1, 7, 100, 1023, 1024, 1025, 3000]) {
      const a = crc(0, at + skew, split);
      if (crc(a, at + skew + split, maxLength - split) >>> 0 !== prefix[maxLength]) fail(`continuation at ${split}`);
    }
  }
  // Interior ranges with different junk around them.
  mem.set(data.subarray(0, maxLength), at);
  for (const [from, n] of [[3, 4000], [1000, 1024], [17, 2049]]) {
    const want = crc32cBitwise(data.subarray(from, from + n));
    if (crc(0, at + from, n) >>> 0 !== want) fail(`range ${from}+${n}`);
  }
}
