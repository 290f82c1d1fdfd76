// Side-by-side timing on a shared, noisy machine. Every case of a suite runs in the same process, in several
// rounds that interleave the cases (reversing their order each round), so a slow spell on the machine hits all of
// them alike; each case's figure is the median over rounds of the per-round median. Calls of a few nanoseconds are
// timed in batches: a single call is shorter than the clock's resolution and the cost of reading it.
import { Bench } from 'tinybench';

/** Keeps results alive so that the optimiser cannot drop the measured calls. */
export let sink;

const now = performance.now.bind(performance);

/**
 * A timing loop compiled separately for each case: a shared loop would see every case's function at one call
 * site, turn megamorphic and stop inlining, adding a few ns to the small cases only.
 */
const makeLoop = () => new Function('fn', 'n', 'now', `
  let last;
  const t0 = now();
  for (let i = 0; i < n; i++) last = fn();
  const t = now() - t0;
  return [t, last];
`);

/** Calls per sample so that one sample lasts about `sampleMs`. */
function calibrate(loop, fn, sampleMs) {
  let n = 1;
  for (;;) {
    const [t] = loop(fn, n, now);
    if (t >= sampleMs || n >= 1 << 24) return Math.max(1, Math.round((n * sampleMs) / Math.max(t, 1e-6)));
    n *= 4;
  }
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Times each case: `{ name, fn }`, where fn does one operation and returns something (kept in `sink`).
 * Options: rounds (default 8), time per case per round in ms (default 80), warmupTime in ms (default 30),
 * sampleMs: the length of one timed batch (default 0.5).
 * Returns `[{ name, ns, best, rounds }]`: ns is the median of the rounds' medians, best the fastest round's
 * median, rounds every round's median, all in nanoseconds per operation.
 */
export async function measure(cases, { rounds = 8, time = 80, warmupTime = 30, sampleMs = 0.5 } = {}) {
  const prepared = cases.map((c) => {
    const loop = makeLoop();
    for (let i = 0; i < 3; i++) sink = c.fn(); // fail early, before any timing, if a case throws
    return { ...c, loop, n: calibrate(loop, c.fn, sampleMs), perRound: [] };
  });
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time, warmupTime, warmupIterations: 4, iterations: 16, throws: true });
    const order = round % 2 ? [...prepared].reverse() : prepared;
    for (const c of order) {
      bench.add(c.name, () => {
        const [t, last] = c.loop(c.fn, c.n, now);
        sink = last;
        return { overriddenDuration: t / c.n, overriddenIterationCost: t };
      });
    }
    await bench.run();
    for (const c of prepared) {
      const task = bench.getTask(c.name);
      c.perRound.push(task.result.latency.p50 * 1e6); // ms → ns
    }
  }
  return prepared.map((c) => ({ name: c.name, ns: median(c.perRound), best: Math.min(...c.perRound), rounds: c.perRound }));
}

/**
 * How many times faster `c` is than `ref` (both results of one measure() call): the median over rounds of the
 * ratio within each round, so that both sides of every ratio ran at nearly the same time on the machine.
 */
export function speedup(ref, c) {
  return median(ref.rounds.map((t, i) => t / c.rounds[i]));
}
