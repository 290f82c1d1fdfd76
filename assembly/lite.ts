// The wasm core of swarmwire/lite: CRC-32C only (the kernel of crc32c.ts), on a memory of its own — lite shares
// nothing between threads, so the module needs no shared memory (which pages that are not cross-origin isolated
// cannot create) and leaves out the header codec, FNV and the ring. Built by scripts/build.mjs into
// dist/swarmwire-lite.wasm; the rules of index.ts still hold (no allocation, no throw).
export { crc32c, crc32cInit, tablesAt } from './crc32c';

/** First byte above the static data: lite's scratch area starts at or after this offset. */
export function heapBase(): usize {
  return __heap_base;
}
