// How hard and how long each attack runs: SHORT in `npm test` (the whole suite within about a minute on two shared
// cores), LONG in `npm run attack` (the figures for docs/adversarial.md), which environment variables can stretch.
const MiB = 1024 * 1024;

export const SHORT = Object.freeze({
  name: 'short',
  warmupMs: 300,
  quietMs: 1_000,
  /** How long honest traffic may take to drain after an attack (a live relay only). */
  drainMs: 10_000,
  /** Default bound on the relay's RSS growth during an attack; attacks may set their own. */
  maxRssGrowthMiB: 100,
  /**
   * Latency is reported in the short run; the long one checks it too, for the attacks that declare a bound (timing
   * belongs to a long run, not to unit tests on a shared machine).
   */
  strictLatency: false,
  /** Seconds the timed attacks (identity, spoofing, floods of small things) keep going. */
  attackMs: 1_500,
  /** Huge first messages: attackers, how many stream at once, bytes each announces. */
  flood: { attackers: 16, parallel: 8, bytes: 48 * MiB },
  /** Connections that never say Hello, and WebSocket-level slowloris connections. */
  idle: 600,
  slowloris: 20,
  /** Cross-layer fuzz inputs. */
  fuzzInputs: 400,
  seed: 1,
});

/** The long run; ATTACK_SECONDS, ATTACK_FUZZ_INPUTS, ATTACK_SEED, ATTACK_FLOOD_PARALLEL change it. */
export function longScale(env = process.env) {
  return Object.freeze({
    ...SHORT,
    name: 'long',
    quietMs: 3_000,
    strictLatency: true,
    attackMs: Number(env.ATTACK_SECONDS ?? 10) * 1_000,
    flood: { attackers: 50, parallel: Number(env.ATTACK_FLOOD_PARALLEL ?? 50), bytes: 48 * MiB },
    idle: 600,
    slowloris: 50,
    fuzzInputs: Number(env.ATTACK_FUZZ_INPUTS ?? 20_000),
    seed: Number(env.ATTACK_SEED ?? 1),
  });
}
