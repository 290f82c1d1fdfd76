// The ring transport's backlog (src/transport/backlog.ts): frames copied into reusable chunks, handed back in order,
// unchanged by later writes to the caller's buffer or by later pushes that reuse emptied chunks.
import { describe, expect, it } from 'vitest';
import { FrameBacklog } from '../src/transport/backlog.js';
import { sameBytes } from './transport-contract.js';

const frame = (id: number, size: number): Uint8Array => {
  const f = new Uint8Array(size);
  for (let i = 0; i < size; i++) f[i] = (id * 131 + i * 7) & 0xff;
  if (size >= 4) new DataView(f.buffer).setUint32(0, id);
  return f;
};

describe('FrameBacklog', () => {
  it('keeps copies: the caller may overwrite its buffer at once', () => {
    const q = new FrameBacklog();
    const buf = frame(1, 100);
    q.push(buf);
    buf.fill(0);
    expect(sameBytes(q.at(0), frame(1, 100))).toBe(true);
  });

  it('hands frames back in order across chunk ends, with large and empty frames in between', () => {
    const q = new FrameBacklog();
    const sizes = [0, 4000, 70_000, 4000, 200_000, 1, 64, 65_536, 65_537, 9000];
    const sent: Uint8Array[] = [];
    for (let round = 0; round < 30; round++) {
      for (const [i, s] of sizes.entries()) {
        const f = frame(round * 100 + i, s);
        q.push(f);
        sent.push(f);
      }
    }
    const got: Uint8Array[] = [];
    while (q.length > 0) {
      const n = Math.min(q.length, 7);
      for (let i = 0; i < n; i++) got.push(q.at(i).slice());
      q.shift(n);
    }
    expect(got.length).toBe(sent.length);
    const bad = sent.findIndex((f, i) => !sameBytes(got[i]!, f));
    expect(bad, 'first frame changed').toBe(-1);
  });

  it('never overwrites a waiting frame when emptied chunks are reused, even if it never runs empty', () => {
    const q = new FrameBacklog();
    let pushed = 0;
    let taken = 0;
    // Push 3, take 2, for a long time: the backlog grows slowly and never empties; chunks empty behind the head.
    for (let step = 0; step < 3000; step++) {
      for (let k = 0; k < 3; k++, pushed++) q.push(frame(pushed, 1000 + (pushed % 5000)));
      for (let k = 0; k < 2; k++) {
        if (!sameBytes(q.at(0), frame(taken, 1000 + (taken % 5000)))) throw new Error(`frame ${taken} changed`);
        q.shift(1);
        taken++;
      }
    }
    expect(q.length).toBe(pushed - taken);
    for (let i = 0; i < q.length; i++) expect(sameBytes(q.at(i), frame(taken + i, 1000 + ((taken + i) % 5000))), `frame ${taken + i}`).toBe(true);
  });

  it('is empty after clear() and takes frames again', () => {
    const q = new FrameBacklog();
    for (let i = 0; i < 100; i++) q.push(frame(i, 3000));
    q.clear();
    expect(q.length).toBe(0);
    q.push(frame(7, 10));
    expect(sameBytes(q.at(0), frame(7, 10))).toBe(true);
  });
});
