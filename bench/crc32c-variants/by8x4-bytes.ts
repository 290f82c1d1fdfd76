// @ts-nocheck: AssemblyScript, checked by asc when bench/crc32c-variants.bench.mjs compiles it
// tables: slices=8 lane=256
// by8x4 with the 4 register-free bytes loaded one by one and a balanced xor tree.
// Loading those bytes (movzx) skips a shift/mask pair each; the balanced tree shortens the register path.
import { S0, S1, S2, S3, S4, S5, S6, S7, Z0, Z1, Z2, Z3, LANE_BYTES } from './tables';
const LANE: usize = <usize>LANE_BYTES;

// @ts-ignore: decorator
@inline function step8(r: u32, p: usize): u32 {
  const a = load<u32>(p) ^ r;
  const hi = (load<u32>(<usize>load<u8>(p, 4) << 2, S3) ^ load<u32>(<usize>load<u8>(p, 5) << 2, S2)) ^
             (load<u32>(<usize>load<u8>(p, 6) << 2, S1) ^ load<u32>(<usize>load<u8>(p, 7) << 2, S0));
  return hi ^ ((load<u32>((a & 0xff) << 2, S7) ^ load<u32>((a >> 6) & 0x3fc, S6)) ^
               (load<u32>((a >> 14) & 0x3fc, S5) ^ load<u32>((a >> 24) << 2, S4)));
}

// @ts-ignore: decorator
@inline function shift(r: u32): u32 {
  return (load<u32>((r & 0xff) << 2, Z0) ^ load<u32>((r >> 6) & 0x3fc, Z1)) ^
         (load<u32>((r >> 14) & 0x3fc, Z2) ^ load<u32>((r >> 24) << 2, Z3));
}

export function crc32c(crc: u32, ptr: usize, len: usize): u32 {
  let r = ~crc;
  let p = ptr;
  const end = ptr + len;
  while (end - p >= 4 * LANE) {
    let r0 = r, r1: u32 = 0, r2: u32 = 0, r3: u32 = 0;
    const stop = p + LANE;
    do {
      r0 = step8(r0, p);
      r1 = step8(r1, p + LANE);
      r2 = step8(r2, p + 2 * LANE);
      r3 = step8(r3, p + 3 * LANE);
      p += 8;
    } while (p < stop);
    r = shift(shift(shift(r0) ^ r1) ^ r2) ^ r3;
    p += 3 * LANE;
  }
  while (end - p >= 8) { r = step8(r, p); p += 8; }
  while (p < end) { r = (r >> 8) ^ load<u32>(((r ^ <u32>load<u8>(p)) & 0xff) << 2, S0); p++; }
  return ~r;
}
