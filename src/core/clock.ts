// Time, as one small interface. Everything above the transports that waits or measures — a session's heartbeats,
// handshake deadline, pings and reconnect backoff, RPC call deadlines, rate limits, a mesh node's and agent host's
// timers, the relay's — asks the `clock` option instead of the globals, so a test can move time by hand
// (test/fixtures/clock.ts) instead of sleeping, and a host with timers of its own can bring them. It lives in the
// lowest layer because every layer above may need it; it imports nothing.

/** A timer handle, as the clock that made it returned it: only ever handed back to that clock's clearTimeout. */
export type ClockTimer = unknown;

/** Where time comes from: a reading in milliseconds, and one-shot timers. */
export interface Clock {
  /** Milliseconds on a scale that never goes back (performance.now() for the real clock): only differences mean anything. */
  now(): number;
  /** Calls `callback` once, `ms` from now. */
  setTimeout(callback: () => void, ms: number): ClockTimer;
  /** Cancels a timer of this clock; undefined, or a timer that fired already, is a no-op. */
  clearTimeout(timer: ClockTimer): void;
}

/**
 * The runtime's own clock: performance.now() and the global timers (wrapped: browsers refuse a setTimeout called
 * on another object). The default of every `clock` option.
 */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};

/** Lets a real timer stop holding the process open (Node's unref()); a no-op for other clocks' timers. */
export function unref(timer: ClockTimer): ClockTimer {
  (timer as { unref?: () => void } | undefined)?.unref?.();
  return timer;
}
