// Loading the wasm core: the only importer of the generated bindings. The Core object made here is for src/core
// alone (ring.ts, ring-storage.ts, bell.ts, crc32c.ts), which give the layers above objects and functions — frames,
// views, counts — never raw exports or addresses (docs/architecture.md, "The wasm border").
import { instantiate } from '../../build/swarmwire.js';
import { defaultWasm } from './wasm-source.js';
import { RegionAllocator, createSharedMemory } from './memory.js';

/** The core's exports as the generated raw bindings present them. @internal */
export type WasmApi = Awaited<ReturnType<typeof instantiate>>;

/** Bytes of the per-thread area that CRC input is copied through when it lives outside wasm memory. */
export const SCRATCH_SIZE = 64 * 1024;

/** A loaded core: one instance on one (shared) memory, for this thread. @internal */
export interface Core {
  readonly api: WasmApi;
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly regions: RegionAllocator;
  /** This thread's scratch area (SCRATCH_SIZE bytes). */
  readonly scratch: number;
  /** A byte view of the whole memory, rebuilt when the memory grows. */
  bytes(): Uint8Array;
}

/** What init() accepts as the compiled core. */
export type WasmSource = WebAssembly.Module | ArrayBuffer | Uint8Array<ArrayBuffer> | Response | PromiseLike<Response> | URL | string;

export interface InitOptions {
  /**
   * The compiled core, its bytes, a Response or a URL. Cloudflare Workers must pass the `WebAssembly.Module`
   * they import, as compiling from bytes is forbidden there. Default: swarmwire.wasm next to the bundle (inlined in
   * the script-tag build).
   */
  wasm: WasmSource;
  /** A shared memory made by another thread's init(), to join it (rings between workers live in it). Default: a new one. */
  memory: WebAssembly.Memory;
}

/** What init() gives back: the module and memory to hand to other threads. */
export interface CoreHandle {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
}

let current: Core | undefined;
let loading: Promise<Core> | undefined;

/** The loaded core, or undefined before init() has finished (src/core's callers fall back to JavaScript then). @internal */
export function getCore(): Core | undefined {
  return current;
}

/**
 * Loads the wasm core for this thread. Safe to call many times: later calls get the first call's result.
 * Everything works before it resolves; the core then speeds up checksums and enables shared-memory rings.
 */
export async function init(options: Readonly<Partial<InitOptions>> = {}): Promise<CoreHandle> {
  loading ??= load(options).then(
    (core) => (current = core),
    (error: unknown) => {
      loading = undefined; // let a later call retry, e.g. with another source
      throw error;
    },
  );
  const core = await loading;
  return { module: core.module, memory: core.memory };
}

async function compile(source: WasmSource | undefined): Promise<WebAssembly.Module> {
  if (source === undefined) return defaultWasm();
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return WebAssembly.compile(source);
  const response = await (typeof source === 'string' || source instanceof URL ? fetch(source) : source);
  if (!response.ok) throw new Error(`[swarmwire] cannot load the wasm core: HTTP ${response.status}`);
  return WebAssembly.compile(await response.arrayBuffer());
}

async function load(options: Readonly<Partial<InitOptions>>): Promise<Core> {
  const module = await compile(options.wasm);
  const memory = options.memory ?? createSharedMemory();
  const api = await instantiate(module, { env: { memory } });
  if (api.tablesAt() === 0) throw new Error('[swarmwire] wasm core built with its CRC tables out of place');
  api.crc32cInit(); // computes the CRC tables into this memory, once per memory (they are not shipped in the module)
  const regions = new RegionAllocator(memory, (api.heapBase() + 63) & -64);
  const scratch = regions.alloc(SCRATCH_SIZE);
  let view = new Uint8Array(memory.buffer);
  return {
    api, module, memory, regions, scratch,
    bytes() {
      if (view.byteLength !== memory.buffer.byteLength) view = new Uint8Array(memory.buffer);
      return view;
    },
  };
}
