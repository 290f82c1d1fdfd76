// Regions in the shared WebAssembly memory. The wasm core never allocates (every instance on a shared memory would
// hand out the same addresses), so JS assigns working areas here: a bump allocator whose pointer lives in the memory
// itself, moved with compare-and-swap, so every thread that joins the memory allocates from the same pool.
// Regions are never freed: they hold long-lived structures (rings, scratch space) that live as long as the memory.

const PAGE = 65536;
const DIRECTORY_MAGIC = 0x5357_4d31; // "SWM1"
const DIRECTORY_SIZE = 64;
// Int32 slots of the directory.
const SLOT_MAGIC = 0;
const SLOT_NEXT = 1;

/** Default maximum size of a shared memory, in 64 KiB pages (256 MiB); the module allows up to 1 GiB. */
export const DEFAULT_MAXIMUM_PAGES = 4096;

export class RegionAllocator {
  readonly memory: WebAssembly.Memory;
  readonly #dir: number;

  /** Wraps `memory`, writing a fresh directory at `directory` unless one is there already. */
  constructor(memory: WebAssembly.Memory, directory: number) {
    this.memory = memory;
    this.#dir = directory >>> 2;
    const slots = new Int32Array(memory.buffer);
    if (Atomics.load(slots, this.#dir + SLOT_MAGIC) !== DIRECTORY_MAGIC) {
      // Another thread could be initialising the same memory: only the first CAS wins.
      if (Atomics.compareExchange(slots, this.#dir + SLOT_NEXT, 0, directory + DIRECTORY_SIZE) === 0) {
        Atomics.store(slots, this.#dir + SLOT_MAGIC, DIRECTORY_MAGIC);
      }
    }
  }

  /** Reserves `size` bytes aligned to `align` (a power of two, default 64: one cache line), growing the memory. */
  alloc(size: number, align = 64): number {
    const slots = new Int32Array(this.memory.buffer, 0, this.#dir + DIRECTORY_SIZE / 4);
    for (;;) {
      const next = Atomics.load(slots, this.#dir + SLOT_NEXT);
      const start = (next + align - 1) & -align;
      const end = start + size;
      if (Atomics.compareExchange(slots, this.#dir + SLOT_NEXT, next, end) !== next) continue;
      const have = this.memory.buffer.byteLength;
      if (end > have) {
        try {
          this.memory.grow(Math.ceil((end - have) / PAGE));
        } catch (cause) {
          throw new RangeError(`[swarmwire] shared memory exhausted: cannot reserve ${size} bytes`, { cause });
        }
      }
      return start;
    }
  }
}

/** Creates a shared memory big enough for the module's static data, with room to grow. */
export function createSharedMemory(maximumPages = DEFAULT_MAXIMUM_PAGES): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 2, maximum: maximumPages, shared: true });
}
