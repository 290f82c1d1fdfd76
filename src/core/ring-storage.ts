// Where a link's rings live in the shared memory, and reserving that memory: the storage, made apart from the
// objects that use it (ringbuf.js's getStorageForCapacity, then one RingEnd per side wraps it: ./ring.ts). Nothing
// outside src/core reads these addresses; a RingStorage crosses to the other thread as an opaque value.
//
// A link joins two endpoints, one direction each way, three priority lanes per direction (docs/architecture.md):
//
//   base +0    control line of direction 0 (side 0 → side 1), 64 B: Int32 slots, see CTRL_*
//   base +64   control line of direction 1
//   base +128  six rings, direction 0 lanes Critical, High, Low, then direction 1's: each RING_HEADER + laneBytes
import { type Core, getCore } from './wasm.js';

/** Bytes before a ring's data: head, tail and capacity, each on its own 64-byte line (assembly/ring.ts). */
const RING_HEADER = 192;
const LINK_HEADER = 128;
/** Int32 slots of a direction's control line. */
export const CTRL_PRODUCER_WAITING = 0; // 1 while the producer holds frames the ring had no room for
export const CTRL_CONSUMER_BELL = 1; // address of the consumer thread's bell (0: not attached yet)
export const CTRL_PRODUCER_BELL = 2; // address of the producer thread's bell
/** Records one drain call reports at most (and one batched reserve places); the lists hold this many entries. */
export const DRAIN_MAX = 512;

/** Where a link lives: its base address and the data bytes of each of its six rings. Plain data, posted as it is. */
export interface RingStorage {
  readonly base: number;
  readonly laneBytes: number;
}

/** Bytes a link takes. */
function linkSize(laneBytes: number): number {
  return LINK_HEADER + 6 * (RING_HEADER + laneBytes);
}

/** Address of the ring of `lane` (0 Critical, 1 High, 2 Low) carrying `direction`. */
export function ringAt(link: RingStorage, direction: 0 | 1, lane: number): number {
  return link.base + LINK_HEADER + (direction * 3 + lane) * (RING_HEADER + link.laneBytes);
}

/** Int32 index (into the memory as an Int32Array) of a control slot of `direction`. */
export function ctrlIndex(link: RingStorage, direction: 0 | 1, slot: number): number {
  return ((link.base + direction * 64) >>> 2) + slot;
}

/** The loaded core, or a clear error if init() has not finished. */
export function ringCore(): Core {
  const core = getCore();
  if (!core) throw new Error('[swarmwire] rings need the wasm core: await init() first');
  return core;
}

// Links are never returned to the region allocator (it only bumps); finished links wait here, per memory and lane
// size, for the next link of that size, so opening and closing connections does not exhaust the memory.
const pools = new WeakMap<WebAssembly.Memory, Map<number, number[]>>();

/**
 * Reserves (or reuses) the memory of a link with empty rings of `laneBytes` each (a power of two from 64 to 2^30),
 * in the shared memory init() loaded. Throws before init() has finished, or for a bad size.
 */
export function ringStorage(laneBytes: number): RingStorage {
  if (laneBytes < 64 || (laneBytes & (laneBytes - 1)) !== 0 || laneBytes > 1 << 30) {
    throw new RangeError(`[swarmwire] ring size ${laneBytes} is not a power of two between 64 and 2^30`);
  }
  const core = ringCore();
  let pool = pools.get(core.memory);
  if (!pool) pools.set(core.memory, (pool = new Map()));
  const base = pool.get(laneBytes)?.pop() ?? core.regions.alloc(linkSize(laneBytes));
  const link = { base, laneBytes };
  const slots = new Int32Array(core.memory.buffer);
  for (let i = 0; i < LINK_HEADER / 4; i++) Atomics.store(slots, (base >>> 2) + i, 0);
  for (const direction of [0, 1] as const) {
    for (let lane = 0; lane < 3; lane++) core.api.ringInit(ringAt(link, direction, lane), laneBytes);
  }
  return link;
}

/** Gives a link whose both endpoints are done back for reuse by ringStorage() on this thread. */
export function recycleStorage(core: Core, link: RingStorage): void {
  let pool = pools.get(core.memory);
  if (!pool) pools.set(core.memory, (pool = new Map()));
  const list = pool.get(link.laneBytes) ?? [];
  list.push(link.base);
  pool.set(link.laneBytes, list);
}

/** A per-endpoint working area: the length and address lists for batched reserves and the drain list. */
export interface EndpointScratch {
  readonly lens: number;
  readonly addrs: number;
  readonly drain: number;
}

// Finished endpoints' areas, per memory, for the next endpoint of this thread.
const scratchPools = new WeakMap<WebAssembly.Memory, EndpointScratch[]>();

/** Reserves (or reuses) an endpoint's working area. */
export function endpointScratch(core: Core): EndpointScratch {
  const reused = scratchPools.get(core.memory)?.pop();
  if (reused) return reused;
  const at = core.regions.alloc(DRAIN_MAX * 4 * 2 + 8 + DRAIN_MAX * 8);
  return { lens: at, addrs: at + DRAIN_MAX * 4, drain: at + DRAIN_MAX * 8 };
}

/** Gives a finished endpoint's working area back for reuse on this thread. */
export function recycleScratch(core: Core, scratch: EndpointScratch): void {
  let pool = scratchPools.get(core.memory);
  if (!pool) scratchPools.set(core.memory, (pool = []));
  pool.push(scratch);
}
