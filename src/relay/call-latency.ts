// How long calls take through a relay: a Request routed from A to B starts a timer under (A, B, request_id), and
// the Response (or Error) routed back from B to A with that request_id stops it. The relay sees both halves, so it
// can time calls between any two of its peers without either telling it anything.
//
// A peer must not be able to grow the table (Requests nobody answers, or one-way calls): it holds at most
// `maxPending` open calls, the oldest evicted first, and a call open longer than `maxAgeMs` (the default call
// deadline: its caller gave up by then) is forgotten. Both are checked at the table's head, which is its oldest
// entry (a Map keeps insertion order), so each Request costs O(1) amortized.
import { type Clock, realClock } from '../core/clock.js';
import { Histogram, type HistogramSnapshot } from './histogram.js';

export interface CallLatencyOptions {
  /** Open calls tracked at most; a Request beyond evicts the oldest one. Default: 10,000. */
  maxPending: number;
  /** A call unanswered this long (ms) is forgotten: the caller's deadline (30 s by default) has passed. Default: 30,000. */
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
  /** Calls forgotten because the table was full (maxPending). */
  evicted: number;
}

export class CallLatency {
  readonly #open = new Map<string, number>();
  readonly #histogram = new Histogram();
  readonly #recent: Float64Array;
  /** Answered calls so far (the ring's write position is this modulo its size). */
  #answered = 0;
  #expired = 0;
  #evicted = 0;
  readonly #maxPending: number;
  readonly #maxAgeMs: number;
  readonly #clock: Clock;

  constructor(options: Readonly<Partial<CallLatencyOptions>> = {}) {
    this.#maxPending = Math.max(1, options.maxPending ?? 10_000);
    this.#maxAgeMs = options.maxAgeMs ?? 30_000;
    this.#recent = new Float64Array(Math.max(1, options.recent ?? 1024));
    this.#clock = options.clock ?? realClock;
  }

  /** Calls open now. */
  get pending(): number {
    return this.#open.size;
  }

  /** A Request from `caller` to `callee` (node ids) with this request_id passed through. A repeat keeps its first time. */
  request(caller: string, callee: string, requestId: number): void {
    const now = this.#clock.now();
    this.#expire(now);
    const key = `${caller}${callee}${requestId}`;
    if (this.#open.has(key)) return; // sent again (a resend after a reconnect): the caller has waited since the first
    if (this.#open.size >= this.#maxPending) {
      this.#open.delete(this.#open.keys().next().value!);
      this.#evicted++;
    }
    this.#open.set(key, now);
  }

  /** The answer (Response or Error) from `callee` back to `caller` for `requestId`: records the latency if the call is open. */
  response(callee: string, caller: string, requestId: number): void {
    if (this.#open.size === 0) return;
    const key = `${caller}${callee}${requestId}`;
    const started = this.#open.get(key);
    if (started === undefined) return;
    this.#open.delete(key);
    const seconds = (this.#clock.now() - started) / 1000;
    this.#histogram.observe(seconds);
    this.#recent[this.#answered++ % this.#recent.length] = seconds;
  }

  /** The histogram, the recent percentiles and the table's state (allocates: for scrapes and dashboards). */
  snapshot(): CallLatencySnapshot {
    this.#expire(this.#clock.now());
    const n = Math.min(this.#answered, this.#recent.length);
    const sorted = this.#recent.slice(0, n).sort();
    const at = (q: number): number => (n === 0 ? NaN : sorted[Math.min(n - 1, Math.ceil(q * n) - 1)]!);
    return {
      ...this.#histogram.snapshot(),
      recent: { count: n, p50: at(0.5), p90: at(0.9), p99: at(0.99) },
      pending: this.#open.size, expired: this.#expired, evicted: this.#evicted,
    };
  }

  /** Forgets the calls open longer than maxAgeMs, oldest first, stopping at the first younger one. */
  #expire(now: number): void {
    for (const [key, started] of this.#open) {
      if (now - started <= this.#maxAgeMs) return;
      this.#open.delete(key);
      this.#expired++;
    }
  }
}
