// Duplicate detection for acked frames, as IPsec and DTLS do anti-replay: the highest request id seen plus a
// bitmap of the WINDOW ids below it. Acked ids come from the sender's monotonic counter, so a resent frame
// carries an id the window remembers. Ids can arrive out of order (priority lanes drain critical frames first),
// which is why this is a window and not a single watermark. An id that fell out of the window is treated as
// seen: the sender keeps far fewer than WINDOW frames unacked, so only a duplicate can be that old.

/** Ids remembered below the highest one seen. */
export const WINDOW = 1 << 16;

export class ReplayWindow {
  #top = 0;
  /**
   * The bitmap, 8 KiB, made when the first acked frame arrives: most peers of a relay never send one, and eager
   * it was the largest part of an idle peer's memory (bench/relay-scale.bench.mjs).
   */
  #bits: Uint32Array | undefined;

  /** True the first time `id` is offered (deliver it), false for a repeat (drop it, but ack it again). */
  accept(id: number): boolean {
    this.#bits ??= new Uint32Array(WINDOW / 32);
    if (id > this.#top) {
      if (id - this.#top >= WINDOW) this.#bits!.fill(0);
      else for (let i = this.#top + 1; i < id; i++) this.#clear(i);
      this.#top = id;
      this.#set(id);
      return true;
    }
    if (this.#top - id >= WINDOW) return false;
    const word = (id % WINDOW) >>> 5;
    const mask = 1 << (id & 31);
    const bits = this.#bits;
    if (bits[word]! & mask) return false;
    bits[word]! |= mask;
    return true;
  }

  #set(id: number): void {
    this.#bits![(id % WINDOW) >>> 5]! |= 1 << (id & 31);
  }

  #clear(id: number): void {
    this.#bits![(id % WINDOW) >>> 5]! &= ~(1 << (id & 31));
  }
}
