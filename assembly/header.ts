// The checks the ring's consumer makes on a frame header in place (docs/protocol.md: 32 bytes, big endian).
// Encoding and decoding headers is JavaScript's job (src/wire/header.ts): for 32 bytes a call into wasm costs more
// than the work. Functions return status codes, never throw: a throw would abort the instance that every thread on
// this memory shares.

export const HEADER_SIZE: u32 = 32;
export const MAGIC: u32 = 0x4d4c4e4b; // "MLNK"
export const VERSION: u32 = 1;
export const FEATURE_CHECKSUM: u32 = 1 << 3;

// Status codes shared with src/wire/constants.ts (test/ring-core.test.ts checks the ring reports the same ones as
// the JavaScript decoder).
export const OK: i32 = 0;
export const INVALID_FRAME: i32 = 7;
export const CHECKSUM_MISMATCH: i32 = 8;
export const PAYLOAD_TOO_LARGE: i32 = 9;
export const UNSUPPORTED_VERSION: i32 = 10;

/** Message types the wire contract defines; anything else is InvalidFrame. */
function isKnownType(t: u32): bool {
  return t <= 3 || (t >= 16 && t <= 19) || t == 32 || t == 33 || t == 48 || (t >= 64 && t <= 69) ||
         (t >= 80 && t <= 83) || (t >= 96 && t <= 99) || (t >= 112 && t <= 118);
}

/** Checks the 32 header bytes at ptr: magic, version, type, payload length ≤ maxPayload. */
export function headerCheck(ptr: usize, maxPayload: u32): i32 {
  if (load<u32>(ptr) != bswap<u32>(MAGIC)) return INVALID_FRAME;
  if (<u32>load<u8>(ptr, 4) != VERSION) return UNSUPPORTED_VERSION;
  if (!isKnownType(<u32>load<u8>(ptr, 5))) return INVALID_FRAME;
  if (bswap<u32>(load<u32>(ptr, 28)) > maxPayload) return PAYLOAD_TOO_LARGE;
  return OK;
}
