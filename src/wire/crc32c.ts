// CRC-32C of bytes anywhere. Short inputs are checksummed in JavaScript: below WASM_MIN_BYTES the call into wasm
// (and the copy into its memory) costs more than the arithmetic (bench/crc32c.bench.mjs measures the crossover).
// Longer inputs go to the wasm core once init() has loaded it (src/core/crc32c.ts: in place when they already live in
// wasm memory).
import { crc32cWasm } from '../core/crc32c.js';

/**
 * Inputs shorter than this are checksummed in JavaScript even when the wasm core is loaded. The wasm path, copy
 * included, overtook crc32cJs between 112 and 128 bytes (bench/crc32c.bench.mjs, crossover table).
 */
export const WASM_MIN_BYTES = 128;

/** 16 slicing tables in one array: T[k·256 + b] = the register after byte b followed by k zero bytes. */
function buildTables(): Int32Array {
  const t = new Int32Array(16 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[b] = c;
  }
  for (let i = 256; i < t.length; i++) t[i] = (t[i - 256]! >>> 8) ^ t[t[i - 256]! & 0xff]!;
  return t;
}

/**
 * The slicing-by-16 loop, as a closure over its tables: in Node 20 it ran ~25 % faster than the same loop reading
 * its table from a module-level variable (timed against crc-32 at 64 B and 1 KiB), which puts it level with crc-32
 * (bench/crc32c.bench.mjs, "swarmwire JS path"). The first 4 bytes of each step meet the register; the other 12 index their tables directly, which keeps
 * the dependency chain short. Returns the register signed; callers make it unsigned.
 */
function makeSlicer(): Slicer {
  const t = buildTables();
  return (data, crc, i, n) => {
    let r = ~crc;
    for (const end16 = n - 15; i < end16; i += 16) {
      r = t[3840 + ((data[i]! ^ r) & 0xff)]! ^ t[3584 + ((data[i + 1]! ^ (r >>> 8)) & 0xff)]! ^
        t[3328 + ((data[i + 2]! ^ (r >>> 16)) & 0xff)]! ^ t[3072 + (data[i + 3]! ^ (r >>> 24))]! ^
        t[2816 + data[i + 4]!]! ^ t[2560 + data[i + 5]!]! ^ t[2304 + data[i + 6]!]! ^ t[2048 + data[i + 7]!]! ^
        t[1792 + data[i + 8]!]! ^ t[1536 + data[i + 9]!]! ^ t[1280 + data[i + 10]!]! ^ t[1024 + data[i + 11]!]! ^
        t[768 + data[i + 12]!]! ^ t[512 + data[i + 13]!]! ^ t[256 + data[i + 14]!]! ^ t[data[i + 15]!]!;
    }
    for (; i < n; i++) r = (r >>> 8) ^ t[(r ^ data[i]!) & 0xff]!;
    return ~r;
  };
}

/** The register after data[from..to), from the register `crc` (signed). */
type Slicer = (data: Uint8Array, crc: number, from: number, to: number) => number;

// Made on first use, so importing the package computes no tables.
let slicer: Slicer | undefined;

/** CRC-32C in JavaScript, slicing-by-16. Continues from `crc` (a previous result; 0 to start). */
export function crc32cJs(data: Uint8Array, crc = 0): number {
  return (slicer ??= makeSlicer())(data, crc, 0, data.length) >>> 0;
}

/**
 * crc32c of data[from..to) without making a view of the range (a subarray() costs as much as the CRC of 32 bytes)
 * unless it must be copied into wasm memory. For frames, whose checksum covers header and payload in place. @internal
 */
export function crc32cRange(data: Uint8Array, from: number, to: number): number {
  if (to - from >= WASM_MIN_BYTES) {
    const crc = crc32cWasm(data, from, to, 0);
    if (crc >= 0) return crc;
  }
  return (slicer ??= makeSlicer())(data, 0, from, to) >>> 0;
}

/**
 * CRC-32C (Castagnoli) of `data`, continuing from `crc` (a previous result; default 0), so
 * `crc32c(b, crc32c(a)) === crc32c(concat(a, b))`. Known answer: crc32c("123456789") === 0xE3069283.
 */
export function crc32c(data: Uint8Array, crc = 0): number {
  // Short inputs first, without looking for the core: that is most calls (frame checksums), and every ns shows at 64 B.
  if (data.length >= WASM_MIN_BYTES) {
    const result = crc32cWasm(data, 0, data.length, crc);
    if (result >= 0) return result;
  }
  return (slicer ??= makeSlicer())(data, crc, 0, data.length) >>> 0;
}
