// The frames a ring had no room for yet, in order, copied (the caller may reuse its buffer once send() returns).
// Copies go into reusable chunks rather than a fresh buffer each: slice() of a 4 KiB frame costs ~1 µs here
// (allocation and the garbage it leaves), a copy into a chunk ~0.2 µs, and a sender that outpaces the ring puts
// most of its frames through here.

/** Bytes of a chunk; a frame above half of it gets a buffer of its own. */
const CHUNK_BYTES = 128 * 1024;
/** Emptied chunks kept for reuse (beyond the one being written). */
const SPARE_CHUNKS = 4;

/** A FIFO of copied frames. The views it hands out stay valid until shift() passes them. */
export class FrameBacklog {
  #frames: Uint8Array[] = [];
  #head = 0;
  /** Chunks holding waiting frames, oldest first; the last is the one being written. */
  #chunks: Uint8Array[] = [];
  #writeAt = 0;
  #spare: Uint8Array[] = [];

  /** Frames waiting. */
  get length(): number {
    return this.#frames.length - this.#head;
  }

  /** The `i`-th waiting frame from the head (0: the oldest). */
  at(i: number): Uint8Array {
    return this.#frames[this.#head + i]!;
  }

  /** Appends a copy of `frame`. */
  push(frame: Uint8Array): void {
    const size = frame.byteLength;
    let chunk = this.#chunks[this.#chunks.length - 1];
    if (chunk === undefined || this.#writeAt + size > chunk.byteLength) {
      chunk = size > CHUNK_BYTES / 2 ? new Uint8Array(size) : (this.#spare.pop() ?? new Uint8Array(CHUNK_BYTES));
      this.#chunks.push(chunk);
      this.#writeAt = 0;
    }
    const copy = chunk.subarray(this.#writeAt, this.#writeAt + size);
    copy.set(frame);
    this.#writeAt += size;
    this.#frames.push(copy);
  }

  /** Drops the `n` oldest frames (they have been copied into the ring) and recycles the chunks they emptied. */
  shift(n: number): void {
    this.#head += n;
    if (this.#head === this.#frames.length) {
      this.#frames.length = 0;
      this.#head = 0;
      // Everything is out: keep writing the last chunk from its start, recycle the others.
      const last = this.#chunks.pop();
      for (const c of this.#chunks) this.#recycle(c);
      this.#chunks.length = 0;
      if (last !== undefined && last.byteLength === CHUNK_BYTES) this.#chunks.push(last);
      this.#writeAt = 0;
      return;
    }
    // Frames sit in the chunks in order: once the next frame is not in the oldest chunk, that chunk is empty.
    const next = this.#frames[this.#head]!.buffer;
    while (this.#chunks.length > 1 && this.#chunks[0]!.buffer !== next) this.#recycle(this.#chunks.shift()!);
    // Keep the array of frames from growing without bound while it never empties.
    if (this.#head > 4096 && this.#head * 2 > this.#frames.length) {
      this.#frames = this.#frames.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Drops every frame and chunk. */
  clear(): void {
    this.#frames = [];
    this.#head = 0;
    this.#chunks = [];
    this.#spare = [];
    this.#writeAt = 0;
  }

  #recycle(chunk: Uint8Array): void {
    if (chunk.byteLength === CHUNK_BYTES && this.#spare.length < SPARE_CHUNKS) this.#spare.push(chunk);
  }
}
