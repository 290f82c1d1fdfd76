// Known maps (src/wire/msgpack/known.ts): bodies whose shape the protocol fixes — Ping's and Pong's `{ timestamp }`
// — are read by that shape. It must never change a value or an error: every body a Ping or Pong can carry, of the
// known shape or not, byte for byte or close to it, decodes as @msgpack/msgpack (the oracle) and the generic reader
// (a frame of a type with no known body) decode it, and fails with the same error where they fail.
import { Decoder, encode as msgpackEncode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageType } from '../src/wire/constants.js';
import { WireError } from '../src/wire/errors.js';
import { decodeBody, decodeFrame, encodeFrame } from '../src/wire/frame.js';
import { knownBody } from '../src/wire/bodies.js';
import { decode } from '../src/wire/msgpack/decode.js';
import { knownMap } from '../src/wire/msgpack/known.js';

const oracle = new Decoder();
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

/** What a body decodes as, or its error (class, code, message), read as a Ping's and as a Request's payload. */
function outcome(type: MessageType, payload: Uint8Array): unknown {
  try {
    return { value: decodeBody({ type, payload }) };
  } catch (e) {
    return { error: [(e as Error).constructor.name, (e as WireError).code, (e as Error).message] };
  }
}

/** Held to the generic reader (Request has no known body) and, when it decodes, to @msgpack/msgpack. */
function same(payload: Uint8Array): void {
  const generic = outcome(MessageType.Request, payload);
  for (const type of [MessageType.Ping, MessageType.Pong]) expect(outcome(type, payload)).toEqual(generic);
  const got = outcome(MessageType.Ping, payload) as { value?: unknown };
  if ('value' in got) {
    expect(got.value).toEqual(oracle.decode(payload));
    // The same keys in the same order, and a plain object: the known literal is not told apart from the generic map.
    if (got.value !== null && typeof got.value === 'object') {
      expect(Object.getPrototypeOf(got.value)).toBe(Object.getPrototypeOf((generic as { value: object }).value));
      expect(Object.keys(got.value)).toEqual(Object.keys((generic as { value: object }).value));
    }
  }
}

// Values a timestamp field may hold: numbers of every width, and what a peer may put there instead.
const value = fc.oneof(
  fc.integer(), fc.double(), fc.constantFrom(0, -1, 127, 128, 2 ** 32, 2 ** 53 - 1, -(2 ** 40), 1700000000000, null, true, 'x', ''),
  fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 8 }), fc.array(fc.integer(), { maxLength: 3 }), fc.date({ noInvalidDate: true }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
);
const keyName = fc.constantFrom('timestamp', 'timestampx', 'timestam', 'Timestamp', 'time', 'x', '');

describe('known bodies (Ping, Pong: { timestamp })', () => {
  it('read every body of the known shape as @msgpack/msgpack and the generic reader do', () => {
    fc.assert(fc.property(value, (v) => {
      same(msgpackEncode({ timestamp: v }));
      const frame = decodeFrame(encodeFrame({ type: MessageType.Ping, body: { timestamp: v } }));
      expect(decodeBody(frame)).toEqual(oracle.decode(frame.payload));
    }), { numRuns: 500 });
  });

  it('read bodies of other shapes — other keys, more or fewer fields, other orders, no map — as everyone does', () => {
    fc.assert(fc.property(fc.array(fc.tuple(keyName, value), { maxLength: 4 }), (entries) => {
      same(msgpackEncode(Object.fromEntries(entries)));
      same(msgpackEncode(entries.map(([, v]) => v)));
    }), { numRuns: 500 });
    for (const h of [
      '80', // {}
      '82 a9 74696d657374616d70 01 a9 74696d657374616d70 02', // the key twice: the last one wins, as in the generic reader
      '81 d9 09 74696d657374616d70 05', // the same key as str8: other bytes, the same value
      '81 09 05', // a number as the key
      '81 a9 74696d657374616d70 c7 01 05 aa', // an extension as the value (ExtData)
      '81 a9 74696d657374616d70 d6 ff 00000001', // a timestamp extension: a Date
      'c0', '05', 'a0',
    ]) same(bytes(h));
  });

  it('fail on broken bodies with the generic reader\'s error, word for word', () => {
    const cases = [
      '81 a9 74696d657374616d70', // no value
      '81 a9 74696d657374616d', // the key cut short
      '81 a9 74696d657374616d70 cf 0000', // the value cut short
      '81 a9 74696d657374616d70 05 05', // a byte after the map
      '81 a9 74696d657374616d70 c1', // 0xc1 starts nothing
      '81 a9 74696d657374616d70 dd 01ffffff', // an array bomb as the value
      '81 a9 74696d657374616d70 d6 ff 0000', // a timestamp extension cut short
      '81 a9 74696d657374616d70 c7 03 ff 000000', // a timestamp of 3 bytes
      '81', '',
    ];
    for (const h of cases) {
      const payload = bytes(h);
      expect(outcome(MessageType.Ping, payload)).toEqual(outcome(MessageType.Request, payload));
      expect((outcome(MessageType.Ping, payload) as { error?: unknown }).error).toBeDefined();
    }
    // Nested as deep as the limit allows below the known map, and one level deeper.
    for (const levels of [98, 99, 100]) same(bytes(`81 a9 74696d657374616d70 ${'91'.repeat(levels)} 01`));
  });

  it('honours the depth limit at the map itself, as the generic reader does', () => {
    const payload = msgpackEncode({ timestamp: 1 });
    const known = knownBody(MessageType.Ping)!;
    const policy = { views: true, ext: () => undefined };
    expect(() => decode(payload, policy, 0, known)).toThrow(/nested deeper than 0 levels/);
    expect(() => decode(payload, policy, 0)).toThrow(/nested deeper than 0 levels/);
    expect(decode(payload, policy, 1, known)).toEqual({ timestamp: 1 });
  });

  it('are described by their literal alone: several keys, read in their order only', () => {
    const two = knownMap((next) => ({ code: next(), reason: next() }));
    const policy = { views: true, ext: () => undefined };
    const read = (h: string): unknown => decode(bytes(h), policy, 10, two);
    // 82 a4 "code" cd 03e8 a6 "reason" a3 "bye": the known map.
    expect(read('82 a4 636f6465 cd03e8 a6 726561736f6e a3 627965')).toEqual({ code: 1000, reason: 'bye' });
    // The other order: read the generic way, keys in the order they came.
    const swapped = read('82 a6 726561736f6e a3 627965 a4 636f6465 cd03e8') as object;
    expect(Object.keys(swapped)).toEqual(['reason', 'code']);
    for (const v of [{ code: 1000, reason: 'bye' }, { reason: 'bye', code: 1000 }, { code: 1 }, { code: 1, reason: 'x', more: 2 }]) {
      const payload = msgpackEncode(v);
      expect(decode(payload, policy, 10, two)).toEqual(oracle.decode(payload));
    }
    expect(knownBody(MessageType.Request)).toBeUndefined();
    expect(knownBody(undefined)).toBeUndefined();
    expect(knownBody(MessageType.Pong)).toBe(knownBody(MessageType.Ping));
  });
});
