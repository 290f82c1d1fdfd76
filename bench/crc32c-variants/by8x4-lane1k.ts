// @ts-nocheck: AssemblyScript, checked by asc when bench/crc32c-variants.bench.mjs compiles it
// tables: slices=8 lane=1024
// by8x4 with 1 KiB lanes: 4 KiB blocks, a quarter of the joins.
// CRC-32C (Castagnoli, reflected, init and xorout 0xFFFFFFFF) over a range of linear memory.
//
// Speed comes from independent dependency chains, not bigger tables: a slicing-by-8 step must wait for the
// previous step's register, so one chain leaves the CPU's load ports idle. Blocks of 1 KiB are split into 4 lanes
// of LANE_BYTES that run interleaved in one loop with their own registers, then are joined with the shift tables
// (CRC is linear: crc(A‖B) = shift(crc(A), |B|) ^ crc₀(B)). WebAssembly SIMD has no carry-less multiply, so
// there is no PCLMUL-style folding to gain from it here.
import { SLICE, SHIFT, LANE_BYTES } from './tables';

// Table addresses must be compile-time constants so that each lookup folds into the load's immediate offset:
// the loop is bound by ALU work, and this saves an add per lookup. The generated tables are the module's first
// static data, at the default memory base; tablesAt() lets test/wasm-core.test.ts check that this still holds.
const S0: usize = 1024;
const S1: usize = S0 + 1024, S2: usize = S0 + 2048, S3: usize = S0 + 3072, S4: usize = S0 + 4096;
const S5: usize = S0 + 5120, S6: usize = S0 + 6144, S7: usize = S0 + 7168;
const Z0: usize = S0 + 8192, Z1: usize = Z0 + 1024, Z2: usize = Z0 + 2048, Z3: usize = Z0 + 3072;
const BLOCK: usize = 4 * <usize>LANE_BYTES;

export function tablesAt(): usize {
  return SLICE == S0 && SHIFT == Z0 ? S0 : 0;
}

/** One slicing-by-8 step: the register advanced over the 8 bytes at p + off. Byte k is picked pre-scaled by 4. */
// @ts-ignore: decorator
@inline function step8(r: u32, p: usize, off: usize): u32 {
  const a = load<u32>(p + off) ^ r;
  const b = load<u32>(p + off + 4);
  return load<u32>((a << 2) & 0x3fc, S7) ^ load<u32>((a >> 6) & 0x3fc, S6) ^
         load<u32>((a >> 14) & 0x3fc, S5) ^ load<u32>((a >> 22) & 0x3fc, S4) ^
         load<u32>((b << 2) & 0x3fc, S3) ^ load<u32>((b >> 6) & 0x3fc, S2) ^
         load<u32>((b >> 14) & 0x3fc, S1) ^ load<u32>((b >> 22) & 0x3fc, S0);
}

/** The register advanced over LANE_BYTES zero bytes: four lookups, thanks to linearity. */
// @ts-ignore: decorator
@inline function shift(r: u32): u32 {
  return load<u32>((r << 2) & 0x3fc, Z0) ^ load<u32>((r >> 6) & 0x3fc, Z1) ^
         load<u32>((r >> 14) & 0x3fc, Z2) ^ load<u32>((r >> 22) & 0x3fc, Z3);
}

/**
 * Continues a CRC-32C over `len` bytes at `ptr`. `crc` is a previous result (0 to start), so a long input may be
 * fed in pieces: crc32c(B, crc32c(A, 0)) == crc32c(A‖B, 0).
 */
export function crc32c(crc: u32, ptr: usize, len: usize): u32 {
  let r = ~crc;
  let p = ptr;
  const end = ptr + len;
  while (end - p >= BLOCK) {
    let r0 = r, r1: u32 = 0, r2: u32 = 0, r3: u32 = 0;
    const stop = p + <usize>LANE_BYTES;
    do {
      r0 = step8(r0, p, 0);
      r1 = step8(r1, p, <usize>LANE_BYTES);
      r2 = step8(r2, p, 2 * <usize>LANE_BYTES);
      r3 = step8(r3, p, 3 * <usize>LANE_BYTES);
      p += 8;
    } while (p < stop);
    r = shift(shift(shift(r0) ^ r1) ^ r2) ^ r3;
    p += 3 * <usize>LANE_BYTES;
  }
  while (end - p >= 8) {
    r = step8(r, p, 0);
    p += 8;
  }
  while (p < end) {
    r = (r >> 8) ^ load<u32>(((r ^ <u32>load<u8>(p)) << 2) & 0x3fc, S0);
    p++;
  }
  return ~r;
}
