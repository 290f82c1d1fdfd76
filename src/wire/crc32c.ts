// CRC-32C of bytes anywhere. Short inputs are checksummed in JavaScript: below WASM_MIN_BYTES the call into wasm
// (and the copy into its memory) costs more than the arithmetic (bench/crc32c.bench.mjs measures the crossover).
// Longer inputs go to the wasm core once init() has loaded it, in place when they already live in wasm memory.
import { getCore, SCRATCH_SIZE } from '../core/wasm.js';

/**
 * Inputs shorter than this are checksummed in JavaScript even when the wasm core is loaded. The wasm path, copy
 * included, overtook crc32cJs between 112 and 128 bytes (bench/crc32c.bench.mjs, crossover table).
 */
export const WASM_MIN_BYTES = 128;

let tables: Int32Array | undefined;

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[b] = c;
  }
  for (let i = 256; i < 2048; i++) t[i] = (t[i - 256]! >>> 8) ^ t[t[i - 256]! & 0xff]!;
  return t;
}

/** CRC-32C in JavaScript, slicing-by-8. Continues from `crc` (a previous result; 0 to start). */
export function crc32cJs(data: Uint8Array, crc = 0): number {
  const t = (tables ??= buildTables());
  let r = ~crc;
  let i = 0;
  const n = data.length;
  for (const end8 = n - 7; i < end8; i += 8) {
    const a = r ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    r = t[1792 + (a & 0xff)]! ^ t[1536 + ((a >>> 8) & 0xff)]! ^ t[1280 + ((a >>> 16) & 0xff)]! ^ t[1024 + (a >>> 24)]! ^
      t[768 + data[i + 4]!]! ^ t[512 + data[i + 5]!]! ^ t[256 + data[i + 6]!]! ^ t[data[i + 7]!]!;
  }
  for (; i < n; i++) r = (r >>> 8) ^ t[(r ^ data[i]!) & 0xff]!;
  return ~r >>> 0;
}

/**
 * CRC-32C (Castagnoli) of `data`, continuing from `crc` (a previous result; default 0), so
 * `crc32c(b, crc32c(a)) === crc32c(concat(a, b))`. Known answer: crc32c("123456789") === 0xE3069283.
 */
export function crc32c(data: Uint8Array, crc = 0): number {
  const core = getCore();
  if (core === undefined || data.length < WASM_MIN_BYTES) return crc32cJs(data, crc);
  const memory = core.bytes();
  if (data.buffer === memory.buffer) return core.api.crc32c(crc, data.byteOffset, data.length);
  for (let at = 0; at < data.length; at += SCRATCH_SIZE) {
    const piece = data.subarray(at, at + SCRATCH_SIZE);
    memory.set(piece, core.scratch);
    crc = core.api.crc32c(crc, core.scratch, piece.length);
  }
  return crc;
}
