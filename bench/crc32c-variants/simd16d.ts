// @ts-nocheck: AssemblyScript, checked by asc when bench/crc32c-variants.bench.mjs compiles it
// tables: slices=8 lane=256 nibskip=60
// simd16 with the table set (skip or last) in a variable: one loop body serves both.
// 16 lanes in SIMD, byte-sliced: lane k owns the 4-byte words k, k+16, k+32… (64-byte groups), and vector Rj holds
// byte j of all 16 lane registers, so one i8x16.swizzle looks up a 16-entry nibble table for 16 lanes at once.
// A lane's next word is 64 bytes on, so its step uses T63..T60 (the word, then 60 bytes of other lanes). The last
// group uses T3..T0; lane k then still lacks 60 - 4k zero bytes, which the scalar join adds 4 bytes at a time.
import { S0, S1, S2, S3, S4, S5, S6, S7, N0, N1 } from './tables';

// @ts-ignore: decorator
@inline function nib(set: usize, t: usize, lo: v128, hi: v128): v128 {
  return v128.xor(i8x16.swizzle(v128.load(set + t), lo), i8x16.swizzle(v128.load(set + t + 16), hi));
}

/** Byte j (tables at t = set + j * 32) of the 16 registers after a step over the words whose nibbles are given. */
// @ts-ignore: decorator
@inline function out(set: usize, t: usize, l0: v128, h0: v128, l1: v128, h1: v128, l2: v128, h2: v128, l3: v128, h3: v128): v128 {
  return v128.xor(v128.xor(nib(set, t, l0, h0), nib(set, t + 128, l1, h1)), v128.xor(nib(set, t + 256, l2, h2), nib(set, t + 384, l3, h3)));
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

/** The register advanced over 4 zero bytes. */
// @ts-ignore: decorator
@inline function zeros4(r: u32): u32 {
  return (load<u32>((r & 0xff) << 2, S3) ^ load<u32>((r >> 6) & 0x3fc, S2)) ^
         (load<u32>((r >> 14) & 0x3fc, S1) ^ load<u32>((r >> 24) << 2, S0));
}

export function crc32c(crc: u32, ptr: usize, len: usize): u32 {
  let r = ~crc;
  let p = ptr;
  const end = ptr + len;
  if (len >= 256) {
    const zero = i32x4.splat(0);
    const m = i8x16.splat(0x0f);
    let R0 = i32x4.replace_lane(zero, 0, r & 0xff), R1 = i32x4.replace_lane(zero, 0, (r >> 8) & 0xff);
    let R2 = i32x4.replace_lane(zero, 0, (r >> 16) & 0xff), R3 = i32x4.replace_lane(zero, 0, r >> 24);
    const last = ptr + (len & ~63) - 64;
    let set = N0;
    do {
      if (p == last) set = N1;
      // Words k..k+3 of the group, regrouped so that vector t holds byte t of the 16 words.
      let a = v128.load(p), b = v128.load(p, 16), c = v128.load(p, 32), d = v128.load(p, 48);
      a = i8x16.shuffle(a, a, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
      b = i8x16.shuffle(b, b, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
      c = i8x16.shuffle(c, c, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
      d = i8x16.shuffle(d, d, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
      const ab0 = i32x4.shuffle(a, b, 0, 4, 1, 5), ab1 = i32x4.shuffle(a, b, 2, 6, 3, 7);
      const cd0 = i32x4.shuffle(c, d, 0, 4, 1, 5), cd1 = i32x4.shuffle(c, d, 2, 6, 3, 7);
      const x0 = v128.xor(R0, i64x2.shuffle(ab0, cd0, 0, 2)), x1 = v128.xor(R1, i64x2.shuffle(ab0, cd0, 1, 3));
      const x2 = v128.xor(R2, i64x2.shuffle(ab1, cd1, 0, 2)), x3 = v128.xor(R3, i64x2.shuffle(ab1, cd1, 1, 3));
      const l0 = v128.and(x0, m), h0 = v128.and(i16x8.shr_u(x0, 4), m);
      const l1 = v128.and(x1, m), h1 = v128.and(i16x8.shr_u(x1, 4), m);
      const l2 = v128.and(x2, m), h2 = v128.and(i16x8.shr_u(x2, 4), m);
      const l3 = v128.and(x3, m), h3 = v128.and(i16x8.shr_u(x3, 4), m);
      R0 = out(set, 0, l0, h0, l1, h1, l2, h2, l3, h3);
      R1 = out(set, 32, l0, h0, l1, h1, l2, h2, l3, h3);
      R2 = out(set, 64, l0, h0, l1, h1, l2, h2, l3, h3);
      R3 = out(set, 96, l0, h0, l1, h1, l2, h2, l3, h3);
      p += 64;
    } while (p <= last);
    // Back to 16 u32 registers, lane k in word k, then Horner: each earlier lane lacks 4 more zero bytes.
    const b01 = i8x16.shuffle(R0, R1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const b01h = i8x16.shuffle(R0, R1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const b23 = i8x16.shuffle(R2, R3, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const b23h = i8x16.shuffle(R2, R3, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const w0 = i16x8.shuffle(b01, b23, 0, 8, 1, 9, 2, 10, 3, 11), w1 = i16x8.shuffle(b01, b23, 4, 12, 5, 13, 6, 14, 7, 15);
    const w2 = i16x8.shuffle(b01h, b23h, 0, 8, 1, 9, 2, 10, 3, 11), w3 = i16x8.shuffle(b01h, b23h, 4, 12, 5, 13, 6, 14, 7, 15);
    r = i32x4.extract_lane(w0, 0);
    r = zeros4(r) ^ i32x4.extract_lane(w0, 1); r = zeros4(r) ^ i32x4.extract_lane(w0, 2); r = zeros4(r) ^ i32x4.extract_lane(w0, 3);
    r = zeros4(r) ^ i32x4.extract_lane(w1, 0); r = zeros4(r) ^ i32x4.extract_lane(w1, 1);
    r = zeros4(r) ^ i32x4.extract_lane(w1, 2); r = zeros4(r) ^ i32x4.extract_lane(w1, 3);
    r = zeros4(r) ^ i32x4.extract_lane(w2, 0); r = zeros4(r) ^ i32x4.extract_lane(w2, 1);
    r = zeros4(r) ^ i32x4.extract_lane(w2, 2); r = zeros4(r) ^ i32x4.extract_lane(w2, 3);
    r = zeros4(r) ^ i32x4.extract_lane(w3, 0); r = zeros4(r) ^ i32x4.extract_lane(w3, 1);
    r = zeros4(r) ^ i32x4.extract_lane(w3, 2); r = zeros4(r) ^ i32x4.extract_lane(w3, 3);
  }
  while (end - p >= 8) { r = step8(r, p); p += 8; }
  while (p < end) { r = (r >> 8) ^ load<u32>(((r ^ <u32>load<u8>(p)) & 0xff) << 2, S0); p++; }
  return ~r;
}
