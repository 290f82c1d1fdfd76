// Coalesces small frames sent in the same task into one transport message (Feature.BATCHING): a burst of 1,000
// tiny frames costs one WebSocket message instead of 1,000. It flushes at the end of the current task (a
// microtask), so no frame waits longer than the code that sent it, and whenever priority changes or the batch is
// full, so order and priority hold.
import { Priority, type Transport, TransportErrorCode } from '../transport/transport.js';
import { microtask } from '../transport/microtask.js';
import { concat } from '../core/concat.js';
import { NONE, pushed } from '../core/listeners.js';

/** Frames larger than this go alone. */
export const BATCH_FRAME_MAX = 8 * 1024;
/**
 * A batch is flushed once it holds this many bytes. Small enough that a burst (1,000 calls issued in one task)
 * leaves as several messages, so the peer starts on the first while this side still produces the rest: with 64
 * KiB the two sides took turns instead of working at once (RPC over the ring ran ~30% slower, measured).
 */
export const BATCH_BYTES = 8 * 1024;

export class Batcher {
  readonly #transport: Transport;
  /** The frames of the batch: NONE between batches, so an idle session's batcher holds no array. */
  #parts: Uint8Array[] = NONE;
  #bytes = 0;
  #priority: Priority | undefined;
  #scheduled = false;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Sends `frame` now or as part of this task's batch. Throws what the transport's send() throws. */
  send(frame: Uint8Array, priority: Priority): void {
    // Critical frames (an Error before a close, Goodbye) go ahead of the batch, as the transport serves them anyway:
    // a batch the transport refuses as FULL must not hold back the frame that says why the link is ending.
    if (priority === Priority.Critical) {
      this.#transport.send(frame, priority);
      return;
    }
    if (frame.length > BATCH_FRAME_MAX) {
      this.flush();
      this.#transport.send(frame, priority);
      return;
    }
    if (this.#priority !== priority || this.#bytes + frame.length > BATCH_BYTES) this.flush();
    this.#parts = pushed(this.#parts, frame);
    this.#bytes += frame.length;
    this.#priority = priority;
    if (!this.#scheduled) {
      this.#scheduled = true;
      microtask(() => {
        this.#scheduled = false;
        this.#flushLater();
      });
    }
  }

  /**
   * Sends what is batched now. When the transport refuses (FULL), the batch stays for the next try, so nothing is
   * lost; the caller gets the error, which is how send() reports backpressure.
   */
  flush(): void {
    if (this.#parts.length === 0) return;
    const parts = this.#parts;
    this.#transport.send(parts.length === 1 ? parts[0]! : concat(parts, this.#bytes), this.#priority!);
    this.#parts = NONE;
    this.#bytes = 0;
  }

  /** The end-of-task flush. A full transport gets the batch once it has room; a closed one loses it (acked frames are re-sent after a reconnect). */
  #flushLater(): void {
    try {
      this.flush();
    } catch (error) {
      if ((error as { code?: string }).code !== TransportErrorCode.FULL) {
        this.#parts = NONE;
        this.#bytes = 0;
        return;
      }
      this.#transport.ready().then(() => this.#flushLater(), () => {});
    }
  }
}
