// The fixed 32-byte frame header, big endian (docs/protocol.md). Functions return status codes, never throw:
// a throw would abort the instance that every thread on this memory shares.
import { crc32c } from './crc32c';

export const HEADER_SIZE: u32 = 32;
export const MAGIC: u32 = 0x4d4c4e4b; // "MLNK"
export const VERSION: u32 = 1;
export const FEATURE_CHECKSUM: u32 = 1 << 3;

// Status codes shared with src/wire/constants.ts (test/wasm-core.test.ts checks they agree).
export const OK: i32 = 0;
export const INVALID_FRAME: i32 = 7;
export const CHECKSUM_MISMATCH: i32 = 8;
export const PAYLOAD_TOO_LARGE: i32 = 9;
export const UNSUPPORTED_VERSION: i32 = 10;

/** Message types the wire contract defines; anything else is InvalidFrame. */
export function isKnownType(t: u32): bool {
  return t <= 3 || (t >= 16 && t <= 19) || t == 32 || t == 33 || t == 48 || (t >= 64 && t <= 69) ||
         (t >= 80 && t <= 83) || (t >= 96 && t <= 99) || (t >= 112 && t <= 118);
}

export function headerWrite(
  ptr: usize, type: u32, features: u32, requestHi: u32, requestLo: u32,
  moduleHi: u32, moduleLo: u32, methodHash: u32, payloadLen: u32,
): void {
  store<u32>(ptr, bswap<u32>(MAGIC));
  store<u32>(ptr, bswap<u32>((VERSION << 24) | ((type & 255) << 16) | (features & 0xffff)), 4);
  store<u32>(ptr, bswap<u32>(requestHi), 8);
  store<u32>(ptr, bswap<u32>(requestLo), 12);
  store<u32>(ptr, bswap<u32>(moduleHi), 16);
  store<u32>(ptr, bswap<u32>(moduleLo), 20);
  store<u32>(ptr, bswap<u32>(methodHash), 24);
  store<u32>(ptr, bswap<u32>(payloadLen), 28);
}

/** Checks the 32 header bytes at ptr: magic, version, type, payload length ≤ maxPayload. */
export function headerCheck(ptr: usize, maxPayload: u32): i32 {
  if (load<u32>(ptr) != bswap<u32>(MAGIC)) return INVALID_FRAME;
  if (<u32>load<u8>(ptr, 4) != VERSION) return UNSUPPORTED_VERSION;
  if (!isKnownType(<u32>load<u8>(ptr, 5))) return INVALID_FRAME;
  if (bswap<u32>(load<u32>(ptr, 28)) > maxPayload) return PAYLOAD_TOO_LARGE;
  return OK;
}

/** Total frame size the header at ptr announces: header + payload + the checksum trailer if flagged. */
export function frameSize(ptr: usize): u32 {
  const features = <u32>bswap<u16>(load<u16>(ptr, 6));
  return HEADER_SIZE + bswap<u32>(load<u32>(ptr, 28)) + ((features & FEATURE_CHECKSUM) ? 4 : 0);
}

/** Validates a whole frame of exactly `len` bytes at ptr, checksum included. */
export function frameCheck(ptr: usize, len: u32, maxPayload: u32): i32 {
  if (len < HEADER_SIZE) return INVALID_FRAME;
  const status = headerCheck(ptr, maxPayload);
  if (status != OK) return status;
  if (frameSize(ptr) != len) return INVALID_FRAME;
  if (<u32>bswap<u16>(load<u16>(ptr, 6)) & FEATURE_CHECKSUM) {
    const body = len - 4;
    if (crc32c(0, ptr, body) != bswap<u32>(load<u32>(ptr + body))) return CHECKSUM_MISMATCH;
  }
  return OK;
}

/**
 * Checks the header at ptr and copies its fields, in host order, to 8 u32 slots at out: version, type, features,
 * request id high and low, module id high and low, method hash; the payload length goes in the return value's
 * place only when the status is OK, so callers read it from slot 8.
 */
export function headerRead(ptr: usize, out: usize, maxPayload: u32): i32 {
  const status = headerCheck(ptr, maxPayload);
  if (status != OK) return status;
  store<u32>(out, <u32>load<u8>(ptr, 4));
  store<u32>(out, <u32>load<u8>(ptr, 5), 4);
  store<u32>(out, <u32>bswap<u16>(load<u16>(ptr, 6)), 8);
  store<u32>(out, bswap<u32>(load<u32>(ptr, 8)), 12);
  store<u32>(out, bswap<u32>(load<u32>(ptr, 12)), 16);
  store<u32>(out, bswap<u32>(load<u32>(ptr, 16)), 20);
  store<u32>(out, bswap<u32>(load<u32>(ptr, 20)), 24);
  store<u32>(out, bswap<u32>(load<u32>(ptr, 24)), 28);
  store<u32>(out, bswap<u32>(load<u32>(ptr, 28)), 32);
  return OK;
}
