// @ts-nocheck: AssemblyScript, checked by asc when bench/crc32c-variants.bench.mjs compiles it
// tables: slices=8 lane=128
// 8 lanes × slicing-by-4, 128-byte lanes in 1 KiB blocks, joined with shift tables.
import { S0, S1, S2, S3, Z0, Z1, Z2, Z3, LANE_BYTES } from './tables';
const LANE: usize = <usize>LANE_BYTES;

// @ts-ignore: decorator
@inline function step4(r: u32, p: usize): u32 {
  const a = load<u32>(p) ^ r;
  return (load<u32>((a & 0xff) << 2, S3) ^ load<u32>((a >> 6) & 0x3fc, S2)) ^
         (load<u32>((a >> 14) & 0x3fc, S1) ^ load<u32>((a >> 24) << 2, S0));
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
  while (end - p >= 8 * LANE) {
    let r0 = r, r1: u32 = 0, r2: u32 = 0, r3: u32 = 0, r4: u32 = 0, r5: u32 = 0, r6: u32 = 0, r7: u32 = 0;
    const stop = p + LANE;
    do {
      r0 = step4(r0, p); r1 = step4(r1, p + LANE); r2 = step4(r2, p + 2 * LANE); r3 = step4(r3, p + 3 * LANE);
      r4 = step4(r4, p + 4 * LANE); r5 = step4(r5, p + 5 * LANE); r6 = step4(r6, p + 6 * LANE); r7 = step4(r7, p + 7 * LANE);
      p += 4;
    } while (p < stop);
    r = shift(shift(shift(shift(shift(shift(shift(r0) ^ r1) ^ r2) ^ r3) ^ r4) ^ r5) ^ r6) ^ r7;
    p += 7 * LANE;
  }
  while (end - p >= 4) { r = step4(r, p); p += 4; }
  while (p < end) { r = (r >> 8) ^ load<u32>(((r ^ <u32>load<u8>(p)) & 0xff) << 2, S0); p++; }
  return ~r;
}
