// FNV-1a hashes of a byte range: 32-bit for method names, 64-bit for module ids.

const OFFSET32: u32 = 0x811c9dc5;
const PRIME32: u32 = 0x01000193;
const OFFSET64: u64 = 0xcbf29ce484222325;
const PRIME64: u64 = 0x00000100000001b3;

export function fnv1a32(ptr: usize, len: usize): u32 {
  let h = OFFSET32;
  for (let i: usize = 0; i < len; i++) h = (h ^ <u32>load<u8>(ptr + i)) * PRIME32;
  return h;
}

export function fnv1a64(ptr: usize, len: usize): u64 {
  let h = OFFSET64;
  for (let i: usize = 0; i < len; i++) h = (h ^ <u64>load<u8>(ptr + i)) * PRIME64;
  return h;
}
