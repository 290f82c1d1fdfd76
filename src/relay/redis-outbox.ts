// The sending half of the bridge's streams: acked frames on their way into their receivers' streams, in the order the
// relay handed them over. Many are in flight at once (Redis answers in order on one connection); when Redis cannot
// take them — the connection is lost, Redis restarts and loads its data, a failover — they are held, in order, and
// sent again once it can. Holding is bounded: at most maxHeld frames and maxHeldBytes bytes, each at most holdMs; a
// frame past a bound is answered at once with a RedisError (FULL, or UNAVAILABLE after holdMs), never dropped
// silently. The relay acks a frame to its sender only when this settles it, so a relay killed meanwhile loses nothing:
// its senders still hold what it held, and send it again through another relay. A frame sent again after its first
// copy did enter (the reply was lost with the connection) is dropped by the stream's per-origin check (ENQUEUE).
//
// Order: frames are sent in the order they were pushed, and one that fails is sent again before anything behind it
// — but Redis answers a burst one frame at a time, and can refuse the first frames and take later ones (LOADING
// ends, or another relay loads the script, in the middle of the burst). So order is not left to the timing of
// replies: frames pushed in one chain (an origin's frames for one node) each name the frame before them while that
// one is held unsettled, and Redis refuses a frame whose named predecessor has not entered (ENQUEUE answers AHEAD,
// which `send` turns into AGAIN): it is sent again, in its place, after its predecessor.
import { type BackoffOptions, backoffDelay } from '../transport/backoff.js';
import { isTransient, type RedisError, redisError, RedisErrorCode } from './redis-client.js';

export interface OutboxOptions {
  /** Frames held at most (in flight or waiting for Redis); one more is refused with FULL. Default: 10,000. */
  maxHeld: number;
  /** Bytes held at most. Default: 64 MiB. */
  maxHeldBytes: number;
  /** How long a frame may wait for Redis before it is refused with UNAVAILABLE, ms. Default: 10,000. */
  holdMs: number;
  /** Frames sent to Redis without waiting for the replies before them. Default: 256. */
  window: number;
  /** Delays between attempts while Redis cannot take frames. Default: {}. */
  reconnect: Partial<BackoffOptions>;
}

/** What `send` resolves with when Redis took nothing and the write must be sent again, in its place, later. */
export const AGAIN: unique symbol = Symbol('send again');

/** A write's place in a chain: writes of one chain enter Redis in the order they were pushed. */
export interface OutboxOrder {
  /** The chain (the bridge: receiver and origin). */
  readonly chain: string;
  /** The write's id in its chain (the bridge: the origin's request id), given to the next write's `send`. */
  readonly id: number;
}

interface Item {
  readonly send: (ahead: number | undefined) => Promise<unknown>;
  readonly bytes: number;
  readonly deadline: number;
  readonly resolve: (reply: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly order: OutboxOrder | undefined;
  /** The write pushed before it in its chain, if that one was held then; dropped once this one settles. */
  ahead: Item | undefined;
  /** Sent and not answered yet. */
  flying: boolean;
  /** Answered for good (taken, or refused): nothing waits for it any more. */
  settled: boolean;
}

export class Outbox {
  readonly #o: OutboxOptions;
  readonly #queue: Item[] = [];
  /**
   * Items in flight: the queue's first `#flying` — replies remove items from anywhere, which keeps that true, but a
   * failed one stays where it is, so after a failure nothing more is sent until every reply is in (`#broken`).
   */
  #flying = 0;
  #broken = false;
  /** The last write pushed in each chain, while it is held. */
  readonly #tails = new Map<string, Item>();
  #bytes = 0;
  /** Redis could not take the last attempt: wait for the retry timer (or a reconnect) before sending more. */
  #paused = false;
  #failures = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  /** Why it was closed: every frame pushed after is refused with it. */
  #closed: RedisError | undefined;

  constructor(options: Readonly<Partial<OutboxOptions>> = {}) {
    this.#o = {
      maxHeld: options.maxHeld ?? 10_000, maxHeldBytes: options.maxHeldBytes ?? 64 * 1024 * 1024,
      holdMs: options.holdMs ?? 10_000, window: options.window ?? 256, reconnect: options.reconnect ?? {},
    };
  }

  /** Frames held now (in flight or waiting). */
  get held(): number {
    return this.#queue.length;
  }

  /**
   * Queues one write (`send` runs it, as often as it must); resolves with Redis's reply, rejects with RedisError:
   * FULL beyond a bound, UNAVAILABLE after holdMs, COMMAND for an error reply. With `order`, `send` is given the id
   * of the write pushed before it in the same chain while that one is held unsettled (else undefined): Redis must
   * not take this write before that one, and `send` resolves AGAIN when Redis said so.
   */
  push(send: (ahead: number | undefined) => Promise<unknown>, bytes: number, order?: OutboxOrder): Promise<unknown> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (this.#queue.length >= this.#o.maxHeld || this.#bytes + bytes > this.#o.maxHeldBytes) {
      return Promise.reject(redisError(RedisErrorCode.FULL,
        `${this.#queue.length} frames (${this.#bytes} bytes) already wait for Redis (maxHeld ${this.#o.maxHeld}, maxHeldBytes ${this.#o.maxHeldBytes})`));
    }
    return new Promise((resolve, reject) => {
      const ahead = order && this.#tails.get(order.chain);
      const item: Item = { send, bytes, deadline: Date.now() + this.#o.holdMs, resolve, reject, order, ahead, flying: false, settled: false };
      if (order) this.#tails.set(order.chain, item);
      this.#queue.push(item);
      this.#bytes += bytes;
      this.#pump();
    });
  }

  /** Redis is back (a reconnect): try the waiting frames now rather than at the next retry. */
  kick(): void {
    if (!this.#paused || this.#closed) return;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#paused = false;
    this.#pump();
  }

  /** Refuses everything held, and all that comes after, with `reason` (default: UNAVAILABLE, the bridge closed). */
  close(reason = redisError(RedisErrorCode.UNAVAILABLE, 'the Redis bridge closed before Redis took this frame')): void {
    if (this.#closed) return;
    this.#closed = reason;
    clearTimeout(this.#retry);
    for (const item of this.#queue.splice(0)) {
      item.flying = false; // its reply, when it comes, finds it answered
      item.reject(reason);
    }
    this.#tails.clear();
    this.#bytes = 0;
    this.#flying = 0;
  }

  #pump(): void {
    if (this.#paused || this.#closed) return;
    if (this.#broken) {
      if (this.#flying > 0) return;
      this.#broken = false;
    }
    while (this.#flying < this.#o.window && this.#flying < this.#queue.length) {
      const item = this.#queue[this.#flying]!;
      this.#flying++;
      item.flying = true;
      // The predecessor may be in flight just ahead of it: Redis runs them in this order, and checks.
      const ahead = item.ahead && !item.ahead.settled ? item.ahead.order!.id : undefined;
      item.send(ahead).then((reply) => this.#settled(item, reply, undefined), (error: unknown) => this.#settled(item, undefined, error ?? new Error('failed')));
    }
  }

  #settled(item: Item, reply: unknown, error: unknown): void {
    if (!item.flying) return; // closed meanwhile
    item.flying = false;
    this.#flying--;
    if (reply === AGAIN && error === undefined) error = AGAIN;
    if (error !== undefined && (error === AGAIN || isTransient(error)) && !this.#closed) {
      // Redis could not take it: it waits (keeping its place) for the next attempt. Frames sent after it fail too
      // (the same lost connection, the same LOADING), and wait behind it. One failed attempt, however many frames were
      // in flight with it: counting each frame would push the next attempt towards maxDelayMs after a single blip.
      if (!this.#broken) this.#failures++;
      this.#broken = true;
      this.#pause();
      this.#pump(); // the last reply in after the retry timer fired: go on
      return;
    }
    this.#remove(item);
    if (error !== undefined) item.reject(redisError(RedisErrorCode.COMMAND, `Redis refused a frame: ${(error as Error).message ?? String(error)}`, error));
    else {
      this.#failures = 0;
      item.resolve(reply);
    }
    this.#pump();
  }

  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#paused = false;
      this.#expire();
      this.#pump();
    }, Math.min(backoffDelay(this.#failures - 1, this.#o.reconnect), this.#o.holdMs));
    (this.#retry as { unref?: () => void }).unref?.();
  }

  /** Takes a settled write out: out of the queue, out of its chain. */
  #remove(item: Item): void {
    item.settled = true;
    item.ahead = undefined; // a chain of settled writes, each holding the one before, would never be collected
    this.#queue.splice(this.#queue.indexOf(item), 1);
    this.#bytes -= item.bytes;
    if (item.order && this.#tails.get(item.order.chain) === item) this.#tails.delete(item.order.chain);
  }

  /** Refuses the waiting frames whose holdMs is over (in flight ones get their answer first). */
  #expire(): void {
    const now = Date.now();
    for (let i = 0; i < this.#queue.length;) {
      const item = this.#queue[i]!;
      if (item.flying || item.deadline > now) {
        i++;
        continue;
      }
      this.#remove(item);
      item.reject(redisError(RedisErrorCode.UNAVAILABLE, `Redis could not take this frame for ${this.#o.holdMs} ms (holdMs)`));
    }
  }
}
