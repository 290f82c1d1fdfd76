// The ring border (src/core/ring.ts): both sides of one link in this thread, each a RingEnd over the same storage,
// as a transport sees them — frames in, views out, counts, and the wake-up protocol. The wasm ring's own edge
// cases (wrap-around, indices across 2^32, corrupt records) are in ring-core.test.ts.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MessageType } from 'swarmwire';
import * as wire from 'swarmwire/wire';
import { type FrameList, RING_OK, RingEnd, recordBytes, ringStorage } from '../src/core/ring.js';
import { init } from '../src/core/wasm.js';

beforeAll(async () => {
  await init({ wasm: readFileSync(new URL('../build/swarmwire.wasm', import.meta.url)) });
});

const LOW = 2;
const HIGH = 1;
const filled = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + 1) & 0xff);
/** Nothing filled() makes counts as a frame here (its second byte is never its first): every record travels raw. */
const options = { framed: (bytes: Uint8Array) => bytes.byteLength > 1 && bytes[0] === bytes[1], maxPayload: wire.MAX_PAYLOAD };

/** An array as the FrameList reserveFrom() reads (a transport's backlog, in the SDK). */
const list = (frames: Uint8Array[]): FrameList => ({ length: frames.length, at: (i) => frames[i]! });

function link(laneBytes = 4096): [RingEnd, RingEnd] {
  const storage = ringStorage(laneBytes);
  return [new RingEnd(storage, 0, options), new RingEnd(storage, 1, options)];
}

/** Everything `end` can drain from `lane` now, copied, and the status of the last drain. */
function drainAll(end: RingEnd, lane: number): { records: Uint8Array[]; status: number } {
  const records: Uint8Array[] = [];
  for (;;) {
    const n = end.drain(lane);
    for (let i = 0; i < n; i++) records.push(end.record(i).slice());
    const status = end.release();
    if (n === 0 || status !== RING_OK) return { records, status };
  }
}

describe('RingEnd', () => {
  it('shows nothing before commit(), then every record in order as a view, and gives the room back on release()', () => {
    const [a, b] = link();
    const sent = [filled(0, 1), filled(100, 2), filled(7, 3)];
    for (const frame of sent) expect(a.reserve(HIGH, frame)).toBe(true);
    expect(a.reserved).toBe(sent.reduce((sum, f) => sum + recordBytes(f.byteLength), 0));
    expect(a.outgoing()).toBe(a.reserved);
    expect(b.drain(HIGH)).toBe(0);
    expect(b.release()).toBe(RING_OK);
    a.commit();
    expect(a.reserved).toBe(0);
    expect(a.outgoing()).toBe(8 + 112 + 16); // published, not yet released
    const n = b.drain(HIGH);
    expect(n).toBe(3);
    const views = [b.record(0), b.record(1), b.record(2)];
    expect(views).toEqual(sent);
    expect(views.every((v) => v.buffer instanceof SharedArrayBuffer)).toBe(true); // views into the ring, not copies
    expect(b.incomingEmpty()).toBe(false);
    expect(b.release()).toBe(RING_OK);
    expect(b.incomingEmpty()).toBe(true);
    expect(a.outgoing()).toBe(0);
  });

  it('keeps the lanes apart, and each side sends on its own direction', () => {
    const [a, b] = link();
    a.reserve(LOW, filled(10, 1));
    a.reserve(HIGH, filled(20, 2));
    b.reserve(HIGH, filled(30, 3));
    a.commit();
    b.commit();
    expect(drainAll(b, 0).records).toEqual([]);
    expect(drainAll(b, HIGH).records).toEqual([filled(20, 2)]);
    expect(drainAll(b, LOW).records).toEqual([filled(10, 1)]);
    expect(drainAll(a, HIGH).records).toEqual([filled(30, 3)]);
    expect(drainAll(a, LOW).records).toEqual([]);
  });

  it('refuses a record the ring has no room for, and takes a batch while it fits, in order', () => {
    const [a, b] = link(1024);
    expect(a.maxRecord).toBe(504);
    const batch = [100, 200, 300, 400, 500].map((size, i) => filled(size, i));
    expect(a.reserveFrom(HIGH, list(batch))).toBe(3); // 108 + 208 + 312 = 628; 408 more would pass 1024
    expect(a.reserve(HIGH, batch[3]!)).toBe(false);
    a.commit();
    expect(drainAll(b, HIGH).records).toEqual(batch.slice(0, 3));
    // 400 no longer fits before the end (at 628): it starts over at 0, and 500 then waits for that room.
    expect(a.reserveFrom(HIGH, list(batch.slice(3)))).toBe(1);
    a.commit();
    expect(drainAll(b, HIGH).records).toEqual([batch[3]]);
    expect(a.reserveFrom(HIGH, list(batch.slice(4)))).toBe(1);
    a.commit();
    expect(drainAll(b, HIGH).records).toEqual([batch[4]]);
  });

  it('places batches longer than one wasm call takes (512 records)', () => {
    const [a, b] = link(1 << 16);
    const many = Array.from({ length: 1500 }, (_, i) => filled(i % 24, i));
    expect(a.reserveFrom(LOW, list(many))).toBe(1500);
    a.commit();
    expect(drainAll(b, LOW).records).toEqual(many);
  });

  it('checks the records `framed` accepts, and stops at a bad one with its status', () => {
    const [a, b] = link();
    const frame = wire.encodeFrame({ type: MessageType.Event, features: wire.Feature.CHECKSUM, payload: filled(40, 1) });
    const framedOptions = { framed: (bytes: Uint8Array) => bytes[0] === 0x4d, maxPayload: wire.MAX_PAYLOAD };
    const storage = ringStorage(4096);
    const producer = new RingEnd(storage, 0, framedOptions);
    const consumer = new RingEnd(storage, 1, framedOptions);
    const bad = frame.slice();
    bad[40]! ^= 1;
    for (const record of [frame, filled(9, 2), bad, frame]) expect(producer.reserve(HIGH, record)).toBe(true);
    producer.commit();
    const got = drainAll(consumer, HIGH);
    expect(got.records).toEqual([frame, filled(9, 2)]);
    expect(got.status).toBe(wire.Status.ChecksumMismatch);
    // The same bytes pass when not taken for a frame.
    expect(a.reserve(HIGH, bad)).toBe(true);
    a.commit();
    expect(drainAll(b, HIGH)).toEqual({ records: [bad], status: RING_OK });
  });

  describe('wake-up', () => {
    // Both ends live in this thread, so both post the same bell: what one rings, the test reads through wait(0),
    // which answers 'not-equal' at once for a rung bell and 'timed-out' for one still saying SLEEPING.
    it('commit() rings the consumer only once it says it sleeps', () => {
      const [a, b] = link();
      expect(a.bell).toBe(b.bell);
      const bell = b.bell;
      a.reserve(HIGH, filled(8, 1));
      a.commit();
      expect(bell.wait(0)).toBe('not-equal'); // the bell says AWAKE: a wait returns at once

      bell.sleeping();
      expect(bell.wait(0)).toBe('timed-out');
      a.reserve(HIGH, filled(8, 2));
      a.commit();
      expect(bell.wait(0)).toBe('not-equal');
      drainAll(b, HIGH);
    });

    it('release() rings the producer only while it wants room', () => {
      const [a, b] = link();
      const bell = a.bell;
      for (const wants of [false, true, false]) {
        a.wantRoom(wants);
        a.reserve(HIGH, filled(8, 1));
        bell.sleeping();
        a.commit(); // rings the consumer: the same bell here, so say SLEEPING again
        bell.sleeping();
        expect(b.drain(HIGH)).toBe(1);
        b.release();
        expect([wants, bell.wait(0)]).toEqual([wants, wants ? 'not-equal' : 'timed-out']);
        bell.awake();
      }
    });
  });

  it('drainFirst() drains the highest lane with records, and keeps the send order across lanes', () => {
    const [a, b] = link();
    const CRITICAL = 0;
    const first = filled(10, 1); // a HelloDone, say: Critical
    const then = filled(20, 2); // the session's first frame: High
    expect(b.drainFirst()).toBe(0);
    a.reserve(LOW, filled(5, 3));
    a.reserve(HIGH, then);
    a.commit();
    expect(b.drainFirst()).toBe(1); // High before Low
    expect(b.record(0)).toEqual(then);
    expect(b.release()).toBe(RING_OK);

    // The race a second thread makes: `first` lands on the Critical lane, then `then` on High, after the Critical
    // lane was looked at and before the High lane is. The records of High are dropped unreleased; Critical goes first.
    const drain = b.drain.bind(b);
    let interleave = true;
    b.drain = (lane: number): number => {
      if (lane === HIGH && interleave) {
        interleave = false;
        a.reserve(CRITICAL, first);
        a.reserve(HIGH, then);
        a.commit();
      }
      return drain(lane);
    };
    const order: Uint8Array[] = [];
    for (let n = b.drainFirst(); n > 0; n = b.drainFirst()) {
      for (let i = 0; i < n; i++) order.push(b.record(i).slice());
      expect(b.release()).toBe(RING_OK);
    }
    expect(order).toEqual([first, then, filled(5, 3)]);
    expect(b.incomingEmpty()).toBe(true);
  });

  it('refuses storage of a size that is not a power of two between 64 and 2^30', () => {
    for (const bad of [0, 32, 100, 3000, 2 ** 31]) expect(() => ringStorage(bad)).toThrow(RangeError);
  });
});
