// A token bucket per peer: `rate` tokens a second, holding at most one second's worth, so a peer may burst up to
// `rate` frames and then sustain `rate` a second. Refills lazily on take(): no timers per peer.

export class RateLimiter {
  readonly #rate: number;
  #tokens: number;
  #last = performance.now();
  #warned = -Infinity;

  constructor(rate: number) {
    this.#rate = rate;
    this.#tokens = rate;
  }

  /** True (and one token spent) if a frame may pass now. */
  take(): boolean {
    const now = performance.now();
    this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** True at most once a second: whether to tell the peer it is being limited (the telling must not flood either). */
  shouldWarn(): boolean {
    const now = performance.now();
    if (now - this.#warned < 1000) return false;
    this.#warned = now;
    return true;
  }
}
