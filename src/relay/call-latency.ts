// How long calls take through a relay: a Request routed from A to B starts a timer under (A, B, request_id), and
// the Response (or Error) routed back from B to A with that request_id stops it. The relay sees both halves, so it
// can time calls between any two of its peers without either telling it anything.
//
// A peer must not be able to grow the table (Requests nobody answers, or one-way calls): it holds at most
// `maxPending` open calls (a Request beyond is not timed), one caller at most `maxPendingPerCaller` of them (so that
// one peer's unanswered flood does not stop the timing of everyone else's calls), and a call open longer than `maxAgeMs` (the default call
// deadline: its caller gave up by then) is forgotten by a sweep that runs at most every maxAgeMs / 4. The table is
// keyed by caller, then by request id (a number): a key made of both as one string cost ~5 µs per call to build and
// hash, the whole budget of a routed frame.
import { type Clock, realClock } from '../core/clock.js';
import { Histogram, type HistogramSnapshot } from './histogram.js';

export interface CallLatencyOptions {
  /** Open calls tracked at most; a Request beyond is not timed (counted in `full`). Default: 10,000. */
  maxPending: number;
  /** Open calls of one caller tracked at most (also counted in `full` beyond). Default: maxPending / 8. */
  maxPendingPerCaller: number;
  /**
   * A call unanswered this long (ms) is forgotten, within a quarter more: the caller's deadline (30 s by default) has
   * passed. Default: 30,000.
   */
  maxAgeMs: number;
  /** Latencies kept for the recent percentiles (a ring). Default: 1,024. */
  recent: number;
  /** Where the time comes from. Default: the real clock. */
  clock: Clock;
}

/** What relay.callLatency() reports: every answered call's latency as a histogram, plus recent percentiles. */
export interface CallLatencySnapshot extends HistogramSnapshot {
  /** Percentiles (seconds) of the last `recent.count` calls answered (NaN when none). */
  recent: { count: number; p50: number; p90: number; p99: number };
  /** Calls open now (a Request seen, no answer yet). */
  pending: number;
  /** Calls forgotten unanswered after maxAgeMs. */
  expired: number;
  /** Requests not timed because maxPending calls (or maxPendingPerCaller of their caller's) were open already. */
  full: number;
}

/** An open call: whom it was sent to, and when. */
interface Open {
  callee: string;
  started: number;
}

export class CallLatency {
  /** Open calls by caller, then by request id (callers whose calls all ended stay until the next sweep). */
  readonly #open = new Map<string, Map<number, Open>>();
  #pending = 0;
  /** When the next sweep of calls older than maxAgeMs is due (clock time). */
  #sweepAt: number;
  /** Every answered call's latency, seconds. */
  readonly histogram = new Histogram();
  readonly #recent: Float64Array;
  /** Answered calls so far (the ring's write position is this modulo its size). */
  #answered = 0;
  #expired = 0;
  #full = 0;
  readonly #maxPending: number;
  readonly #maxPerCaller: number;
  readonly #maxAgeMs: number;
  readonly #clock: Clock;

  constructor(options: Readonly<Partial<CallLatencyOptions>> = {}) {
    this.#maxPending = Math.max(1, options.maxPending ?? 10_000);
    this.#maxPerCaller = Math.max(1, options.maxPendingPerCaller ?? Math.ceil(this.#maxPending / 8));
    this.#maxAgeMs = options.maxAgeMs ?? 30_000;
    this.#recent = new Float64Array(Math.max(1, options.recent ?? 1024));
    this.#clock = options.clock ?? realClock;
    this.#sweepAt = this.#clock.now() + this.#maxAgeMs / 4;
  }

  /** Calls open now. */
  get pending(): number {
    return this.#pending;
  }

  /** A Request from `caller` to `callee` (node ids) with this request_id passed through. A repeat keeps its first time. */
  request(caller: string, callee: string, requestId: number): void {
    const now = this.#clock.now();
    if (now >= this.#sweepAt) this.#sweep(now);
    let calls = this.#open.get(caller);
    if (calls?.has(requestId)) return; // sent again (a resend after a reconnect): the caller has waited since the first
    if (this.#pending >= this.#maxPending || (calls?.size ?? 0) >= this.#maxPerCaller) return void this.#full++;
    if (calls === undefined) this.#open.set(caller, (calls = new Map()));
    calls.set(requestId, { callee, started: now });
    this.#pending++;
  }

  /**
   * The answer (Response or Error) from `callee` back to `caller` for `requestId`: records the latency if the call is
   * open, and returns it (seconds; undefined when no such call was open), for whoever plots it (the dashboard).
   */
  response(callee: string, caller: string, requestId: number): number | undefined {
    if (this.#pending === 0) return undefined;
    const calls = this.#open.get(caller);
    const open = calls?.get(requestId);
    if (open === undefined || open.callee !== callee) return undefined;
    calls!.delete(requestId);
    this.#pending--;
    const seconds = (this.#clock.now() - open.started) / 1000;
    this.histogram.observe(seconds);
    this.#recent[this.#answered++ % this.#recent.length] = seconds;
    return seconds;
  }

  /** The histogram, the recent percentiles and the table's state (allocates: for scrapes and dashboards). */
  snapshot(): CallLatencySnapshot {
    const now = this.#clock.now();
    if (now >= this.#sweepAt) this.#sweep(now);
    const n = Math.min(this.#answered, this.#recent.length);
    const sorted = this.#recent.slice(0, n).sort();
    const at = (q: number): number => (n === 0 ? NaN : sorted[Math.min(n - 1, Math.ceil(q * n) - 1)]!);
    return {
      ...this.histogram.snapshot(),
      recent: { count: n, p50: at(0.5), p90: at(0.9), p99: at(0.99) },
      pending: this.#pending, expired: this.#expired, full: this.#full,
    };
  }

  /** Forgets the calls open longer than maxAgeMs, and the callers left with none. O(open calls), every maxAgeMs / 4 at most. */
  #sweep(now: number): void {
    this.#sweepAt = now + this.#maxAgeMs / 4;
    for (const [caller, calls] of this.#open) {
      for (const [id, open] of calls) {
        if (now - open.started <= this.#maxAgeMs) continue;
        calls.delete(id);
        this.#pending--;
        this.#expired++;
      }
      if (calls.size === 0) this.#open.delete(caller);
    }
  }
}
