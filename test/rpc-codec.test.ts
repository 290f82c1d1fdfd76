// The RPC value codec: its fast path for simple values must produce and accept the same MessagePack as the general
// codec, for any value (property tests), and never throw on bytes it does not take on.
import { decode, encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { fastDecode, fastEncode } from '../src/rpc/fast-codec.js';

const simple = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.integer({ min: -(2 ** 31), max: 2 ** 32 }),
    fc.maxSafeInteger(),
    fc.maxSafeNat(),
    fc.double({ noNaN: true }),
    fc.string({ unit: 'binary' }),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 300 }),
    fc.array(tie('value'), { maxLength: 20 }),
  ),
})).value;

it('encodes simple values to bytes the general codec reads back as the same value', () => {
  fc.assert(fc.property(simple, (value) => {
    const bytes = fastEncode(value);
    if (bytes === undefined) return; // deeper than the fast path takes: the general codec's job
    expect(decode(bytes)).toEqual(decode(encode(value)));
  }), { numRuns: 500 });
});

it('decodes what the general codec writes, or leaves it to the general codec', () => {
  fc.assert(fc.property(simple, (value) => {
    const bytes = encode(value);
    const fast = fastDecode(bytes);
    if (fast === undefined) return;
    expect(fast.value).toEqual(decode(bytes));
  }), { numRuns: 500 });
});

it('takes strings of every length and non-ASCII text', () => {
  for (const s of ['', 'a', 'é', '日本語', 'x'.repeat(31), 'x'.repeat(32), 'é'.repeat(100), 'y'.repeat(70_000), '😀'.repeat(20)]) {
    expect(decode(fastEncode(s)!)).toBe(s);
    expect(fastDecode(encode(s))?.value ?? decode(encode(s))).toBe(s);
  }
});

it('declines maps, extension types, trailing bytes and truncated input without throwing', () => {
  expect(fastEncode({ a: 1 })).toBeUndefined();
  expect(fastEncode([1, () => 1])).toBeUndefined();
  expect(fastDecode(encode({ a: 1 }))).toBeUndefined();
  expect(fastDecode(new Uint8Array([0x01, 0x02]))).toBeUndefined();
  expect(fastDecode(new Uint8Array([0x92, 0x01]))).toBeUndefined();
  expect(fastDecode(new Uint8Array([0xcd, 0x01]))).toBeUndefined();
  expect(fastDecode(new Uint8Array(100_000).fill(0x91))).toBeUndefined(); // deep nesting: declined, not recursed
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
    const fast = fastDecode(bytes);
    if (fast !== undefined) expect(fast.value).toEqual(decode(bytes));
  }), { numRuns: 2000 });
});

it('copies bytes out of the payload, so a reused buffer cannot change a decoded value', () => {
  const payload = encode([new Uint8Array([1, 2, 3])]);
  const [bytes] = fastDecode(payload)!.value as [Uint8Array];
  payload.fill(0);
  expect([...bytes]).toEqual([1, 2, 3]);
});
