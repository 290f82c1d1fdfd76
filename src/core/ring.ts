// One side of a ring link: the object that owns every read of the rings' memory layout and every call into the
// ring's wasm exports, so that transports see frames and counts, never addresses. In ringbuf.js's manner, the
// storage is made apart (ringStorage(), ./ring-storage.ts) and each side wraps the same shared memory with a
// RingEnd of its own (side 0 sends on direction 0, side 1 on direction 1).
//
// Producer: reserve() copies a frame into a lane's ring, invisible until commit() publishes every lane with one
// atomic store each. Consumer: drain() walks a lane's published records, checking them in place; record(i) is
// one of them as a view into the ring; release() gives them all back with one atomic store. Beside it, the
// wake-up protocol: commit() rings the consumer's bell if it sleeps, release() rings the producer's if it said it
// waits for room (wantRoom()). Single-threaded per side, like every ring: one RingEnd per side of a link.
import { Bell, ringBell } from './bell.js';
import {
  CTRL_CONSUMER_BELL, CTRL_PRODUCER_BELL, CTRL_PRODUCER_WAITING, DRAIN_MAX, type EndpointScratch, type RingStorage,
  ctrlIndex, endpointScratch, recycleScratch, recycleStorage, ringAt, ringCore,
} from './ring-storage.js';
import { type Core, type WasmApi } from './wasm.js';

export { type RingStorage, ringStorage } from './ring-storage.js';

/** Status of a drain whose records were all good (the wire's Status.Success). */
export const RING_OK = 0;
/** Set on a record length to tag the record as whole frames, checked by the consumer (assembly/ring.ts). */
const FRAMES_BIT = 0x8000_0000;

/**
 * Ring bytes a payload of `size` bytes takes: its 8-byte record header, padded to 8 (assembly/ring.ts). Counting
 * frames this way makes a frame weigh the same before and after it is published.
 */
export const recordBytes = (size: number): number => (size + 15) & ~7;

/** A batch of frames to place in order: the `i`-th from the first. */
export interface FrameList {
  readonly length: number;
  at(i: number): Uint8Array;
}

export interface RingEndOptions {
  /** Whether `bytes` are whole frames, which the consumer then checks in place; anything else travels unchecked. */
  framed(bytes: Uint8Array): boolean;
  /** Largest frame payload the consumer's in-place check accepts. */
  maxPayload: number;
}

export class RingEnd {
  /** This thread's bell, the one the other side rings: the thread's loop sleeps on it. */
  readonly bell: Bell;
  /** Data bytes of each ring. */
  readonly laneBytes: number;
  /** The largest record one ring takes: half of it, less the record header. */
  readonly maxRecord: number;
  readonly #core: Core;
  readonly #api: WasmApi;
  readonly #storage: RingStorage;
  readonly #tx: readonly number[];
  readonly #rx: readonly number[];
  readonly #scratch: EndpointScratch;
  /** The drain list's Uint32 index: status, tail, then (address, length) pairs. */
  readonly #list: number;
  readonly #framed: (bytes: Uint8Array) => boolean;
  readonly #maxPayload: number;
  /** Int32 indices of the control slots this side reads or writes. */
  readonly #consumerBell: number;
  readonly #ourWaiting: number;
  readonly #peerWaiting: number;
  readonly #producerBell: number;
  /** Record bytes reserved and not yet published, and the lanes (bit per lane) holding them. */
  #reserved = 0;
  #dirty = 0;
  /** The last drain: its lane, its record count, its status and the tail that releases it. */
  #drainLane = 0;
  #drained = 0;
  #status = RING_OK;
  #tail = 0;
  // Views of the memory, re-made only when it has grown past them: reading memory.buffer of a shared memory costs
  // more than the copy of a small frame. #buffer is kept because views made from it directly cost half what
  // subarray() does.
  #bytes!: Uint8Array;
  #buffer!: ArrayBufferLike;
  #u32!: Uint32Array;
  #i32!: Int32Array;

  /** Wraps `storage` (from ringStorage(), here or in the thread that made it) as `side`. Needs init() done. */
  constructor(storage: RingStorage, side: 0 | 1, options: Readonly<RingEndOptions>) {
    const core = ringCore();
    this.#core = core;
    this.#api = core.api;
    this.#storage = storage;
    this.laneBytes = storage.laneBytes;
    const incoming = side === 0 ? 1 : 0;
    this.#tx = [0, 1, 2].map((lane) => ringAt(storage, side, lane));
    this.#rx = [0, 1, 2].map((lane) => ringAt(storage, incoming, lane));
    this.maxRecord = this.#api.ringMaxRecord(this.#tx[0]!);
    this.#scratch = endpointScratch(core);
    this.#list = this.#scratch.drain >>> 2;
    this.#framed = options.framed;
    this.#maxPayload = options.maxPayload;
    this.#consumerBell = ctrlIndex(storage, side, CTRL_CONSUMER_BELL);
    this.#ourWaiting = ctrlIndex(storage, side, CTRL_PRODUCER_WAITING);
    this.#peerWaiting = ctrlIndex(storage, incoming, CTRL_PRODUCER_WAITING);
    this.#producerBell = ctrlIndex(storage, incoming, CTRL_PRODUCER_BELL);
    this.#refresh();
    // Tell the other side where to ring this thread: as consumer of the incoming direction, producer of the outgoing.
    this.bell = Bell.of(core);
    Atomics.store(this.#i32, ctrlIndex(storage, incoming, CTRL_CONSUMER_BELL), this.bell.address);
    Atomics.store(this.#i32, ctrlIndex(storage, side, CTRL_PRODUCER_BELL), this.bell.address);
  }

  /** Bytes the outgoing rings can hold at most, reserved and published together (three lanes). */
  get capacity(): number {
    return 3 * this.laneBytes;
  }

  /** Record bytes reserved and not yet published. */
  get reserved(): number {
    return this.#reserved;
  }

  /**
   * Copies `frame` into `lane`'s ring (0 Critical, 1 High, 2 Low) if it has room now, as one record; the consumer
   * sees it after commit(). Says whether it did. `frame` must be at most maxRecord bytes.
   */
  reserve(lane: number, frame: Uint8Array): boolean {
    const size = frame.byteLength;
    const at = this.#api.ringReserveOne(this.#tx[lane]!, this.#framed(frame) ? (size | FRAMES_BIT) >>> 0 : size);
    if (at === 0) return false;
    this.#place(lane, frame, at);
    return true;
  }

  /**
   * reserve() for the frames of `frames` in order, from the first, while they fit: many per wasm call. Returns how
   * many it placed.
   */
  reserveFrom(lane: number, frames: FrameList): number {
    const { lens, addrs } = this.#scratch;
    const ring = this.#tx[lane]!;
    let done = 0;
    while (done < frames.length) {
      const n = Math.min(DRAIN_MAX, frames.length - done);
      let u32 = this.#u32;
      for (let i = 0; i < n; i++) {
        const frame = frames.at(done + i);
        u32[(lens >>> 2) + i] = this.#framed(frame) ? (frame.byteLength | FRAMES_BIT) >>> 0 : frame.byteLength;
      }
      const k = this.#api.ringReserve(ring, lens, n, addrs);
      for (let i = 0; i < k; i++) {
        this.#place(lane, frames.at(done + i), u32[(addrs >>> 2) + i]!);
        u32 = this.#u32; // #place re-makes the views if the memory grew
      }
      done += k;
      if (k < n) break;
    }
    return done;
  }

  /** Publishes every lane's reserved records (one atomic store each) and rings the consumer if it sleeps. */
  commit(): void {
    const dirty = this.#dirty;
    for (let lane = 0; lane < 3; lane++) if (dirty & (1 << lane)) this.#api.ringCommit(this.#tx[lane]!);
    this.#dirty = 0;
    this.#reserved = 0;
    const bell = Atomics.load(this.#i32, this.#consumerBell);
    if (bell !== 0) ringBell(this.#slotsTo(bell), bell);
  }

  /** Bytes in the outgoing rings: reserved, or published and not yet released by the consumer. */
  outgoing(): number {
    let used = this.#reserved;
    for (const ring of this.#tx) used += this.#api.ringUsed(ring);
    return used;
  }

  /**
   * Asks the consumer to ring this thread's bell when it frees room (`true`), or stops asking. Set it, then look
   * for room once more: the consumer may have freed some before it could see the flag.
   */
  wantRoom(on: boolean): void {
    Atomics.store(this.#i32, this.#ourWaiting, on ? 1 : 0);
  }

  /**
   * Walks `lane`'s published records without releasing them — up to 512, and an eighth of the ring once it has one
   * — checking those tagged as frames in place (header, exact lengths, CRC-32C when flagged). Returns how many are
   * good; read them with record(), then release().
   */
  drain(lane: number): number {
    const n = this.#api.ringDrain(this.#rx[lane]!, this.#scratch.drain, DRAIN_MAX, this.#maxPayload);
    this.#status = this.#u32[this.#list]!;
    this.#tail = this.#u32[this.#list + 1]!;
    this.#drainLane = lane;
    this.#drained = n;
    return n;
  }

  /**
   * drain() of the highest-priority lane that has records (Critical, then High, then Low); 0 when none has. Frames
   * keep their send order across lanes: the producer publishes lanes in that order, so a record on a higher lane
   * sent before the ones just drained (a HelloDone before a session's first frames) is visible once those are, and
   * if it landed after its lane was looked at, this drain is dropped unreleased and that lane drained first.
   */
  drainFirst(): number {
    let recheck = true;
    for (let lane = 0; lane < 3; lane++) {
      const n = this.drain(lane);
      if (n === 0 && this.#status === RING_OK) continue;
      if (recheck && lane > 0 && this.#higherLaneUsed(lane)) {
        // Nothing is released: the next drain of this lane walks the same records again.
        this.#drained = 0;
        this.#status = RING_OK;
        recheck = false; // once is enough: what was published before these records is visible now
        lane = -1;
        continue;
      }
      return n;
    }
    return 0;
  }

  /** The `i`-th record of the last drain, as a view into the ring (made per call), valid until release(). */
  record(i: number): Uint8Array {
    const d = this.#list + 2 + 2 * i;
    const at = this.#u32[d]!;
    const len = this.#u32[d + 1]!;
    if (at + len > this.#bytes.byteLength) this.#refresh();
    return new Uint8Array(this.#buffer, at, len);
  }

  /**
   * Gives the last drain's records back to the producer (one atomic store) and rings it if it waits for room.
   * Returns the drain's status: RING_OK, or the wire Status of the bad record that stopped it (the link cannot
   * resync past it without a gap).
   */
  release(): number {
    const status = this.#status;
    if (this.#drained > 0 || status !== RING_OK) {
      this.#api.ringRelease(this.#rx[this.#drainLane]!, this.#tail);
      if (Atomics.load(this.#i32, this.#peerWaiting) !== 0) {
        const bell = Atomics.load(this.#i32, this.#producerBell);
        if (bell !== 0) ringBell(this.#slotsTo(bell), bell);
      }
    }
    this.#drained = 0;
    this.#status = RING_OK;
    return status;
  }

  #higherLaneUsed(lane: number): boolean {
    for (let l = 0; l < lane; l++) if (this.#api.ringUsed(this.#rx[l]!) !== 0) return true;
    return false;
  }

  /** Whether every incoming ring is empty (published records all released). */
  incomingEmpty(): boolean {
    for (const ring of this.#rx) if (this.#api.ringUsed(ring) !== 0) return false;
    return true;
  }

  /** Gives this side's working area back for the next RingEnd of this thread. Call once, when done. */
  free(): void {
    recycleScratch(this.#core, this.#scratch);
  }

  /** Gives the link's storage back for reuse on this thread, once both sides are done with it. */
  freeStorage(): void {
    recycleStorage(this.#core, this.#storage);
  }

  /** Copies `frame` to `at` in `lane`'s ring, reserved and not yet published. */
  #place(lane: number, frame: Uint8Array, at: number): void {
    const size = frame.byteLength;
    if (at + size > this.#bytes.byteLength) this.#refresh();
    this.#bytes.set(frame, at);
    this.#reserved += recordBytes(size);
    this.#dirty |= 1 << lane;
  }

  /** The memory as Int32 slots, reaching the word at `address` (another thread's bell may lie past our views). */
  #slotsTo(address: number): Int32Array {
    if (address >= this.#bytes.byteLength) this.#refresh();
    return this.#i32;
  }

  #refresh(): void {
    this.#buffer = this.#core.memory.buffer;
    this.#bytes = new Uint8Array(this.#buffer);
    this.#u32 = new Uint32Array(this.#buffer);
    this.#i32 = new Int32Array(this.#buffer);
  }
}
