// Deterministic pseudo-random bytes, made the same way in the browser and in Node, so a large buffer's checksum
// can be compared across the two without shipping the buffer.

/** `length` bytes from xorshift32 seeded with `seed` (non-zero). Default seed: 0x9e3779b9. */
export function testBytes(length: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
