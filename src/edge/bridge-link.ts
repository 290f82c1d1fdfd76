// One direction of a bridge between two rooms (bridge.ts): the frames this room's relay sends the other room's relay,
// pushed to that Durable Object with stub fetch. It is the socket of a DurablePeer, so the session's rules hold
// across it as on a WebSocket: acked frames wait in storage (out:<id>:…) until the other room's Ack, and are sent
// again after a failure.
//
// Order matters across hibernation (after a wake the receiver takes acked ids up to the highest it saw as repeats),
// so application frames travel one way only — in this room's pushes, one push in flight at a time — and after a
// failed push nothing new is sent until resume() has put every unacknowledged frame back in front, oldest first.
// Control frames (Acks, Pongs) have no order to keep: the ones that answer the other room's push ride back in the
// answer to that push.
import { MessageType } from '../wire/constants.js';
import { concat } from '../core/concat.js';
import type { PeerSocket } from './durable-peer.js';

/** Bytes of frames in one push, at most (one frame larger than this still goes, alone). */
export const MAX_PUSH_BYTES = 4 * 1024 * 1024;

/** Where the link is: pushing; waiting for a retry after a failed push; putting unacked frames back in front. */
type LinkState = 'up' | 'down' | 'resuming' | 'closed';

/** What a BridgeLink needs from its bridge. */
export interface LinkHost {
  /** Delivers `frames` to the other room; resolves with the frames it answered, rejects when the push failed. */
  push(frames: Uint8Array): Promise<Uint8Array>;
  /** The other room answered frames: the peer's session takes them. */
  answered(frames: Uint8Array): void;
  /** A push failed: the bridge schedules resume(). */
  failed(error: unknown): void;
}

export class BridgeLink implements PeerSocket {
  readonly #host: LinkHost;
  #state: LinkState = 'up';
  #queue: Uint8Array[] = [];
  #flying = false;
  #scheduled = false;
  /** While this room answers the other room's push: the control frames that go back in the answer. */
  #answer: Uint8Array[] | undefined;

  /** `state` 'resuming': nothing is pushed until resume() has put the unacknowledged frames first (a woken object). */
  constructor(host: LinkHost, state: 'up' | 'resuming' = 'up') {
    this.#host = host;
    this.#state = state;
  }

  /** Pushing, or waiting to be resumed after a failed push. */
  get state(): LinkState {
    return this.#state;
  }

  /** One frame from the peer's session (DurablePeer and SessionCore send whole frames, one per call). */
  send(bytes: Uint8Array): void {
    if (this.#answer && (bytes[5] === MessageType.Ack || bytes[5] === MessageType.Pong)) {
      this.#answer.push(bytes);
      return;
    }
    // Down: acked frames wait in storage for resume(), best-effort ones are lost (as for a node that is away).
    if (this.#state === 'down' || this.#state === 'closed') return;
    this.#queue.push(bytes);
    this.#kick();
  }

  /** The session ended: nothing more goes out. */
  close(): void {
    this.#state = 'closed';
    this.#queue = [];
  }

  /** Runs `handle` (the other room's push, fed to the session) and returns the control frames it answered. */
  answer(handle: () => void): Uint8Array {
    const answer: Uint8Array[] = [];
    this.#answer = answer;
    try {
      handle();
    } finally {
      this.#answer = undefined;
    }
    return concat(answer, answer.reduce((n, b) => n + b.length, 0));
  }

  /** A failed push will be retried: from now until resume(), frames are queued but not pushed. */
  resuming(): void {
    if (this.#state === 'down') this.#state = 'resuming';
  }

  /** Pushes again, `unacked` (every acked frame not acknowledged yet, oldest first) before what was queued since resuming(). */
  resume(unacked: readonly Uint8Array[]): void {
    if (this.#state === 'closed') return;
    this.#queue = [...unacked, ...this.#queue];
    this.#state = 'up';
    this.#kick();
  }

  #kick(): void {
    if (this.#scheduled || this.#flying || this.#state !== 'up' || this.#queue.length === 0) return;
    this.#scheduled = true;
    // What the relay sends in one task goes in one push.
    queueMicrotask(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#flying || this.#state !== 'up' || this.#queue.length === 0) return;
    let size = 0;
    let count = 0;
    while (count < this.#queue.length && (count === 0 || size + this.#queue[count]!.length <= MAX_PUSH_BYTES)) size += this.#queue[count++]!.length;
    const batch = this.#queue.splice(0, count);
    this.#flying = true;
    let answered: Uint8Array;
    try {
      answered = await this.#host.push(concat(batch, size));
    } catch (error) {
      this.#flying = false;
      if (this.#state !== 'up') return;
      this.#state = 'down';
      this.#queue = [];
      this.#host.failed(error);
      return;
    }
    this.#flying = false;
    // close() may have run while the push was in flight
    if (answered.length > 0 && (this.#state as LinkState) !== 'closed') this.#host.answered(answered);
    this.#kick();
  }
}
