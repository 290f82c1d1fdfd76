// Where the compiled core comes from when init() is given nothing. The script-tag build swaps this file for one
// with the module inlined (scripts/build.mjs); everything else reads swarmwire.wasm next to the bundle.
import { fetchWasm } from './fetch-wasm.js';

/** The .wasm next to this module, compiled. */
export function defaultWasm(): Promise<WebAssembly.Module> {
  return fetchWasm(new URL('./swarmwire.wasm', import.meta.url));
}
