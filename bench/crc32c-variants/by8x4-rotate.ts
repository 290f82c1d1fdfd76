// @ts-nocheck: AssemblyScript, checked by asc when bench/crc32c-variants.bench.mjs compiles it
// tables: slices=32 lane=256
// 4 lanes interleaved 8 bytes apart, one lane step per loop iteration, registers rotating.
// Lane k owns the 8-byte chunks k, k+4, k+8…. A lane's next chunk is 32 bytes on, so its step uses the tables
// that also skip the 24 bytes of the other lanes (T31..T24). The last step of each lane uses T7..T0 and the lanes
// are joined by advancing over 8 zero bytes between them. One step per iteration keeps V8 from deferring all xors
// to the end of the loop body (which spills every looked-up value); V8 then spills the rotating registers instead.
import { S0, S1, S2, S3, S4, S5, S6, S7, S24, S25, S26, S27, S28, S29, S30, S31 } from './tables';

// @ts-ignore: decorator
@inline function skip(r: u32, p: usize): u32 {
  const a = load<u32>(p) ^ r;
  const b = load<u32>(p, 4);
  return ((load<u32>((a & 0xff) << 2, S31) ^ load<u32>((a >> 6) & 0x3fc, S30)) ^
          (load<u32>((a >> 14) & 0x3fc, S29) ^ load<u32>((a >> 24) << 2, S28))) ^
         ((load<u32>((b & 0xff) << 2, S27) ^ load<u32>((b >> 6) & 0x3fc, S26)) ^
          (load<u32>((b >> 14) & 0x3fc, S25) ^ load<u32>((b >> 24) << 2, S24)));
}

// @ts-ignore: decorator
@inline function step8(r: u32, p: usize): u32 {
  const a = load<u32>(p) ^ r;
  const b = load<u32>(p, 4);
  return ((load<u32>((a & 0xff) << 2, S7) ^ load<u32>((a >> 6) & 0x3fc, S6)) ^
          (load<u32>((a >> 14) & 0x3fc, S5) ^ load<u32>((a >> 24) << 2, S4))) ^
         ((load<u32>((b & 0xff) << 2, S3) ^ load<u32>((b >> 6) & 0x3fc, S2)) ^
          (load<u32>((b >> 14) & 0x3fc, S1) ^ load<u32>((b >> 24) << 2, S0)));
}

/** The register advanced over 8 zero bytes. */
// @ts-ignore: decorator
@inline function zeros8(r: u32): u32 {
  return (load<u32>((r & 0xff) << 2, S7) ^ load<u32>((r >> 6) & 0x3fc, S6)) ^
         (load<u32>((r >> 14) & 0x3fc, S5) ^ load<u32>((r >> 24) << 2, S4));
}

export function crc32c(crc: u32, ptr: usize, len: usize): u32 {
  let r = ~crc;
  let p = ptr;
  const end = ptr + len;
  if (len >= 32) {
    let r0 = r, r1: u32 = 0, r2: u32 = 0, r3: u32 = 0;
    const last = ptr + (len & ~7) - 32; // the final group of 4 chunks starts here
    while (p < last) {
      const x = skip(r0, p);
      r0 = r1; r1 = r2; r2 = r3; r3 = x;
      p += 8;
    }
    r0 = step8(r0, p);
    r1 = step8(r1, p + 8);
    r2 = step8(r2, p + 16);
    r3 = step8(r3, p + 24);
    r = zeros8(zeros8(zeros8(r0) ^ r1) ^ r2) ^ r3;
    p += 32;
  }
  while (end - p >= 8) { r = step8(r, p); p += 8; }
  while (p < end) { r = (r >> 8) ^ load<u32>(((r ^ <u32>load<u8>(p)) & 0xff) << 2, S0); p++; }
  return ~r;
}
