// A histogram with fixed bucket bounds, for the relay's latencies (call latency, heartbeat round trips): observe()
// is a short scan and two additions, no allocation, so it can sit on the forwarding path; the cumulative buckets
// Prometheus and OpenTelemetry want are built only when someone reads them.

/** Bucket upper bounds in seconds, 0.5 ms to 10 s: what a call or a round trip through a relay takes. */
export const LATENCY_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A histogram as read: cumulative counts per upper bound (the last bound is +Infinity), their total and sum. */
export interface HistogramSnapshot {
  /** Cumulative: `count` observations were ≤ `le` (seconds). The last entry has le = Infinity and count = `count`. */
  buckets: Array<{ le: number; count: number }>;
  count: number;
  /** Sum of all observations, seconds. */
  sum: number;
}

export class Histogram {
  readonly bounds: readonly number[];
  /** Observations per bucket (not cumulative); the last one is for values above every bound. */
  readonly #counts: Float64Array;
  #count = 0;
  #sum = 0;
  /** Told every observation (seconds) as it is made: how a bridge records into another system's histogram. Default: none. */
  tap: ((seconds: number) => void) | undefined;

  constructor(bounds: readonly number[] = LATENCY_BUCKETS) {
    this.bounds = bounds;
    this.#counts = new Float64Array(bounds.length + 1);
  }

  /** Counts one observation, in seconds. */
  observe(seconds: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    this.#counts[i]!++;
    this.#count++;
    this.#sum += seconds;
    this.tap?.(seconds);
  }

  /** The cumulative buckets, count and sum (allocates: for scrapes). */
  snapshot(): HistogramSnapshot {
    const buckets: Array<{ le: number; count: number }> = [];
    let running = 0;
    for (let i = 0; i <= this.bounds.length; i++) {
      running += this.#counts[i]!;
      buckets.push({ le: i < this.bounds.length ? this.bounds[i]! : Infinity, count: running });
    }
    return { buckets, count: this.#count, sum: this.#sum };
  }
}
