// The end-to-end half of exactly-once across relays bridged through Redis. Acked frames for a node wait in that
// node's stream (src/relay/redis-bridge.ts), and the relay the node is connected to hands them over in stream order,
// each Routed envelope carrying its position (`seq`). A relay can die after the node got a frame and before the
// relay recorded the node's Ack in Redis; the next relay then sends the frames after the last recorded one again.
// The hop's own duplicate filter cannot see those repeats — each relay numbers its frames from its own counter — so
// the node remembers the highest position it was given, and a frame at or below it is a repeat (already acked by the
// hop, as every copy is, and not delivered again). One number suffices because every relay sends a stream's frames in
// its order, and a node takes frames from one relay at a time.
import { MessageType } from '../wire/constants.js';
import type { Frame } from '../wire/frame.js';
import { unpack } from '../wire/payload.js';

export class StreamPositions {
  #top = 0;

  /** True for a Routed frame whose stream position was delivered before; false for anything else. */
  repeat(frame: Frame): boolean {
    if (frame.type !== MessageType.Routed) return false;
    let seq: unknown;
    try {
      seq = (unpack(frame.payload) as { seq?: unknown } | null)?.seq;
    } catch {
      return false; // not a Routed body: whoever reads it says so
    }
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq <= 0) return false;
    if (seq <= this.#top) return true;
    this.#top = seq;
    return false;
  }
}
