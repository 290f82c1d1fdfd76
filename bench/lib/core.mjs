// The wasm core through its raw bindings, on a shared memory of its own: to time the wasm paths in isolation,
// without the checks and copies of the public API. Needs `npm run build` (build/swarmwire.{js,wasm}).
import { readFileSync } from 'node:fs';
import { instantiate } from '../../build/swarmwire.js';

/** A fresh instance: `api` (the raw bindings), `bytes` (a view of the memory), `heap` (first free 64-byte line). */
export async function rawCore() {
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 16384, shared: true });
  const module = await WebAssembly.compile(readFileSync(new URL('../../build/swarmwire.wasm', import.meta.url)));
  const api = await instantiate(module, { env: { memory } });
  api.crc32cInit();
  return { api, memory, bytes: new Uint8Array(memory.buffer), heap: (api.heapBase() + 63) & -64 };
}
