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
//
// A receiver connected to no relay (it left one and has not reached the next yet; its last relay died more than
// graceMs ago): `send` resolves ABSENT, and the write is parked by its destination, off the line, so frames for
// other receivers go on meanwhile. The destination's first parked write is tried again now and then (a probe: one
// write, not all of them) and whenever the relay learns the receiver is back (wake); once one enters, the rest
// follow in the order they were pushed. A write parked for awayMs since it was pushed is answered ABSENT: its sender
// gets an Error, and the write never enters later. Parked writes count towards maxHeld and maxHeldBytes.
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
  /** How long a write whose destination is absent (ABSENT) is held for it, from its push, ms; 0: not held. Default: 10,000. */
  awayMs: number;
}

/** What `send` resolves with when Redis took nothing and the write must be sent again, in its place, later. */
export const AGAIN: unique symbol = Symbol('send again');

/** What `send` resolves with when the write's destination is connected nowhere: park it (see the top). */
export const ABSENT: unique symbol = Symbol('destination absent');

/** A parked destination's probes come at most this far apart, ms: a receiver back is found within it. */
export const PROBE_MAX_MS = 500;

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
  /** Its place in push order (parked writes go back in this order). */
  readonly n: number;
  /** Where it goes (parked under it when ABSENT), and when it stops waiting for it. */
  readonly to: string | undefined;
  readonly away: number;
  /** Parked: off the queue, waiting for its destination. */
  parked: boolean;
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
  #pushed = 0;
  /** Parked writes by destination, in push order, with the destination's probe timer and how many probes failed. */
  readonly #parked = new Map<string, { items: Item[]; timer: ReturnType<typeof setTimeout> | undefined; probes: number }>();
  #parkedCount = 0;
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
      awayMs: options.awayMs ?? 10_000,
    };
  }

  /** Frames held now (in flight, waiting for Redis, or parked for their destination). */
  get held(): number {
    return this.#queue.length + this.#parkedCount;
  }

  /** Of those, parked for a destination connected nowhere. */
  get parked(): number {
    return this.#parkedCount;
  }

  /**
   * Queues one write (`send` runs it, as often as it must); resolves with Redis's reply, rejects with RedisError:
   * FULL beyond a bound, UNAVAILABLE after holdMs, COMMAND for an error reply. With `order`, `send` is given the id
   * of the write pushed before it in the same chain while that one is held unsettled (else undefined): Redis must
   * not take this write before that one, and `send` resolves AGAIN when Redis said so. With `to`, `send` may resolve
   * ABSENT: the write is parked for `to` (at most awayMs), and resolves ABSENT if `to` never turns up.
   */
  push(send: (ahead: number | undefined) => Promise<unknown>, bytes: number, order?: OutboxOrder, to?: string): Promise<unknown> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (this.held >= this.#o.maxHeld || this.#bytes + bytes > this.#o.maxHeldBytes) {
      return Promise.reject(redisError(RedisErrorCode.FULL,
        `${this.held} frames (${this.#bytes} bytes) already wait for Redis or for their receiver (maxHeld ${this.#o.maxHeld}, maxHeldBytes ${this.#o.maxHeldBytes})`));
    }
    return new Promise((resolve, reject) => {
      const ahead = order && this.#tails.get(order.chain);
      const now = Date.now();
      const item: Item = {
        send, bytes, deadline: now + this.#o.holdMs, n: this.#pushed++, to, away: now + this.#o.awayMs, parked: false,
        resolve, reject, order, ahead, flying: false, settled: false,
      };
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

  /** Destination `to` is back (it joined this relay): its parked writes go now, in the order they were pushed. */
  wake(to: string): void {
    const p = this.#parked.get(to);
    if (!p || this.#closed) return;
    clearTimeout(p.timer);
    this.#parked.delete(to);
    this.#parkedCount -= p.items.length;
    this.#requeue(p.items);
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
    for (const p of this.#parked.values()) {
      clearTimeout(p.timer);
      for (const item of p.items) (item.settled = true, item.reject(reason));
    }
    this.#parked.clear();
    this.#parkedCount = 0;
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
    if (error === undefined && reply === ABSENT && item.to !== undefined && !this.#closed) {
      this.#park(item);
      this.#pump();
      return;
    }
    // Refused as ahead of a write parked for its destination: the destination is back (else Redis would have said
    // ABSENT first), so they go again together, in order, now — rather than holding up every write with a pause.
    if (error === AGAIN && item.ahead?.parked && item.to !== undefined && !this.#closed) {
      this.#park(item);
      this.wake(item.to);
      this.#pump();
      return;
    }
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
      if (item.to !== undefined && reply !== ABSENT) this.wake(item.to); // a probe entered: the rest follow
    }
    this.#pump();
  }

  /** Takes a write off the queue to wait for its destination; answers it ABSENT if it waited awayMs already. */
  #park(item: Item): void {
    const to = item.to!;
    if (item.away <= Date.now()) {
      this.#remove(item); // (the writes parked behind it get the next probe)
      item.resolve(ABSENT);
      return;
    }
    this.#queue.splice(this.#queue.indexOf(item), 1);
    let p = this.#parked.get(to);
    if (!p) this.#parked.set(to, (p = { items: [], timer: undefined, probes: 0 }));
    let at = p.items.length;
    while (at > 0 && p.items[at - 1]!.n > item.n) at--;
    p.items.splice(at, 0, item);
    item.parked = true;
    this.#parkedCount++;
    this.#schedule(to);
  }

  /** Sets destination `to`'s next probe, unless one is set or nothing waits: backoff, or the first awayMs sooner. */
  #schedule(to: string): void {
    const p = this.#parked.get(to);
    if (!p || p.timer !== undefined || p.items.length === 0) return;
    const probe = Math.min(backoffDelay(p.probes++, this.#o.reconnect), PROBE_MAX_MS);
    p.timer = setTimeout(() => this.#probe(to), Math.max(0, Math.min(probe, p.items[0]!.away - Date.now())));
    (p.timer as { unref?: () => void }).unref?.();
  }

  /** A parked destination's timer: answers the writes whose awayMs is over, and tries the first of the rest again. */
  #probe(to: string): void {
    const p = this.#parked.get(to);
    if (!p) return;
    const now = Date.now();
    while (p.items.length > 0 && p.items[0]!.away <= now) { // (the timer, still set, keeps #remove from setting one)
      const item = p.items.shift()!;
      this.#parkedCount--;
      this.#remove(item);
      item.resolve(ABSENT);
    }
    p.timer = undefined;
    if (p.items.length === 0) return void this.#parked.delete(to);
    this.#parkedCount--;
    this.#requeue([p.items.shift()!]); // back in #parked when it is ABSENT again, with the next probe's timer
  }

  /** Puts parked writes back on the line, next after those in flight, in push order. */
  #requeue(items: Item[]): void {
    for (const item of items) item.parked = false;
    this.#queue.splice(Math.min(this.#flying, this.#queue.length), 0, ...items);
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
    item.parked = false;
    item.ahead = undefined; // a chain of settled writes, each holding the one before, would never be collected
    const at = this.#queue.indexOf(item);
    if (at >= 0) this.#queue.splice(at, 1); // (a parked one is not in the queue)
    this.#bytes -= item.bytes;
    if (item.order && this.#tails.get(item.order.chain) === item) this.#tails.delete(item.order.chain);
    // A probe settled (refused, holdMs, its awayMs over): the writes parked behind it get the next probe, and a
    // destination with none left keeps no entry.
    const p = item.to === undefined ? undefined : this.#parked.get(item.to);
    if (p && p.items.length === 0 && p.timer === undefined) this.#parked.delete(item.to!);
    else if (p) this.#schedule(item.to!);
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
