// Types for the plain-JavaScript Redis chaos run (soak/redis-chaos.mjs), so test/redis-chaos.test.ts type-checks.
export interface ChaosOptions {
  /** Acked frames in all. Default: 100,000. */
  frames: number;
  /** Relays, each in a process of its own. Default: 3. */
  relays: number;
  /** Senders, and as many receivers. Default: 3. */
  peers: number;
  /** A fault every so many ms. Default: 1,500. */
  faultEveryMs: number;
  /** Instead, a fault each time this many more frames arrived. Default: none (by time). */
  faultEveryFrames: number;
  /** Unacked frames per sender at most. Default: 200. */
  window: number;
  /** The whole run's deadline, ms. Default: the larger of 120 s and 10 ms per frame. */
  deadlineMs: number;
  /** Seed of the faults' choices. Default: 17. */
  seed: number;
  /** Progress lines. Default: none. */
  log: (line: string) => void;
}
export interface ChaosReport {
  frames: number; received: number; lost: number; duplicates: number; outOfOrder: number;
  senderErrors: number; errorMessages: Record<string, number>;
  faults: { relayKilled: number; redisRestarted: number; peerMoved: number };
  seconds: number; framesPerSecond: number;
}
export function runChaos(options?: Readonly<Partial<ChaosOptions>>): Promise<ChaosReport>;
