// What a runtime can say about its own load: event-loop lag everywhere (a timer's lateness), CPU where the runtime
// reports process CPU time (Node, Deno), memory where it reports it (process RSS, Chromium's JS heap).
import type { LoadInfoBody } from './messages.js';
import { type Clock, type ClockTimer, realClock, unref } from '../core/clock.js';

interface ProcessLike {
  cpuUsage?: () => { user: number; system: number };
  memoryUsage?: () => { rss: number };
}

// Read when sampled, not at import: a bundle that never measures load keeps none of this.
const processOf = (): ProcessLike | undefined => (globalThis as { process?: ProcessLike }).process;
const heapUsed = (): number | undefined => (globalThis as { performance?: { memory?: { usedJSHeapSize?: number } } }).performance?.memory?.usedJSHeapSize;

/** Samples lag, CPU and memory once per `intervalMs` while started. */
export class LoadMeter {
  readonly #intervalMs: number;
  readonly #clock: Clock;
  #timer: ClockTimer | undefined;
  #expected = 0;
  #lagMs = 0;
  #cpu: number | undefined;
  #lastCpu: { at: number; used: number } | undefined;
  #onSample: () => void;

  constructor(intervalMs: number, onSample: () => void, clock: Clock = realClock) {
    this.#intervalMs = intervalMs;
    this.#clock = clock;
    this.#onSample = onSample;
  }

  start(): void {
    if (this.#timer || this.#intervalMs <= 0) return;
    this.#schedule();
  }

  stop(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The latest figures, plus what the caller knows (agents, queues). */
  sample(agents: number, queue: number): LoadInfoBody {
    // The timestamp is wall-clock time for other nodes to read, not a reading of the injected clock.
    const out: LoadInfoBody = { agents, queue, lagMs: this.#lagMs, timestamp: Date.now() };
    if (this.#cpu !== undefined) out.cpu = this.#cpu;
    const memory = processOf()?.memoryUsage?.().rss ?? heapUsed();
    if (memory !== undefined) out.memory = memory;
    return out;
  }

  #schedule(): void {
    this.#expected = this.#clock.now() + this.#intervalMs;
    this.#timer = unref(this.#clock.setTimeout(() => this.#tick(), this.#intervalMs));
  }

  #tick(): void {
    const now = this.#clock.now();
    this.#lagMs = Math.max(0, now - this.#expected);
    const proc = processOf();
    if (proc?.cpuUsage) {
      const { user, system } = proc.cpuUsage();
      const used = (user + system) / 1000; // µs → ms
      if (this.#lastCpu) this.#cpu = Math.max(0, (used - this.#lastCpu.used) / Math.max(1, now - this.#lastCpu.at));
      this.#lastCpu = { at: now, used };
    }
    this.#schedule();
    this.#onSample();
  }
}
