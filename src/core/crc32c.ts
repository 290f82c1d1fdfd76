// CRC-32C in the wasm core, for src/wire/crc32c.ts: the one call it makes across the border. Deciding when wasm pays
// (input length, the JavaScript fallback) stays on the wire side; this file only knows where the bytes must be.
import { SCRATCH_SIZE, getCore } from './wasm.js';

/**
 * CRC-32C of data[from..to) in wasm, continuing from `crc`: in place when the bytes already live in the core's
 * memory, else copied through this thread's scratch area, 64 KiB at a time. Returns -1 before init() has loaded the
 * core; the caller computes it in JavaScript then.
 */
export function crc32cWasm(data: Uint8Array, from: number, to: number, crc: number): number {
  const core = getCore();
  if (core === undefined) return -1;
  const memory = core.bytes();
  if (data.buffer === memory.buffer) return core.api.crc32c(crc, data.byteOffset + from, to - from);
  for (let at = from; at < to; at += SCRATCH_SIZE) {
    const piece = data.subarray(at, Math.min(to, at + SCRATCH_SIZE));
    memory.set(piece, core.scratch);
    crc = core.api.crc32c(crc, core.scratch, piece.length);
  }
  return crc;
}
