// The wake-up words of the rings: every thread has one bell per shared memory, an Int32 in that memory which the
// thread sleeps on when its rings go quiet. A peer rings it after publishing (or after freeing room the thread
// waits for), and only when it reads SLEEPING: waking a sleeping thread costs 50–100 µs here, and would cap the
// rate if done per message. A RingEnd (./ring.ts) posts its thread's bell address into the link's control line
// and rings the other side's; the thread's loop (src/transport/ring-reactor.ts) sleeps through this object.
import { type Core } from './wasm.js';

const AWAKE = 0;
const SLEEPING = 1;

/** Atomics.waitAsync (ES2024; Node 16+, Chromium 87+), typed here as the ES2022 lib lacks it. */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number, t: number): AsyncWait;
}).waitAsync;

/** What Bell.waitAsync() gives: settled at once (`async: false`), or a promise of the wait's end. */
export type AsyncWait = { async: false; value: string } | { async: true; value: Promise<string> };

const bells = new WeakMap<WebAssembly.Memory, Bell>();

/** This thread's bell word in one shared memory. */
export class Bell {
  /** Where the word lives: peers find it through a link's control line. */
  readonly address: number;
  readonly #at: number;
  /** The memory as Int32 slots; the word is reserved before this view is made, so it always reaches it. */
  readonly #slots: Int32Array;

  private constructor(memory: WebAssembly.Memory, address: number) {
    this.address = address;
    this.#at = address >>> 2;
    this.#slots = new Int32Array(memory.buffer);
  }

  /** This thread's bell in the core's memory, reserved on first use. */
  static of(core: Core): Bell {
    let bell = bells.get(core.memory);
    if (!bell) bells.set(core.memory, (bell = new Bell(core.memory, core.regions.alloc(64))));
    return bell;
  }

  /**
   * Tells peers the thread is about to sleep: from now on they ring. The caller then looks at its rings once more
   * before waiting — a peer that published before it read SLEEPING is seen by that look, one that published after
   * it rings (Atomics are sequentially consistent, so one of the two holds).
   */
  sleeping(): void {
    Atomics.store(this.#slots, this.#at, SLEEPING);
  }

  /** Tells peers the thread is awake again: they need not ring. */
  awake(): void {
    Atomics.store(this.#slots, this.#at, AWAKE);
  }

  /**
   * Blocks until the bell is rung or `ms` pass ('ok', 'timed-out'), or returns 'not-equal' at once when it was rung
   * since sleeping(). Only where blocking is allowed (workers; Node's main thread).
   */
  wait(ms: number): 'ok' | 'not-equal' | 'timed-out' {
    return Atomics.wait(this.#slots, this.#at, SLEEPING, ms);
  }

  /** wait() without blocking: the promise settles when the bell is rung or `ms` pass. */
  waitAsync(ms: number): AsyncWait {
    return waitAsync(this.#slots, this.#at, SLEEPING, ms);
  }
}

/** Wakes the thread whose bell is at `address`, if it sleeps. `slots`: the memory as Int32, reaching the address. */
export function ringBell(slots: Int32Array, address: number): void {
  const at = address >>> 2;
  if (Atomics.load(slots, at) === SLEEPING) {
    Atomics.store(slots, at, AWAKE);
    Atomics.notify(slots, at);
  }
}
