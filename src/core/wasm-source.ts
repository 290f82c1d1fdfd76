// Where the compiled core comes from when init() is given nothing. The script-tag build swaps this file for one
// with the module inlined (scripts/build.mjs); everything else reads swarmwire.wasm next to the bundle.

/** The .wasm next to this module, compiled. */
export async function defaultWasm(): Promise<WebAssembly.Module> {
  const url = new URL('./swarmwire.wasm', import.meta.url);
  // Node's fetch() does not read file: URLs; Deno's and browsers' do.
  const isNode = typeof process !== 'undefined' && !!process.versions?.node && !('Deno' in globalThis);
  if (url.protocol === 'file:' && isNode) {
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`[swarmwire] cannot load ${url.href}: HTTP ${response.status}`);
  // compileStreaming insists on the application/wasm MIME type; plain file servers often send another.
  return response.headers.get('content-type')?.startsWith('application/wasm')
    ? WebAssembly.compileStreaming(response)
    : WebAssembly.compile(await response.arrayBuffer());
}
