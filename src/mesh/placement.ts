// Placement: the least-loaded node that has every capability asked for. Pure: the host feeds it what it knows.
import type { LoadInfoBody } from './messages.js';

/** A node that could host an agent, with what its last LoadInfo said (undefined: never heard). */
export interface Candidate {
  id: string;
  capabilities: readonly string[];
  load?: LoadInfoBody;
}

/**
 * Orders nodes by load: fewer agents first, then less event-loop lag (in 5 ms steps, below which timers are
 * noise), then shorter queues. Nodes that never sent LoadInfo come last.
 */
export function compareLoad(a: LoadInfoBody | undefined, b: LoadInfoBody | undefined): number {
  if (!a || !b) return (a ? 0 : 1) - (b ? 0 : 1);
  return a.agents - b.agents || Math.floor(a.lagMs / 5) - Math.floor(b.lagMs / 5) || a.queue - b.queue;
}

/** The id of the least-loaded candidate with all of `capabilities`, or undefined when none has them. */
export function leastLoaded(candidates: readonly Candidate[], capabilities: readonly string[] = []): string | undefined {
  let best: Candidate | undefined;
  for (const c of candidates) {
    if (!capabilities.every((cap) => c.capabilities.includes(cap))) continue;
    if (!best || compareLoad(c.load, best.load) < 0) best = c;
  }
  return best?.id;
}
