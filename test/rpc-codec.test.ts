// The RPC value codec (src/rpc/codec.ts: the wire codec with the RPC layer's extension types) against
// @msgpack/msgpack with the same extension types registered as the RPC layer once registered them — the oracle for
// docs/protocol.md's "Values": the same bytes both ways, for every kind of value the RPC layer carries. Decoded
// values never alias the payload; proxy() marks are honoured on every value, flat ones included.
import { Decoder, Encoder, ExtensionCodec } from '@msgpack/msgpack';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, expose, memoryPair, proxy, wrap } from 'swarmwire';
import { decodeFrame } from 'swarmwire/wire';
import { type CodecHost, decodeValue, encodeValue } from '../src/rpc/codec.js';
import { deserializeError, serializeError } from '../src/rpc/error-codec.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const PROXY = Symbol.for('swarmwire.proxy');
const isMarked = (v: unknown): boolean => (typeof v === 'object' || typeof v === 'function') && v !== null && (v as Record<symbol, unknown>)[PROXY] === true;
const isStream = (v: unknown): boolean => typeof v === 'object' && v !== null && typeof (v as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function';

/** A host whose ids depend on the object only, so two encoders of the same value give the same ids. */
function fakeHost(): CodecHost {
  const refs = new Map<object, number>();
  const streams = new Map<object, number>();
  return {
    exportRef: (v) => refs.get(v) ?? (refs.set(v, refs.size + 1), refs.size),
    importRef: (id) => ({ ref: id }),
    exportStream: (s) => [streams.get(s) ?? (streams.set(s, streams.size + 1), streams.size), 0],
    importStream: (id, kind) => ({ stream: id, kind }),
    stacks: false,
  };
}

/** @msgpack/msgpack with the RPC layer's extension types, registered in the wire contract's order. */
function oracle(host: CodecHost): { encoder: Encoder; decoder: Decoder } {
  const codec = new ExtensionCodec();
  const encoder: Encoder = new Encoder({ extensionCodec: codec, ignoreUndefined: true });
  const decoder: Decoder = new Decoder({ extensionCodec: codec });
  const nested = (v: unknown): Uint8Array => encoder.encode(v);
  const text = new TextEncoder();
  codec.register({ type: 1, encode: (v) => (isMarked(v) ? nested(host.exportRef(v as object)) : null), decode: (d) => host.importRef(decoder.decode(d) as number) });
  codec.register({
    type: 2, encode: (v) => (!Array.isArray(v) && isStream(v) ? nested(host.exportStream(v as object)) : null),
    decode: (d) => host.importStream(...(decoder.decode(d) as [number, 0])),
  });
  codec.register({ type: 3, encode: (v) => (v instanceof Error ? nested(serializeError(v, false)) : null), decode: (d) => deserializeError(decoder.decode(d) as never) });
  codec.register({ type: 4, encode: (v) => (typeof v === 'bigint' ? text.encode(v.toString()) : null), decode: (d) => BigInt(new TextDecoder().decode(d)) });
  codec.register({ type: 5, encode: (v) => (v instanceof ArrayBuffer ? new Uint8Array(v) : null), decode: (d) => d.slice().buffer });
  codec.register({ type: 6, encode: (v) => (v instanceof Map ? nested([...v]) : null), decode: (d) => new Map(decoder.decode(d) as never) });
  codec.register({ type: 7, encode: (v) => (v instanceof Set ? nested([...v]) : null), decode: (d) => new Set(decoder.decode(d) as never) });
  return { encoder, decoder };
}

const key = fc.string({ maxLength: 12 }).filter((k) => k !== '__proto__');
const scalar = fc.oneof(
  fc.constantFrom(null, undefined, true, false, 0, -1, 0x7f, 0x80, 0xffff, 0x10000, 2 ** 32, -(2 ** 31) - 1, 2 ** 53, NaN, -0),
  fc.integer(), fc.double(), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 60 }), fc.uint8Array({ maxLength: 40 }),
);
/** Every kind of value RPC carries by value or as an extension, nested. */
const value = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, tie('ext'), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ext: fc.oneof(
    fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }),
    fc.uint8Array({ maxLength: 40 }).map((b) => b.slice().buffer),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((e) => new Map(e)),
    fc.array(tie('value'), { maxLength: 3 }).map((e) => new Set(e)),
    fc.date({ noInvalidDate: true }),
    fc.tuple(fc.string({ maxLength: 20 }), fc.constantFrom(Error, TypeError, RangeError)).map(([m, C]) => new C(m)),
    fc.dictionary(key, scalar, { maxKeys: 3 }).map((o) => proxy(o)), // a flat object marked: a reference
    fc.array(scalar, { maxLength: 3 }).map((a) => proxy(a)),
    fc.constant(proxy(() => 1)),
    fc.constant({ async *[Symbol.asyncIterator]() {} }),
  ),
})).value;

describe('RPC values = @msgpack/msgpack with the RPC extension types', () => {
  it('encodes every kind of value to the same bytes', () => {
    fc.assert(fc.property(value, (v) => {
      const host = fakeHost();
      expect(hex(encodeValue(host, v))).toBe(hex(oracle(host).encoder.encode(v)));
    }), { numRuns: 1000 });
  });

  it('decodes what @msgpack/msgpack writes to what it reads back', () => {
    fc.assert(fc.property(value, (v) => {
      const host = fakeHost();
      const { encoder, decoder } = oracle(host);
      const bytes = encoder.encode(v);
      expect(decodeValue(host, bytes, { maxDepth: 64 })).toEqual(decoder.decode(bytes));
    }), { numRuns: 1000 });
  });

  it('writes a proxy()-marked flat object as a reference, never as a copy', () => {
    const host = fakeHost();
    expect(hex(encodeValue(host, proxy({ level: 1, name: 'x' })))).toBe('d40101'); // fixext 1, type 1, ref id 1
    expect(hex(encodeValue(host, [proxy([1, 2])]))).toBe('91d40102');
    expect(hex(encodeValue(host, { level: 1, name: 'x' }))).toBe(hex(new Encoder().encode({ level: 1, name: 'x' })));
  });

  it('gives each encoded value bytes of its own', () => {
    const host = fakeHost();
    const a = encodeValue(host, [1, 2, 3]);
    const b = encodeValue(host, [4, 5, 6]);
    expect(new Decoder().decode(a)).toEqual([1, 2, 3]);
    expect(new Decoder().decode(b)).toEqual([4, 5, 6]);
  });

  it('copies bytes out of the payload, so a reused transport buffer cannot change a decoded value', () => {
    const payload = new Encoder().encode([new Uint8Array([1, 2, 3]), 'x'.repeat(40)]);
    const [bytes] = decodeValue(fakeHost(), payload, { maxDepth: 8 }) as [Uint8Array];
    payload.fill(0);
    expect([...bytes]).toEqual([1, 2, 3]);
  });

  it('refuses nesting deeper than the limit, counting through Map, Set and Error payloads', () => {
    const host = fakeHost();
    const deep = (n: number): unknown => (n === 0 ? 1 : [deep(n - 1)]);
    expect(() => decodeValue(host, encodeValue(host, deep(20)), { maxDepth: 8 })).toThrow(expect.objectContaining({ code: 'SW_ERR_RPC_BAD_ARGS' }));
    // A Map's payload is its entry list, at the Map's own level; each [key, value] pair one level below it.
    const inMap = (n: number): unknown => (n === 0 ? 1 : new Map([['k', inMap(n - 1)]]));
    expect(decodeValue(host, encodeValue(host, inMap(4)), { maxDepth: 8 })).toEqual(inMap(4));
    expect(() => decodeValue(host, encodeValue(host, inMap(5)), { maxDepth: 8 })).toThrow(expect.objectContaining({ code: 'SW_ERR_RPC_BAD_ARGS' }));
    const inSet = (n: number): unknown => (n === 0 ? 1 : new Set([inSet(n - 1)]));
    expect(decodeValue(host, encodeValue(host, inSet(8)), { maxDepth: 8 })).toEqual(inSet(8));
    expect(() => decodeValue(host, encodeValue(host, inSet(9)), { maxDepth: 8 })).toThrow(expect.objectContaining({ code: 'SW_ERR_RPC_BAD_ARGS' }));
  });

  it('refuses a bigint longer than maxBigIntDigits before parsing it', () => {
    const host = fakeHost();
    const big = 10n ** 2047n; // 2,048 digits: the default limit
    expect(decodeValue(host, encodeValue(host, [big, -big]), { maxDepth: 8 })).toEqual([big, -big]);
    expect(() => decodeValue(host, encodeValue(host, big * 10n), { maxDepth: 8 })).toThrow(expect.objectContaining({ code: 'SW_ERR_RPC_BAD_ARGS' }));
    expect(decodeValue(host, encodeValue(host, big * 10n), { maxDepth: 8, maxBigIntDigits: 4096 })).toBe(big * 10n);
    expect(() => decodeValue(host, encodeValue(host, 12345n), { maxDepth: 8, maxBigIntDigits: 4 })).toThrow(/bigint/);
  });

  it('refuses a cycle through a Map instead of overflowing the stack', () => {
    const m = new Map<string, unknown>();
    m.set('self', m);
    expect(() => encodeValue(fakeHost(), m)).toThrow(expect.objectContaining({ code: 'SW_ERR_RPC_UNSERIALIZABLE' }));
  });
});

// The bug the tiny fast path caused on main: a proxy()-marked flat object, returned from a call, went by copy.
describe('proxy() on flat values through a connection', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('a proxy()-marked flat object returned from a call comes back as a reference', async () => {
    const [a, b] = memoryPair();
    cleanups.push(() => a.close(), () => b.close());
    const state = proxy({ level: 1, label: 'x' });
    expose({ make: () => state, bump: () => void state.level++ }, b, { name: 'api' });
    const remote = wrap<{ make(): { level: number; label: string }; bump(): void }>(a, { name: 'api' });
    const made = await remote.make();
    await remote.bump();
    expect(await made.level).toBe(2); // a copy would still say 1
    expect(await made.label).toBe('x');
  });
});

describe('a peer\'s reference passed back', () => {
  it('is refused as a function, without a call to the peer to name it', async () => {
    const [a, b] = memoryPair();
    const requestsToCaller: number[] = [];
    a.on('message', (bytes) => {
      const f = decodeFrame(bytes.slice());
      if (f.type === MessageType.Request) requestsToCaller.push(f.methodHash);
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown): void => void unhandled.push(r);
    process.on('unhandledRejection', onUnhandled);
    try {
      expose({ echo: (x: unknown) => x }, b, { name: 'api' });
      const remote = wrap<{ echo(x: unknown): unknown }>(a, { name: 'api' });
      await expect(remote.echo(proxy(() => 1))).rejects.toMatchObject({ code: 'SW_ERR_RPC_UNSERIALIZABLE', message: expect.stringContaining('(anonymous)') });
      await new Promise((r) => setTimeout(r, 50));
      expect(requestsToCaller).toEqual([]); // before: toString() and valueOf() calls to the caller, never answered
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      a.close();
      b.close();
    }
  });
});
