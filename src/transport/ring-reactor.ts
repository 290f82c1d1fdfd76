// One loop per thread (and shared memory) that services every ring endpoint of the thread, so several rings never
// wait on each other: it pumps all endpoints while any makes progress, spins briefly when they go quiet, then
// sleeps on the thread's bell (src/core/bell.ts), which peers ring only once it says SLEEPING.
//
// The loop steps in microtasks rather than spinning in a `for` loop: listeners mostly answer from promise
// continuations — a session's handler, an RPC method, an awaited call — and those could not run during a
// synchronous spin, so every request/response paid the whole spin plus a wake-up (82 µs per sequential RPC call).
//
// Sleeping: Atomics.wait in a worker ('block': the fastest wake-up, but it holds the worker's event loop, so it
// waits in slices and runs the event loop between them), Atomics.waitAsync on a main thread ('async').
import { type Bell } from '../core/bell.js';
import { microtask } from './microtask.js';

/** What the reactor drives: one call moves whatever can move now and says whether anything did. */
export interface Pumped {
  pump(): boolean;
  /** Ends the endpoint after pump() threw: a broken endpoint must not stop the loop its neighbours share. */
  fail(error: unknown): void;
}

/** How a thread sleeps when its rings are quiet. */
export type WaitMode = 'block' | 'async';

export interface ReactorOptions {
  /** How long the loop keeps polling after the last progress before it sleeps, in µs. Default 50. */
  spinMicros: number;
  /** 'block' (Atomics.wait) or 'async' (Atomics.waitAsync). Default: 'block' in a browser worker, else 'async'. */
  wait: WaitMode;
  /** Longest single Atomics.wait in 'block' mode, in ms: the worker's event loop runs at least this often. Default 10. */
  blockSliceMs: number;
}

/** Longest stretch of pumping before the loop lets the event loop run, in ms. */
const BUDGET_MS = 4;
/** Deadline of an async wait, after which the loop looks again (it also re-checks peers' liveness then). */
const ASYNC_WAIT_MS = 1000;

const macrotask: (fn: () => void) => void = (() => {
  if (typeof setImmediate === 'function') return (fn: () => void) => void setImmediate(fn);
  // Browsers clamp nested setTimeout(0) to 4 ms; a message to ourselves is not clamped.
  if (typeof MessageChannel === 'function') {
    const channel = new MessageChannel();
    const queue: Array<() => void> = [];
    channel.port1.onmessage = () => queue.shift()?.();
    return (fn: () => void) => {
      queue.push(fn);
      channel.port2.postMessage(0);
    };
  }
  return (fn: () => void) => void setTimeout(fn, 0);
})();

const inBrowserWorker = (): boolean => typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'function';

const reactors = new WeakMap<Bell, Reactor>();

export class Reactor {
  readonly #bell: Bell;
  readonly #endpoints = new Set<Pumped>();
  readonly #options: ReactorOptions;
  /** A turn is scheduled, running or sleeping: kick() need not start one. */
  #active = false;
  #sleepingAsync = false;
  /** Counts async sleeps: a wait that resolves after kick() already woke the loop belongs to an old sleep. */
  #sleeps = 0;
  /** When the endpoints last went quiet (performance.now()), 0 while they move. */
  #quietSince = 0;
  /** When the current macrotask turn began. */
  #turnStart = 0;

  private constructor(bell: Bell, options: Readonly<Partial<ReactorOptions>>) {
    this.#bell = bell;
    this.#options = {
      spinMicros: options.spinMicros ?? 50,
      wait: options.wait ?? (inBrowserWorker() ? 'block' : 'async'),
      blockSliceMs: options.blockSliceMs ?? 10,
    };
  }

  /** This thread's reactor for the memory `bell` lives in (one bell per thread and memory); the options of the first call stay. @internal */
  static of(bell: Bell, options: Readonly<Partial<ReactorOptions>> = {}): Reactor {
    let r = reactors.get(bell);
    if (!r) reactors.set(bell, (r = new Reactor(bell, options)));
    return r;
  }

  add(endpoint: Pumped): void {
    this.#endpoints.add(endpoint);
    this.kick();
  }

  remove(endpoint: Pumped): void {
    this.#endpoints.delete(endpoint);
  }

  /**
   * Makes sure a turn runs soon. From an async sleep the loop resumes at once rather than through its own bell
   * (waitAsync resolves through the event loop, tens of µs later); the pending wait is left to expire unheeded.
   * Endpoints kick when they send, so a thread that asked something spins while the answer is on its way.
   */
  kick(): void {
    if (this.#sleepingAsync) {
      this.#sleepingAsync = false;
      this.#sleeps++;
      this.#bell.awake();
      this.#quietSince = 0;
      macrotask(this.#turn);
      return;
    }
    if (this.#active) return;
    this.#active = true;
    this.#quietSince = 0;
    macrotask(this.#turn);
  }

  #pumpAll(): boolean {
    let progress = false;
    for (const e of this.#endpoints) {
      try {
        if (e.pump()) progress = true;
      } catch (error) {
        this.#endpoints.delete(e);
        e.fail(error);
        progress = true;
      }
    }
    return progress;
  }

  /** A macrotask: a new turn, which then steps in microtasks. */
  readonly #turn = (): void => {
    this.#turnStart = performance.now();
    this.#step();
  };

  /**
   * One look at the endpoints. The loop goes on in microtasks, not in a `for` loop, so the listeners' promise
   * continuations (where sessions and RPC answer) interleave with it: an answer leaves while the loop still spins
   * for the reply, with no macrotask hop on the way. A macrotask every BUDGET_MS lets timers and I/O in.
   */
  readonly #step = (): void => {
    if (this.#endpoints.size === 0) {
      this.#active = false;
      return;
    }
    const progress = this.#pumpAll();
    const now = performance.now();
    if (progress) this.#quietSince = 0;
    else if (this.#quietSince === 0) this.#quietSince = now;
    if (progress || (now - this.#quietSince) * 1000 < this.#options.spinMicros) {
      if (now - this.#turnStart > BUDGET_MS) macrotask(this.#turn);
      else microtask(this.#step);
      return;
    }
    // Say we sleep, then look once more: a peer that published before reading SLEEPING is seen here, one that
    // published after it rings the bell.
    const bell = this.#bell;
    bell.sleeping();
    if (this.#pumpAll()) {
      bell.awake();
      this.#quietSince = 0;
      microtask(this.#step);
      return;
    }
    if (this.#options.wait === 'block') {
      bell.wait(this.#options.blockSliceMs);
      bell.awake();
      if (this.#pumpAll()) this.#quietSince = 0;
      macrotask(this.#turn);
      return;
    }
    const waited = bell.waitAsync(ASYNC_WAIT_MS);
    if (!waited.async) {
      bell.awake();
      macrotask(this.#turn);
      return;
    }
    this.#sleepingAsync = true;
    const sleep = ++this.#sleeps;
    void waited.value.then(() => {
      if (sleep !== this.#sleeps) return; // kick() resumed the loop meanwhile
      this.#sleepingAsync = false;
      bell.awake();
      this.#quietSince = 0;
      this.#turn();
    });
  };
}
