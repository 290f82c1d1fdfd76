// swarmwire's MessagePack codec (src/wire/msgpack/) for frame bodies, held to @msgpack/msgpack (the oracle, a
// devDependency only) both ways: the same bytes on encode, the same values on decode — for any bytes, not only
// well-formed ones — the same failures, and frames that never share or alias bytes, including when a body's getter
// encodes another frame while the first is being written.
import { Decoder, Encoder, ExtData, decode as msgpackDecode, encode as msgpackEncode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageType, Status, WireError, decodeBody } from 'swarmwire';
import { Feature, decodeFrame, encodeFrame, pack, unpack } from 'swarmwire/wire';

const T = MessageType;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** What @msgpack/msgpack decodes, or the message of what it throws. */
function reference(bytes: Uint8Array): { value: unknown } | { error: string } {
  try {
    return { value: new Decoder().decode(bytes) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

// Values at and around every boundary of MessagePack's number and string widths.
const EDGE_NUMBERS = [
  0, -0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, 0x100000000, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1,
  -1, -0x20, -0x21, -0x80, -0x81, -0x8000, -0x8001, -0x80000000, -0x80000001, Number.MIN_SAFE_INTEGER, Number.MIN_SAFE_INTEGER - 1,
  0.5, -1.25, 1e300, Number.MIN_VALUE, NaN, Infinity, -Infinity, 1700000000000,
];
const EDGE_STRINGS = [
  '', 'a', 'x'.repeat(31), 'x'.repeat(32), 'é', 'ascii then ü', '\u007f', '\u0080', '\ud800', 'timestamp', 'é'.repeat(16), 'x'.repeat(50) + '\ud800',
  'x'.repeat(51) + '\udc00', 'é'.repeat(100), '\ufeff' + 'x'.repeat(250), 'x'.repeat(255), 'x'.repeat(256), 'x'.repeat(0xffff), 'x'.repeat(0x10000), '😀'.repeat(20),
];

const asciiString = fc.string({ maxLength: 40 });
const anyString = fc.oneof(asciiString, fc.string({ unit: 'binary', maxLength: 40 }));
const scalar = fc.oneof(
  fc.constantFrom(null, undefined, true, false, ...EDGE_NUMBERS, ...EDGE_STRINGS),
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  fc.double(),
  anyString,
);
/** Flat values around the fix forms' limits (16 entries, long or non-ASCII keys). */
const flat = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 17 }),
  fc.dictionary(anyString, scalar, { maxKeys: 17 }),
);
class Point {
  x = 1;
  y = 'two';
}
/** What @msgpack/msgpack writes besides plain data: Dates (timestamp), every typed array (bin), class instances and null-prototype objects (maps). */
const other = fc.oneof(
  fc.date({ noInvalidDate: false }), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((ms) => new Date(ms * 1000 + 0.5)),
  fc.constantFrom(new Date(0), new Date(-1), new Date(2 ** 32 * 1000), new Date(2 ** 34 * 1000), new Date(8.64e15), new Date(-8.64e15)),
  fc.int16Array({ maxLength: 8 }), fc.float64Array({ maxLength: 4 }), fc.uint8Array({ maxLength: 300 }).map((b) => new DataView(b.buffer)),
  fc.constant(new Point()), fc.dictionary(asciiString, scalar, { maxKeys: 3 }).map((o) => Object.assign(Object.create(null) as object, o)),
);
/** Anything MessagePack carries, nested. */
const nested = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, other, fc.uint8Array({ maxLength: 8 }), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(asciiString, tie('value'), { maxKeys: 4 })),
})).value;
/** Collections past the 16-bit forms, and strings and bytes past 16 bits. */
const LARGE = [
  Array.from({ length: 0x10000 }, (_, i) => i & 0xff), Object.fromEntries(Array.from({ length: 0x10001 }, (_, i) => [`k${i}`, i])),
  Array.from({ length: 17 }, (_, i) => ({ i })), 'é'.repeat(0x8000), new Uint8Array(0x10000), { a: 'x'.repeat(70_000), b: [new Uint8Array(70_000)] },
];

describe('MessagePack codec = @msgpack/msgpack', () => {
  it('packs every edge value to the bytes @msgpack/msgpack gives, and unpacks them to the same values', () => {
    const values: unknown[] = [...EDGE_NUMBERS, ...EDGE_STRINGS, null, undefined, true, false, [], {},
      { timestamp: 1700000000000 }, EDGE_NUMBERS, Object.fromEntries(EDGE_NUMBERS.slice(0, 15).map((n, i) => [`k${i}`, n]))];
    for (const v of values) {
      const want = msgpackEncode(v);
      expect(hex(pack(v)), String(v)).toBe(hex(want));
      expect(unpack(want), String(v)).toEqual(msgpackDecode(want));
    }
  });

  it('agrees with @msgpack/msgpack on values past the 16-bit forms', () => {
    // Compared as bytes (a deep toEqual of 65,536 elements is most of this test's time): what we pack is the
    // reference's bytes, and what we unpack the reference encodes back to the same bytes.
    const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;
    for (const v of LARGE) {
      const want = msgpackEncode(v);
      expect(same(pack(v), want)).toBe(true);
      expect(same(msgpackEncode(unpack(want)), want)).toBe(true);
    }
  });

  it('agrees with @msgpack/msgpack on flat and nested values, both ways', () => {
    fc.assert(fc.property(fc.oneof(flat, nested), (v) => {
      const want = msgpackEncode(v);
      expect(hex(pack(v))).toBe(hex(want));
      const ref = reference(want); // a "__proto__" key encodes, but does not decode
      if ('value' in ref) expect(unpack(want)).toEqual(ref.value);
      else expect(() => unpack(want)).toThrow(WireError);
      const frame = decodeFrame(encodeFrame({ type: T.Event, body: v }));
      if (v === undefined) {
        expect(frame.payloadLength).toBe(0); // no body: no payload, by encodeFrame's contract
      } else {
        expect(hex(frame.payload)).toBe(hex(want));
        if ('value' in ref) expect(decodeBody(frame)).toEqual(ref.value);
        else expect(() => decodeBody(frame)).toThrow(WireError);
      }
    }), { numRuns: 2000 });
  });

  it('decodes any bytes as @msgpack/msgpack does, or fails where it fails, with a WireError', () => {
    // Biased towards the heads that start something: collections, strings, numbers, bin and extensions.
    const head = fc.constantFrom(0x80, 0x81, 0x82, 0x8f, 0x90, 0x91, 0x9f, 0xa0, 0xa3, 0xbf, 0xc0, 0xc2, 0xc3, 0xc4, 0xc7, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd6, 0xd7, 0xd9, 0xdc, 0xde, 0xe0, 0xff);
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 24 }), fc.tuple(head, fc.uint8Array({ maxLength: 24 })).map(([h, rest]) => Uint8Array.of(h, ...rest)));
    fc.assert(fc.property(bytes, (b) => {
      const want = reference(b);
      if ('value' in want) {
        expect(unpack(b)).toEqual(want.value);
      } else {
        let caught: unknown;
        try {
          unpack(b);
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(WireError);
        expect((caught as WireError).code).toBe('SW_ERR_PAYLOAD');
      }
    }), { numRuns: 5000 });
  });

  it('reads extension types it does not know as ExtData, which writes back the same bytes', () => {
    fc.assert(fc.property(fc.integer({ min: -128, max: 127 }).filter((t) => t !== -1), fc.uint8Array({ maxLength: 300 }), (type, data) => {
      const bytes = msgpackEncode([new ExtData(type, data), 1]);
      const [ext] = unpack<[{ type: number; data: Uint8Array }]>(bytes);
      expect(ext).toEqual({ type, data });
      expect(hex(pack([ext, 1]))).toBe(hex(bytes));
    }), { numRuns: 300 });
  });

  it('rejects a __proto__ key as @msgpack/msgpack does, and builds no object with a changed prototype', () => {
    const bytes = Uint8Array.of(0x81, 0xa9, ...Buffer.from('__proto__'), 0x01);
    expect(() => unpack(bytes)).toThrow(WireError);
    expect(() => new Decoder().decode(bytes)).toThrow('__proto__');
  });

  it('keeps no view of the input: decoded strings survive the frame bytes being overwritten', () => {
    const bytes = encodeFrame({ type: T.Event, body: { name: 'relay-7', tag: 'x' } });
    const body = decodeBody<{ name: string; tag: string }>(decodeFrame(bytes));
    bytes.fill(0x41);
    expect(body).toEqual({ name: 'relay-7', tag: 'x' });
  });

  it('gives equal strings for equal bytes and different ones for different bytes, through its string cache', () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `k${(i * 7919) % 1500}`);
    for (const k of keys) expect(Object.keys(unpack<object>(pack({ [k]: 1 })))).toEqual([k]);
    // Same length, same first, middle and last byte (the cache slot's inputs): still told apart.
    const lookalikes = ['axxxxb', 'ayxxxb', 'axxyxb', 'axxxyb', 'azzxzb'];
    for (let round = 0; round < 3; round++) for (const k of lookalikes) expect(unpack(pack({ [k]: k }))).toEqual({ [k]: k });
  });

  it('reuses no buffer the caller holds: every frame keeps its bytes while thousands follow, small or large', () => {
    const body = (i: number): unknown => (i % 97 === 0 ? { big: 'x'.repeat(i * 10), i } : { timestamp: i * 1000003 });
    const frames = Array.from({ length: 5000 }, (_, i) => encodeFrame({ type: T.Ping, requestId: i, body: body(i) }));
    frames.forEach((f, i) => {
      const frame = decodeFrame(f);
      expect(frame.requestId).toBe(BigInt(i));
      expect(decodeBody(frame)).toEqual(body(i));
    });
    // pack() hands out copies; packing again does not change what an earlier call returned.
    const first = pack({ a: 1 });
    pack({ a: 2 });
    expect(hex(first)).toBe(hex(msgpackEncode({ a: 1 })));
  });

  it('writes the same frame bytes as a frame with the @msgpack/msgpack payload, trailer included', () => {
    fc.assert(fc.property(flat.filter((v) => v !== undefined), fc.constantFrom(0, Feature.CHECKSUM, Feature.CHECKSUM | Feature.ACK_REQUIRED), fc.nat(), (v, features, id) => {
      const viaBody = encodeFrame({ type: T.Request, requestId: id, features, body: v });
      const viaPayload = encodeFrame({ type: T.Request, requestId: id, features, payload: msgpackEncode(v) });
      expect(hex(viaBody)).toBe(hex(viaPayload));
    }), { numRuns: 500 });
  });

  it('encodes a frame correctly when a body getter encodes other frames meanwhile (re-entrancy)', () => {
    const inner: Uint8Array[] = [];
    const flatBody = {
      a: 1,
      get b(): string {
        inner.push(encodeFrame({ type: T.Ping, body: { timestamp: 42 } })); // while the outer body is half written
        inner.push(encodeFrame({ type: T.Event, body: { list: [1, 2, { deep: true }], big: 'y'.repeat(70_000) } })); // one that outgrows a slab
        inner.push(encodeFrame({ type: T.Event, payload: Uint8Array.of(0xc3) })); // raw payload bytes
        return 'bee';
      },
      c: true,
    };
    const outer = encodeFrame({ type: T.Event, features: Feature.CHECKSUM, body: flatBody });
    // Every getter runs once: the body is written in one pass.
    const mixed = { get x(): number { inner.push(encodeFrame({ type: T.Pong, body: { timestamp: 7 } })); return 5; }, y: { nested: 1 } };
    const outer2 = encodeFrame({ type: T.Event, body: mixed });
    const after = encodeFrame({ type: T.Ping, body: { timestamp: 99 } });

    expect(decodeBody(decodeFrame(outer))).toEqual({ a: 1, b: 'bee', c: true });
    expect(decodeBody(decodeFrame(outer2))).toEqual({ x: 5, y: { nested: 1 } });
    expect(decodeBody(decodeFrame(after))).toEqual({ timestamp: 99 });
    expect(inner.map((f) => decodeBody(decodeFrame(f)))).toEqual([
      { timestamp: 42 }, { list: [1, 2, { deep: true }], big: 'y'.repeat(70_000) }, true, { timestamp: 7 },
    ]);
    // No two frames overlap.
    const all = [outer, outer2, after, ...inner].map((f) => [f.buffer, f.byteOffset, f.byteOffset + f.length] as const);
    for (const [i, a] of all.entries()) {
      for (const b of all.slice(i + 1)) if (a[0] === b[0]) expect(a[2] <= b[1] || b[2] <= a[1]).toBe(true);
    }
  });

  it('nests encodes inside larger bodies too: a frame encoded from within a nested body', () => {
    const general = { list: [1, 2], get frame(): Uint8Array { return encodeFrame({ type: T.Ping, body: { timestamp: 5 } }); } };
    const bytes = encodeFrame({ type: T.Event, body: general });
    const decoded = decodeBody<{ list: number[]; frame: Uint8Array }>(decodeFrame(bytes));
    expect(decoded.list).toEqual([1, 2]);
    expect(decodeBody(decodeFrame(decoded.frame))).toEqual({ timestamp: 5 });
  });

  it('reports a body over maxPayload as TOO_LARGE and leaves the next frame intact', () => {
    let caught: unknown;
    try {
      encodeFrame({ type: T.Ping, body: { timestamp: 1700000000000 } }, { maxPayload: 8 });
    } catch (e) {
      caught = e;
    }
    expect((caught as WireError).code).toBe('SW_ERR_FRAME_TOO_LARGE');
    expect(() => encodeFrame({ type: 200 as MessageType, body: { a: 1 } })).toThrow(WireError);
    const next = encodeFrame({ type: T.Ping, body: { timestamp: 3 } });
    expect(decodeBody(decodeFrame(next))).toEqual({ timestamp: 3 });
  });

  it('turns a throwing getter into WireError BAD_PAYLOAD on both paths, and the next frame is intact', () => {
    const boom = (): never => {
      throw new Error('boom');
    };
    for (const body of [{ get a(): number { return boom(); } }, { n: { get a(): number { return boom(); } } }]) {
      let caught: unknown;
      try {
        encodeFrame({ type: T.Event, body });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(WireError);
      expect((caught as WireError).code).toBe('SW_ERR_PAYLOAD');
      expect((caught as WireError).message).toContain('boom');
      expect(() => pack(body)).toThrow(WireError);
    }
    const a = encodeFrame({ type: T.Ping, body: { timestamp: 1 } });
    const b = encodeFrame({ type: T.Ping, body: { timestamp: 2 } });
    expect([a, b].map((f) => decodeBody(decodeFrame(f)))).toEqual([{ timestamp: 1 }, { timestamp: 2 }]);
    expect(a.buffer === b.buffer ? b.byteOffset - a.byteOffset : 1).toBeGreaterThan(0);
  });

  it('writes Dates, Maps, class instances and typed arrays as @msgpack/msgpack does; refuses bigint, functions and symbols', () => {
    for (const v of [new Date(0), new Date(NaN), new Map([[1, 2]]), new Point(), new Uint8Array([1, 2]), new Int32Array([1, -1]), Object.create(null) as object]) {
      expect(hex(pack(v))).toBe(hex(new Encoder().encode(v)));
    }
    for (const v of [{ n: 1n }, () => 1, [Symbol('s')]]) {
      expect(() => pack(v)).toThrow(expect.objectContaining({ code: 'SW_ERR_PAYLOAD', status: Status.InvalidFrame }));
    }
  });

  it('refuses a cycle with a WireError instead of overflowing the stack', () => {
    const a: unknown[] = [];
    a.push({ a });
    expect(() => pack(a)).toThrow(expect.objectContaining({ code: 'SW_ERR_PAYLOAD' }));
    expect(() => encodeFrame({ type: T.Event, body: a })).toThrow(expect.objectContaining({ code: 'SW_ERR_PAYLOAD' }));
  });

  it('decodes bodies as deep as it encodes them (100 levels), and refuses one level more', () => {
    const nest = (n: number): unknown => (n === 0 ? [] : [nest(n - 1)]);
    expect(unpack(pack(nest(99)))).toEqual(nest(99));
    expect(() => pack(nest(100))).toThrow(WireError); // 101 arrays
    expect(() => unpack(new Uint8Array(101).fill(0x91).fill(0x90, 100))).toThrow(expect.objectContaining({ code: 'SW_ERR_PAYLOAD' }));
  });
});
