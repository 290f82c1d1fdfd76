// CRC-32C of lite frames: JavaScript (wire/crc32c.ts, slicing-by-16) until init() has loaded swarmwire-lite.wasm,
// then wasm for inputs of 128 bytes and more (the full SDK's measured crossover, WASM_MIN_BYTES). The lite module
// is the CRC kernel alone on a memory of its own (assembly/lite.ts): 1.1 KB gzipped instead of the full core's
// 2.3 KB, and no shared memory, so it loads on pages that are not cross-origin isolated too.
import { fetchWasm } from '../core/fetch-wasm.js';
import { WASM_MIN_BYTES, crc32cJs } from '../wire/crc32c.js';

/** What init() accepts as the lite wasm core. */
export type LiteWasmSource = WebAssembly.Module | ArrayBuffer | Uint8Array<ArrayBuffer> | Response | URL | string;

/** Options of init(). */
export interface LiteInitOptions {
  /** The compiled module, its bytes, a Response or a URL. Default: swarmwire-lite.wasm next to the bundle. */
  wasm: LiteWasmSource;
}

interface LiteCore {
  crc(crc: number, at: number, n: number): number;
  memory: WebAssembly.Memory;
  /** Where input is copied to (64 KiB), above the CRC tables and static data. */
  at: number;
}

const SCRATCH = 64 * 1024;
let core: LiteCore | undefined;
let loading: Promise<WebAssembly.Module> | undefined;

/**
 * Loads the lite wasm core (optional: everything works without it; it speeds up checksums of large frames).
 * Safe to call many times. Resolves with the compiled module. Options: wasm (swarmwire-lite.wasm next to the bundle).
 */
export function init(options: Readonly<Partial<LiteInitOptions>> = {}): Promise<WebAssembly.Module> {
  return (loading ??= load(options.wasm ?? new URL('./swarmwire-lite.wasm', import.meta.url)).catch((error: unknown) => {
    loading = undefined; // a later call may retry, e.g. with another source
    throw error;
  }));
}

async function load(source: LiteWasmSource): Promise<WebAssembly.Module> {
  let module: WebAssembly.Module;
  if (source instanceof WebAssembly.Module) module = source;
  else if (source instanceof Uint8Array || source instanceof ArrayBuffer) module = await WebAssembly.compile(source);
  else if (source instanceof Response) module = await WebAssembly.compile(await source.arrayBuffer());
  else module = await fetchWasm(new URL(source, import.meta.url));
  const memory = new WebAssembly.Memory({ initial: 2 });
  const x = (await WebAssembly.instantiate(module, { env: { memory } })).exports as {
    crc32c(crc: number, at: number, n: number): number;
    crc32cInit(): void;
    heapBase(): number;
  };
  x.crc32cInit(); // computes the tables into this memory (they are not shipped in the module)
  const at = ((x.heapBase() >>> 0) + 63) & -64;
  const missing = at + SCRATCH - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / 65536));
  core = { crc: (crc, p, n) => x.crc32c(crc, p, n) >>> 0, memory, at };
  return module;
}

/** CRC-32C of data[from..to): in wasm once init() has loaded it and the range is long enough, else in JavaScript. */
export function crcRange(data: Uint8Array, from: number, to: number): number {
  if (!core || to - from < WASM_MIN_BYTES) return crc32cJs(data.subarray(from, to));
  const bytes = new Uint8Array(core.memory.buffer);
  let crc = 0;
  for (let at = from; at < to; at += SCRATCH) {
    const piece = data.subarray(at, Math.min(to, at + SCRATCH));
    bytes.set(piece, core.at);
    crc = core.crc(crc, core.at, piece.length);
  }
  return crc;
}

/** CRC-32C (Castagnoli) of `data`. Known answer: crc32c("123456789") === 0xE3069283. */
export function crc32c(data: Uint8Array): number {
  return crcRange(data, 0, data.length);
}
