// The fast path for tiny flat payloads (src/wire/tiny.ts) must be invisible: the same bytes as @msgpack/msgpack
// on encode, the same values on decode, the same errors, and frames that never share or alias bytes — including
// when a body's getter encodes another frame while the first is being written.
import { Decoder, Encoder, decode as msgpackDecode, encode as msgpackEncode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as sw from 'swarmwire';

const { MessageType: T, Feature } = sw;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** What @msgpack/msgpack decodes, or the message of what it throws. */
function reference(bytes: Uint8Array): { value: unknown } | { error: string } {
  try {
    return { value: new Decoder().decode(bytes) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

// Values at and around every boundary of the tiny shape and of MessagePack's number and string widths.
const EDGE_NUMBERS = [
  0, -0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, 0x100000000, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1,
  -1, -0x20, -0x21, -0x80, -0x81, -0x8000, -0x8001, -0x80000000, -0x80000001, Number.MIN_SAFE_INTEGER, Number.MIN_SAFE_INTEGER - 1,
  0.5, -1.25, 1e300, Number.MIN_VALUE, NaN, Infinity, -Infinity, 1700000000000,
];
const EDGE_STRINGS = ['', 'a', 'x'.repeat(31), 'x'.repeat(32), 'é', 'ascii then ü', '\u007f', '\u0080', '\ud800', 'timestamp'];

const asciiString = fc.string({ maxLength: 40 });
const anyString = fc.oneof(asciiString, fc.string({ unit: 'binary', maxLength: 40 }));
const scalar = fc.oneof(
  fc.constantFrom(null, undefined, true, false, ...EDGE_NUMBERS, ...EDGE_STRINGS),
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  fc.double(),
  anyString,
);
/** Flat values like the tiny shape, sometimes just past its limits (16 entries, long or non-ASCII keys). */
const flat = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 17 }),
  fc.dictionary(anyString, scalar, { maxKeys: 17 }),
);
/** Anything MessagePack carries, nested. */
const nested = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, fc.uint8Array({ maxLength: 8 }), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(asciiString, tie('value'), { maxKeys: 4 })),
})).value;

describe('tiny payload fast path', () => {
  it('packs every edge value to the bytes @msgpack/msgpack gives, and unpacks them to the same values', () => {
    const values: unknown[] = [...EDGE_NUMBERS, ...EDGE_STRINGS, null, undefined, true, false, [], {},
      { timestamp: 1700000000000 }, EDGE_NUMBERS, Object.fromEntries(EDGE_NUMBERS.slice(0, 15).map((n, i) => [`k${i}`, n]))];
    for (const v of values) {
      const want = msgpackEncode(v);
      expect(hex(sw.pack(v)), String(v)).toBe(hex(want));
      expect(sw.unpack(want), String(v)).toEqual(msgpackDecode(want));
    }
  });

  it('agrees with @msgpack/msgpack on flat and nested values, both ways, inside and outside the tiny shape', () => {
    fc.assert(fc.property(fc.oneof(flat, nested), (v) => {
      const want = msgpackEncode(v);
      expect(hex(sw.pack(v))).toBe(hex(want));
      const ref = reference(want); // a "__proto__" key encodes, but does not decode
      if ('value' in ref) expect(sw.unpack(want)).toEqual(ref.value);
      else expect(() => sw.unpack(want)).toThrow(sw.WireError);
      const frame = sw.decodeFrame(sw.encodeFrame({ type: T.Event, body: v }));
      if (v === undefined) {
        expect(frame.payloadLength).toBe(0); // no body: no payload, by encodeFrame's contract
      } else {
        expect(hex(frame.payload)).toBe(hex(want));
        if ('value' in ref) expect(sw.decodeBody(frame)).toEqual(ref.value);
        else expect(() => sw.decodeBody(frame)).toThrow(sw.WireError);
      }
    }), { numRuns: 2000 });
  });

  it('decodes any bytes as @msgpack/msgpack does, or fails where it fails, with a WireError', () => {
    // Biased towards the tiny shape's heads: fixmap, fixarray, fixstr and the number markers.
    const head = fc.constantFrom(0x80, 0x81, 0x82, 0x8f, 0x90, 0x91, 0x9f, 0xa0, 0xa3, 0xbf, 0xc0, 0xc2, 0xc3, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd9, 0xe0, 0xff);
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 24 }), fc.tuple(head, fc.uint8Array({ maxLength: 24 })).map(([h, rest]) => Uint8Array.of(h, ...rest)));
    fc.assert(fc.property(bytes, (b) => {
      const want = reference(b);
      if ('value' in want) {
        expect(sw.unpack(b)).toEqual(want.value);
      } else {
        let caught: unknown;
        try {
          sw.unpack(b);
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(sw.WireError);
        expect((caught as sw.WireError).code).toBe('SW_ERR_PAYLOAD');
      }
    }), { numRuns: 5000 });
  });

  it('rejects a __proto__ key as @msgpack/msgpack does, and builds no object with a changed prototype', () => {
    const bytes = Uint8Array.of(0x81, 0xa9, ...Buffer.from('__proto__'), 0x01);
    expect(() => sw.unpack(bytes)).toThrow(sw.WireError);
    expect(() => new Decoder().decode(bytes)).toThrow('__proto__');
  });

  it('keeps no view of the input: decoded strings survive the frame bytes being overwritten', () => {
    const bytes = sw.encodeFrame({ type: T.Event, body: { name: 'relay-7', tag: 'x' } });
    const body = sw.decodeBody<{ name: string; tag: string }>(sw.decodeFrame(bytes));
    bytes.fill(0x41);
    expect(body).toEqual({ name: 'relay-7', tag: 'x' });
  });

  it('gives equal strings for equal bytes and different ones for different bytes, through its string cache', () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `k${(i * 7919) % 1500}`);
    for (const k of keys) expect(Object.keys(sw.unpack<object>(sw.pack({ [k]: 1 })))).toEqual([k]);
  });

  it('reuses no buffer the caller holds: every tiny frame keeps its bytes while thousands follow', () => {
    const frames = Array.from({ length: 5000 }, (_, i) => sw.encodeFrame({ type: T.Ping, requestId: i, body: { timestamp: i * 1000003 } }));
    frames.forEach((f, i) => {
      const frame = sw.decodeFrame(f);
      expect(frame.requestId).toBe(BigInt(i));
      expect(sw.decodeBody(frame)).toEqual({ timestamp: i * 1000003 });
    });
    // pack() hands out copies; packing again does not change what an earlier call returned.
    const first = sw.pack({ a: 1 });
    sw.pack({ a: 2 });
    expect(hex(first)).toBe(hex(msgpackEncode({ a: 1 })));
  });

  it('writes the same frame bytes as a frame with the @msgpack/msgpack payload, trailer included', () => {
    fc.assert(fc.property(flat.filter((v) => v !== undefined), fc.constantFrom(0, Feature.CHECKSUM, Feature.CHECKSUM | Feature.ACK_REQUIRED), fc.nat(), (v, features, id) => {
      const viaBody = sw.encodeFrame({ type: T.Request, requestId: id, features, body: v });
      const viaPayload = sw.encodeFrame({ type: T.Request, requestId: id, features, payload: msgpackEncode(v) });
      expect(hex(viaBody)).toBe(hex(viaPayload));
    }), { numRuns: 500 });
  });

  it('encodes a frame correctly when a body getter encodes other frames meanwhile (re-entrancy)', () => {
    const inner: Uint8Array[] = [];
    const tinyBody = {
      a: 1,
      get b(): string {
        inner.push(sw.encodeFrame({ type: T.Ping, body: { timestamp: 42 } })); // tiny, while the outer one is tiny too
        inner.push(sw.encodeFrame({ type: T.Event, body: { list: [1, 2, { deep: true }] } })); // general path
        return 'bee';
      },
      c: true,
    };
    const outer = sw.encodeFrame({ type: T.Event, features: Feature.CHECKSUM, body: tinyBody });
    // A body that leaves the tiny shape after its getter ran: the fallback encodes it again (the getter runs twice).
    const mixed = { get x(): number { inner.push(sw.encodeFrame({ type: T.Pong, body: { timestamp: 7 } })); return 5; }, y: { nested: 1 } };
    const outer2 = sw.encodeFrame({ type: T.Event, body: mixed });
    const after = sw.encodeFrame({ type: T.Ping, body: { timestamp: 99 } });

    expect(sw.decodeBody(sw.decodeFrame(outer))).toEqual({ a: 1, b: 'bee', c: true });
    expect(sw.decodeBody(sw.decodeFrame(outer2))).toEqual({ x: 5, y: { nested: 1 } });
    expect(sw.decodeBody(sw.decodeFrame(after))).toEqual({ timestamp: 99 });
    expect(inner.map((f) => sw.decodeBody(sw.decodeFrame(f)))).toEqual([
      { timestamp: 42 }, { list: [1, 2, { deep: true }] }, { timestamp: 7 }, { timestamp: 7 },
    ]);
    // No two frames overlap.
    const all = [outer, outer2, after, ...inner].map((f) => [f.buffer, f.byteOffset, f.byteOffset + f.length] as const);
    for (const [i, a] of all.entries()) {
      for (const b of all.slice(i + 1)) if (a[0] === b[0]) expect(a[2] <= b[1] || b[2] <= a[1]).toBe(true);
    }
  });

  it('nests encodes inside @msgpack/msgpack too: a tiny body encoded from within a general one', () => {
    const general = { list: [1, 2], get frame(): Uint8Array { return sw.encodeFrame({ type: T.Ping, body: { timestamp: 5 } }); } };
    const bytes = sw.encodeFrame({ type: T.Event, body: general });
    const decoded = sw.decodeBody<{ list: number[]; frame: Uint8Array }>(sw.decodeFrame(bytes));
    expect(decoded.list).toEqual([1, 2]);
    expect(sw.decodeBody(sw.decodeFrame(decoded.frame))).toEqual({ timestamp: 5 });
  });

  it('reports a tiny body over maxPayload as TOO_LARGE and leaves the next frame intact', () => {
    let caught: unknown;
    try {
      sw.encodeFrame({ type: T.Ping, body: { timestamp: 1700000000000 } }, { maxPayload: 8 });
    } catch (e) {
      caught = e;
    }
    expect((caught as sw.WireError).code).toBe('SW_ERR_FRAME_TOO_LARGE');
    expect(() => sw.encodeFrame({ type: 200 as sw.MessageType, body: { a: 1 } })).toThrow(sw.WireError);
    const next = sw.encodeFrame({ type: T.Ping, body: { timestamp: 3 } });
    expect(sw.decodeBody(sw.decodeFrame(next))).toEqual({ timestamp: 3 });
  });

  it('turns a throwing getter into WireError BAD_PAYLOAD on both paths, and the next frame is intact', () => {
    const boom = (): never => {
      throw new Error('boom');
    };
    for (const body of [{ get a(): number { return boom(); } }, { n: { get a(): number { return boom(); } } }]) {
      let caught: unknown;
      try {
        sw.encodeFrame({ type: T.Event, body });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(sw.WireError);
      expect((caught as sw.WireError).code).toBe('SW_ERR_PAYLOAD');
      expect((caught as sw.WireError).message).toContain('boom');
      expect(() => sw.pack(body)).toThrow(sw.WireError);
    }
    const a = sw.encodeFrame({ type: T.Ping, body: { timestamp: 1 } });
    const b = sw.encodeFrame({ type: T.Ping, body: { timestamp: 2 } });
    expect([a, b].map((f) => sw.decodeBody(sw.decodeFrame(f)))).toEqual([{ timestamp: 1 }, { timestamp: 2 }]);
    expect(a.buffer === b.buffer ? b.byteOffset - a.byteOffset : 1).toBeGreaterThan(0);
  });

  it('leaves values outside the shape to @msgpack/msgpack: Dates, Maps, class instances, typed arrays, bigint errors', () => {
    class Point { x = 1; }
    for (const v of [new Date(0), new Map([[1, 2]]), new Point(), new Uint8Array([1, 2]), Object.create(null) as object]) {
      expect(hex(sw.pack(v))).toBe(hex(new Encoder().encode(v)));
    }
    expect(() => sw.pack({ n: 1n })).toThrow(sw.WireError);
    expect(() => sw.pack(() => 1)).toThrow(sw.WireError);
  });
});
