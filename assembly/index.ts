// The wasm core: one module, instantiated once per thread on one shared memory.
// Rules that keep several instances on one memory safe (docs/architecture.md):
// no allocation, no writes to static data, no throw, no waiting. Working areas live at offsets JS assigns.
// Every export here is called by src/core/ and nowhere else; code only a test would call does not belong here.
export { crc32c, crc32cInit, tablesAt } from './crc32c';

/** First byte above the static data: JS places its regions at or after this offset. */
export function heapBase(): usize {
  return __heap_base;
}
export { ringInit, ringMaxRecord, ringReserveOne, ringReserve, ringCommit, ringUsed, ringDrain, ringRelease } from './ring';
