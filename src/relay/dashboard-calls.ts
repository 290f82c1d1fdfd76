// The dashboard's call figures per second: the Requests the relay routed, and the latencies of the answers it saw
// (timed once, by the relay's CallLatency: from a Request routed from A to B to the Response or Error routed back,
// B's work plus the links from the relay to B and back). Kept per second for the last few minutes as rates and the
// p50/p95/p99 of that second, for the page's plots. Bounded by count: samples per second and seconds kept. @internal

/** Latencies kept per second for its percentiles (a uniform sample beyond that: reservoir sampling). */
export const SAMPLES_PER_SECOND = 512;
/** Seconds of history kept: five minutes. */
export const HISTORY_SECONDS = 300;

/** One second of traffic, as the plots draw it. Percentiles in ms; null when no call was answered that second. */
export interface TrafficSecond {
  /** The second's start, ms since the epoch. */
  t: number;
  /** Frames the relay received from peers. */
  frames: number;
  /** Routed frames it forwarded. */
  routed: number;
  /** Routed Requests it saw pass (from peers, and from other relays through Redis). */
  calls: number;
  /** Frames other relays sent it through Redis (Routed envelopes and broadcasts). */
  uplink: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** The counters a second's frame and routed figures are read from (Relay.stats()). */
export type Counters = () => { framesIn: number; routed: number };

export class CallTimes {
  readonly #history: TrafficSecond[] = [];
  readonly #counters: Counters;
  #second = -1;
  #start = { framesIn: 0, routed: 0 };
  #calls = 0;
  #uplink = 0;
  #answered = 0;
  #samples: number[] = [];

  constructor(counters: Counters) {
    this.#counters = counters;
  }

  /** A Request passed at `now` (ms). */
  request(now: number): void {
    this.roll(now);
    this.#calls++;
  }

  /** A frame came from another relay (through Redis) at `now` (ms). */
  uplinkFrame(now: number): void {
    this.roll(now);
    this.#uplink++;
  }

  /** A call was answered `ms` after its Request; `now` is when the answer passed. */
  answer(ms: number, now: number): void {
    this.roll(now);
    // Reservoir sampling: every answer of the second has the same chance to be among the samples.
    this.#answered++;
    if (this.#samples.length < SAMPLES_PER_SECOND) this.#samples.push(ms);
    else {
      const slot = Math.floor(Math.random() * this.#answered);
      if (slot < SAMPLES_PER_SECOND) this.#samples[slot] = ms;
    }
  }

  /**
   * Closes the seconds before `now`'s. Rolled by traffic and by reads (the page asks every second), so no timer
   * runs: a second nobody touched gets its frames counted in the next one that closes.
   */
  roll(now: number): void {
    const second = Math.floor(now / 1000);
    if (second <= this.#second) return;
    if (this.#second >= 0) {
      const counters = this.#counters();
      const sorted = this.#samples.sort((a, b) => a - b);
      const p = (q: number): number | null => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]! : null);
      this.#push({
        t: this.#second * 1000, frames: counters.framesIn - this.#start.framesIn, routed: counters.routed - this.#start.routed,
        calls: this.#calls, uplink: this.#uplink, p50: p(0.5), p95: p(0.95), p99: p(0.99),
      });
      // Quiet seconds in between, at most the history's length of them.
      for (let s = Math.max(this.#second + 1, second - HISTORY_SECONDS); s < second; s++) {
        this.#push({ t: s * 1000, frames: 0, routed: 0, calls: 0, uplink: 0, p50: null, p95: null, p99: null });
      }
    }
    const { framesIn, routed } = this.#counters();
    this.#start = { framesIn, routed };
    this.#second = second;
    this.#calls = 0;
    this.#uplink = 0;
    this.#answered = 0;
    this.#samples = [];
  }

  /** The closed seconds, oldest first (a copy). */
  history(): TrafficSecond[] {
    return this.#history.slice();
  }

  #push(second: TrafficSecond): void {
    this.#history.push(second);
    if (this.#history.length > HISTORY_SECONDS) this.#history.splice(0, this.#history.length - HISTORY_SECONDS);
  }
}
