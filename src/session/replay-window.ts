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

  /**
   * True the first time `id` is offered (deliver it), false for a repeat (drop it, but ack it again). Ids stay below
   * 2^53 (docs/protocol.md, "Request ids"), and callers refuse others with a typed error first: past 2^53 a number
   * cannot count by one (id + 1 === id), and the loop below turned for ever — two frames hung a relay. Here such an
   * id is never accepted, whoever calls.
   */
  accept(id: number): boolean {
    if (!isRequestId(id)) return false;
    this.#bits ??= new Uint32Array(WINDOW / 32);
    if (id > this.#top) {
      if (id - this.#top >= WINDOW) this.#bits!.fill(0);
      else this.#clearRange(this.#top + 1, id);
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

  /**
   * Forgets ids `from` to `to - 1` (fewer than WINDOW): whole words at once. Bit by bit, a peer whose acked ids each
   * jumped 65,535 ahead cost the relay ~0.4 ms of CPU per 40-byte frame (adversarial replayWindowJumps).
   */
  #clearRange(from: number, to: number): void {
    while (from < to && (from & 31) !== 0) this.#clear(from++);
    for (; to - from >= 32; from += 32) this.#bits![(from % WINDOW) >>> 5] = 0;
    while (from < to) this.#clear(from++);
  }

  #clear(id: number): void {
    this.#bits![(id % WINDOW) >>> 5]! &= ~(1 << (id & 31));
  }
}

/** Whether `id` is a request id a peer may use: an integer from 0 to 2^53 − 1 (exact as a number). */
export const isRequestId = (id: number): boolean => Number.isSafeInteger(id) && id >= 0;
