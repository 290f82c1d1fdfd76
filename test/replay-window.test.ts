// The duplicate filter of acked frames and calls (src/session/replay-window.ts) against a plain model (a set of every
// id seen, and "older than the window counts as seen"), over seeded random ids with jumps of every size; and the ids
// past 2^53 that once hung it (id + 1 === id as a number: the adversarial suite's requestIdsPast2p53).
import { describe, expect, it } from 'vitest';
import { ReplayWindow, WINDOW, isRequestId } from '../src/session/replay-window.js';

/** What accept() must answer: true once per id, false for a repeat or an id a whole window below the highest. */
class Model {
  seen = new Set<number>();
  top = 0;
  accept(id: number): boolean {
    if (this.top - id >= WINDOW || this.seen.has(id)) return false;
    this.seen.add(id);
    this.top = Math.max(this.top, id);
    return true;
  }
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('ReplayWindow', () => {
  it.each([1, 2, 3])('answers as the model does for ids stepping, jumping (1 to 2 windows) and going back (seed %i)', (seed) => {
    const random = lcg(seed);
    const window = new ReplayWindow();
    const model = new Model();
    let top = 1;
    for (let i = 0; i < 4_000; i++) {
      const r = random();
      // Mostly steps; some jumps of any size up to two windows (clearing part words and whole words); some repeats.
      const id = r < 0.5 ? top + 1 : r < 0.7 ? top + Math.floor(random() * 2 * WINDOW) : Math.max(0, top - Math.floor(random() * 1.2 * WINDOW));
      top = Math.max(top, id);
      expect(window.accept(id), `id ${id}`).toBe(model.accept(id));
    }
  });

  it('after a jump of WINDOW - 1, every id between is new and the old top is still a repeat', () => {
    const window = new ReplayWindow();
    for (let id = 1; id <= 100; id++) expect(window.accept(id)).toBe(true);
    expect(window.accept(100 + WINDOW - 1)).toBe(true);
    expect(window.accept(100)).toBe(false);
    for (let id = 101; id < 100 + WINDOW - 1; id += 97) expect(window.accept(id), `id ${id}`).toBe(true);
  });

  it('never accepts an id that is not below 2^53 or is negative, and answers at once (it used to loop for ever)', () => {
    const window = new ReplayWindow();
    expect(window.accept(5)).toBe(true);
    for (const id of [2 ** 60, 2 ** 60 + 4096, 2 ** 64, Number.MAX_SAFE_INTEGER + 1, -1, 1.5, NaN, Infinity]) expect(window.accept(id), `id ${id}`).toBe(false);
    expect(window.accept(6)).toBe(true);
    expect(window.accept(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(isRequestId(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(isRequestId(2 ** 53)).toBe(false);
  });
});
