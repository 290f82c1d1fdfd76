// Call deadlines without a timer per call (a setTimeout and its clearTimeout cost about as much as the rest of a
// small call). Calls with the same timeout expire in the order they were made, so each distinct timeout gets one
// FIFO lane and one timer, armed for the lane's oldest live call. Settled calls are skipped lazily and compacted
// away when they outnumber the live ones. When no call is pending the timers stay armed but stop holding the
// process open: one call at a time would otherwise set and clear a timer per call. Time comes from the connection's
// Clock (the session's `clock` option), so tests move deadlines by hand.
import { type Clock, type ClockTimer, realClock } from '../core/clock.js';

interface Lane {
  ids: number[];
  at: number[];
  head: number;
  timer: Timer | undefined;
}

type Timer = ClockTimer;
const deno = (globalThis as { Deno?: { refTimer?(id: number): void; unrefTimer?(id: number): void } }).Deno;

/** Lets `timer` hold the process open or not: Node's ref()/unref(), Deno.refTimer/unrefTimer; browsers need neither. */
function hold(timer: Timer, on: boolean): void {
  const t = timer as { ref?(): void; unref?(): void };
  if (t.unref) {
    if (on) t.ref!();
    else t.unref();
  } else if (typeof timer === 'number') {
    (on ? deno?.refTimer : deno?.unrefTimer)?.(timer);
  }
}

export class Deadlines {
  readonly #lanes = new Map<number, Lane>();
  /** No call is pending: the armed timers do not hold the process open. */
  #idle = false;

  /**
   * `expire(id)` ends a call whose deadline passed; `alive(id)` says whether a call is still pending, `pending()`
   * how many are.
   */
  constructor(
    private readonly expire: (id: number) => void,
    private readonly alive: (id: number) => boolean,
    private readonly pending: () => number,
    private readonly clock: Clock = realClock,
  ) {}

  /** Entries held in all lanes, settled ones not yet dropped included (for tests). */
  get held(): number {
    let n = 0;
    for (const lane of this.#lanes.values()) n += lane.ids.length - lane.head;
    return n;
  }

  /** Starts the deadline of call `id`: `timeoutMs` from now. */
  add(id: number, timeoutMs: number): void {
    if (this.#idle) this.#hold(true);
    let lane = this.#lanes.get(timeoutMs);
    if (!lane) {
      lane = { ids: [], at: [], head: 0, timer: undefined };
      this.#lanes.set(timeoutMs, lane);
    }
    this.#dropSettled(lane);
    lane.ids.push(id);
    lane.at.push(this.clock.now() + timeoutMs);
    // A long call at the head keeps the settled ones behind it: compact when they outnumber the live calls.
    if (lane.ids.length - lane.head > 2 * this.pending() + 64) this.#compact(lane);
    if (!lane.timer) this.#arm(lane);
  }

  /** No call is pending any more: the timers stay (the next call reuses them) but no longer keep the process alive. */
  idle(): void {
    if (!this.#idle) this.#hold(false);
  }

  /** Stops every timer (the connection closed). */
  clear(): void {
    for (const lane of this.#lanes.values()) this.clock.clearTimeout(lane.timer);
    this.#lanes.clear();
    this.#idle = false;
  }

  #hold(on: boolean): void {
    this.#idle = !on;
    for (const lane of this.#lanes.values()) if (lane.timer) hold(lane.timer, on);
  }

  #dropSettled(lane: Lane): void {
    while (lane.head < lane.ids.length && !this.alive(lane.ids[lane.head]!)) lane.head++;
  }

  #compact(lane: Lane): void {
    const ids: number[] = [];
    const at: number[] = [];
    for (let i = lane.head; i < lane.ids.length; i++) {
      if (!this.alive(lane.ids[i]!)) continue;
      ids.push(lane.ids[i]!);
      at.push(lane.at[i]!);
    }
    lane.ids = ids;
    lane.at = at;
    lane.head = 0;
  }

  #arm(lane: Lane): void {
    this.#dropSettled(lane);
    if (lane.head === lane.ids.length) {
      lane.ids = [];
      lane.at = [];
      lane.head = 0;
      lane.timer = undefined;
      return;
    }
    lane.timer = this.clock.setTimeout(() => this.#fire(lane), Math.max(0, lane.at[lane.head]! - this.clock.now()));
  }

  #fire(lane: Lane): void {
    const now = this.clock.now();
    while (lane.head < lane.ids.length && lane.at[lane.head]! <= now + 1) {
      const id = lane.ids[lane.head++]!;
      if (this.alive(id)) this.expire(id);
    }
    this.#arm(lane);
  }
}
