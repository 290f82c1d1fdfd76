// A token bucket per peer: `rate` tokens a second, holding at most one second's worth, so a peer may burst up to
// `rate` frames and then sustain `rate` a second. Refills lazily on take(): no timers per peer, only the clock's
// readings (the relay's `clock` option). A take may cost more than one token (a broadcast costs its deliveries): it
// passes while the bucket is not overdrawn and may overdraw it, so a broadcast to more peers than one second's
// budget still goes out, and the sender then waits until the debt is paid back: the average stays `rate`.
import { type Clock, realClock } from '../core/clock.js';

export class RateLimiter {
  readonly #rate: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;
  #warned = -Infinity;

  constructor(rate: number, clock: Clock = realClock) {
    this.#rate = rate;
    this.#clock = clock;
    this.#tokens = rate;
    this.#last = clock.now();
  }

  /** True (and `cost` tokens spent) if what costs `cost` may pass now: at least one token is left. */
  take(cost = 1): boolean {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= cost;
    return true;
  }

  /** True at most once a second: whether to tell the peer it is being limited (the telling must not flood either). */
  shouldWarn(): boolean {
    const now = this.#clock.now();
    if (now - this.#warned < 1000) return false;
    this.#warned = now;
    return true;
  }
}
