// The encoder's key shapes (src/wire/msgpack/keys.ts): objects of a shape seen before have their keys written from
// the shape's stored words, not char by char. It must never change a byte: held to @msgpack/msgpack (the oracle)
// for objects that repeat shapes, share a first key across many shapes, outgrow the shape limits, leave fields out
// (Comlink's omit-undefined policy), and for objects whose getters change them while they are written.
import { encode as msgpackEncode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageType } from '../src/wire/constants.js';
import { decodeFrame, encodeFrame } from '../src/wire/frame.js';
import { BODY, BODY_OMITTING_UNDEFINED, packShared } from '../src/wire/payload.js';
import { keyShape } from '../src/wire/msgpack/keys.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const both = (v: unknown): void => {
  expect(hex(packShared(v, BODY))).toBe(hex(msgpackEncode(v)));
  expect(hex(packShared(v, BODY_OMITTING_UNDEFINED))).toBe(hex(msgpackEncode(v, { ignoreUndefined: true })));
};

// Keys around the fixstr border (31 and 32 bytes) and the word border (lengths 0-5), non-ASCII ones, and a few first
// keys shared by many shapes, so shapes are found, missed, replaced and told apart.
const KEYS = ['', 'a', 'id', 'abc', 'type', 'typed', 'x'.repeat(30), 'y'.repeat(31), 'z'.repeat(32), 'é', 'ключ', '😀', '__proto__', '0', '17'];
const keyList = fc.uniqueArray(fc.constantFrom(...KEYS), { maxLength: 8 });
const value = fc.oneof(fc.constantFrom(undefined, null, true, 0, -1, 300, 1.5, 'v', 'é'), fc.integer(), fc.string({ maxLength: 40 }));

describe('key shapes', () => {
  it('write objects of recurring shapes to the bytes @msgpack/msgpack gives, fields left out or not', () => {
    fc.assert(fc.property(fc.array(fc.tuple(keyList, fc.array(value, { minLength: 8, maxLength: 8 })), { minLength: 1, maxLength: 30 }), (objects) => {
      // Each shape is written several times, nested too, with other values each time.
      for (const [keys, values] of objects) {
        const o = Object.fromEntries(keys.map((k, i) => [k, values[i]]));
        both(o);
        both({ inner: o, list: [o, o] });
      }
    }), { numRuns: 300 });
  });

  it('tells apart many shapes with one first key, and objects past the shape limits', () => {
    // 40 shapes starting with "type" (more than a first key keeps), in rounds, so each is missed, rebuilt and found.
    const shapes = Array.from({ length: 40 }, (_, i) => ['type', ...Array.from({ length: (i % 5) + 1 }, (_, j) => `f${i}_${j}`)]);
    for (let round = 0; round < 3; round++) {
      for (const keys of shapes) both(Object.fromEntries(keys.map((k, j) => [k, j % 2 ? undefined : j])));
    }
    // More first keys than the table holds: it starts again, and still writes the same bytes.
    for (let i = 0; i < 2100; i++) both({ [`k${i}`]: i, tail: 'x' });
    // Too many keys for a shape: written key by key.
    const wide = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`w${i}`, i]));
    expect(keyShape(Object.keys(wide))).toBeUndefined();
    both(wide);
    both(wide);
    // A non-ASCII or a 32-byte key: no shape.
    expect(keyShape(['ok', 'é'])).toBeUndefined();
    expect(keyShape(['ok', 'z'.repeat(32)])).toBeUndefined();
    expect(keyShape(['ok', 'y'.repeat(31)])).toBeInstanceOf(Int32Array);
  });

  it('never writes the padding of a key over a kept frame, through slab after slab', () => {
    // Frames are kept outputs packed back to back in 64 KiB slabs; a shaped key is written as whole words, up to
    // 3 bytes past its end. Short bodies whose last key ends right before a 1-byte value, then a scratch pack
    // between frames: every frame must still hold its bytes when thousands have followed it.
    const frames: Array<[Uint8Array, string]> = [];
    for (let i = 0; i < 5000; i++) {
      const body = i % 2 ? { k: i % 3, abcde: 1 } : { ab: 'x'.repeat(i % 7), c: true };
      frames.push([encodeFrame({ type: MessageType.Event, body }), hex(msgpackEncode(body))]);
      packShared({ abcdefg: 0 }, BODY);
    }
    for (const [bytes, want] of frames) expect(hex(decodeFrame(bytes).payload)).toBe(want);
  });

  it('refuses an object whose getter deletes a field it has not written yet, with a typed error', () => {
    const o = {
      get first(): number {
        delete (o as { second?: number }).second;
        return 1;
      },
      second: 2,
    };
    for (const policy of [BODY, BODY_OMITTING_UNDEFINED]) {
      expect(() => packShared({ o }, policy)).toThrow(expect.objectContaining({ code: 'SW_ERR_PAYLOAD' }));
      (o as { second?: number }).second = 2;
    }
  });

  it('reads a one-entry map\'s value by its key: its getter runs once, and the bytes are @msgpack/msgpack\'s', () => {
    let calls = 0;
    const counted = {
      get timestamp(): number {
        calls++;
        return 1700000000000;
      },
    };
    const selfDeleting = {
      get only(): string {
        delete (selfDeleting as { only?: string }).only;
        return 'gone after this read';
      },
    };
    expect(hex(packShared(counted, BODY))).toBe(hex(msgpackEncode({ timestamp: 1700000000000 })));
    expect(calls).toBe(1);
    expect(hex(packShared({ inner: selfDeleting }, BODY))).toBe(hex(msgpackEncode({ inner: { only: 'gone after this read' } })));
    for (const one of [{ u: undefined }, { n: null }, { [Symbol('s')]: 1, k: 2 }, Object.defineProperty({ v: 1 }, 'hidden', { value: 2 })]) both(one);
  });
});
