// The RPC value codec: small values through the wire's tiny path (same bytes as the general codec), the rest
// through @msgpack/msgpack with the extension types; decoded bytes never alias the payload they came from.
import { decode, encode } from '@msgpack/msgpack';
import { expect, it } from 'vitest';
import { type CodecHost, decodeValue, encodeValue } from '../src/rpc/codec.js';

const host: CodecHost = {
  exportRef: () => 1, importRef: (id) => ({ ref: id }), exportStream: () => [1, 0], importStream: (id) => ({ stream: id }), stacks: false,
};
const limits = { maxDepth: 8 };

it('encodes small and large values to the bytes the general codec reads back', () => {
  for (const value of [[1, 2], [1.5, 'héllo', null, true], { a: 1, b: 'x' }, ['x'.repeat(100), new Uint8Array([1, 2])], [[1, [2, [3]]]], 2 ** 40, -5]) {
    const bytes = encodeValue(host, value);
    expect(decode(bytes)).toEqual(decode(encode(value)));
    expect(decodeValue(host, bytes, limits)).toEqual(decode(encode(value)));
  }
});

it('gives each encoded value bytes of its own', () => {
  const a = encodeValue(host, [1, 2, 3]);
  const b = encodeValue(host, [4, 5, 6]);
  expect(decode(a)).toEqual([1, 2, 3]);
  expect(decode(b)).toEqual([4, 5, 6]);
});

it('copies bytes out of the payload, so a reused transport buffer cannot change a decoded value', () => {
  const payload = encode([new Uint8Array([1, 2, 3]), 'x'.repeat(40)]);
  const [bytes] = decodeValue(host, payload, limits) as [Uint8Array];
  payload.fill(0);
  expect([...bytes]).toEqual([1, 2, 3]);
});

it('refuses nesting deeper than the limit', () => {
  const deep = (n: number): unknown => (n === 0 ? 1 : [deep(n - 1)]);
  expect(() => decodeValue(host, encode(deep(20)), limits)).toThrow(expect.objectContaining({ code: 'SW_ERR_RPC_BAD_ARGS' }));
});
