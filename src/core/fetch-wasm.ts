// Compiling a .wasm found at a URL, for every runtime that loads one: the core's default (wasm-source.ts; lite has
// no wasm). Its own file, because the script-tag and Workers builds swap wasm-source.ts for one with the module
// built in, and those bundles must not carry this.

/** The module at `url`, compiled. */
export async function fetchWasm(url: URL): Promise<WebAssembly.Module> {
  // Node's fetch() does not read file: URLs; Deno's and browsers' do.
  const isNode = typeof process !== 'undefined' && !!process.versions?.node && !('Deno' in globalThis);
  if (url.protocol === 'file:' && isNode) {
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(url));
  }
  const response = await fetch(url);
  // A 404 is nearly always a bundler that moved the code and left the wasm behind (esbuild does): say the ways out.
  if (!response.ok) throw new Error(`[swarmwire] cannot load ${url.href}: HTTP ${response.status}${response.status === 404 ? ' (bundled? import swarmwire/inline, copy swarmwire.wasm beside the bundle, or pass init({ wasm }))' : ''}`);
  // compileStreaming insists on the application/wasm MIME type; plain file servers often send another.
  return response.headers.get('content-type')?.startsWith('application/wasm')
    ? WebAssembly.compileStreaming(response)
    : WebAssembly.compile(await response.arrayBuffer());
}
