// swarmwire/lite's MessagePack — the full SDK's codec with the plain-values policy lite shares with the handshake
// (wire/msgpack/plain.ts) — against @msgpack/msgpack, both ways: for every value of the types lite carries, the
// same bytes as @msgpack/msgpack's encoder with the RPC layer's options, and the same values back from any bytes
// @msgpack/msgpack writes. Plus the typed errors for everything else, in lite's words (RpcError for what it cannot
// send, WireError for what it cannot read).
import { Decoder, Encoder, ExtensionCodec } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RpcError, WireError, pack, unpack } from 'swarmwire/lite';

// The RPC layer's encoder options (src/rpc/codec.ts): undefined map fields are left out.
const reference = new Encoder({ ignoreUndefined: true });
// Its bigint extension (type 4, decimal digits), as src/rpc/codec.ts registers it.
const codec = new ExtensionCodec();
codec.register({
  type: 4,
  encode: (v) => (typeof v === 'bigint' ? new TextEncoder().encode(v.toString()) : null),
  decode: (data) => BigInt(new TextDecoder().decode(data)),
});
const referenceWithBigint = new Encoder({ ignoreUndefined: true, extensionCodec: codec });
const referenceDecoder = new Decoder({ extensionCodec: codec });

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// Every shape lite supports: integers of every width (to 2^53 and beyond, as floats), doubles with their odd values,
// strings of every length class (lone surrogates included: fast-check's 'binary' units), bin, arrays, plain objects.
const scalar = fc.oneof(
  fc.constant(null), fc.boolean(),
  fc.integer({ min: -0x80000000, max: 0xffffffff }),
  fc.maxSafeInteger(), fc.double(), fc.constantFrom(0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, -0x20, -0x21, -0x80, -0x81, -0x8000, -0x8001, 2 ** 32, -(2 ** 31) - 1, 2 ** 53, -0, NaN, Infinity),
  fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ minLength: 250, maxLength: 70_000 }).filter((s) => s.length > 255),
  fc.uint8Array({ maxLength: 300 }),
);
const value = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 20 }),
  object: fc.dictionary(fc.string({ maxLength: 40 }).filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 20 }),
})).value;

describe('lite MessagePack = @msgpack/msgpack for the types lite carries', () => {
  it('encodes to the same bytes', () => {
    fc.assert(fc.property(value, (v) => {
      expect(hex(pack(v))).toBe(hex(reference.encode(v)));
    }), { numRuns: 400 });
  });

  it('decodes what @msgpack/msgpack writes to what its Decoder returns', () => {
    fc.assert(fc.property(value, (v) => {
      const bytes = reference.encode(v);
      expect(unpack(bytes)).toStrictEqual(referenceDecoder.decode(bytes));
    }), { numRuns: 400 });
  });

  it('undefined: nil at the top and in arrays, left out of maps (ignoreUndefined)', () => {
    for (const v of [undefined, [undefined, 1], { a: undefined, b: 2 }]) expect(hex(pack(v))).toBe(hex(reference.encode(v)));
    expect(unpack(pack({ a: undefined, b: 2 }))).toStrictEqual({ b: 2 });
  });

  it('float32 and the widths @msgpack/msgpack never writes (int8/16/32 for small values) decode alike', () => {
    for (const h of ['ca3fc00000', 'd0ff', 'd1ffff', 'd2ffffffff', 'cc05', 'cd0005', 'ce00000005', 'cf0000000000000005', 'd3ffffffffffffffff', 'cfffffffffffffffff', 'd9026869', 'c40101']) {
      const bytes = Buffer.from(h, 'hex');
      expect(unpack(bytes), h).toStrictEqual(referenceDecoder.decode(bytes));
    }
  });

  it('bigint is extension type 4 with decimal digits, byte for byte the full SDK RPC codec', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }), (n) => {
      const bytes = pack(n);
      expect(hex(bytes)).toBe(hex(referenceWithBigint.encode(n)));
      expect(unpack(bytes)).toBe(n);
      expect(referenceDecoder.decode(bytes)).toBe(n);
    }), { numRuns: 200 });
    expect(hex(pack(5n))).toBe('d40435'); // fixext 1
  });

  it('a getter that packs while packing does not disturb the outer value', () => {
    const inner = { x: 1 };
    const outer = { get a() { return pack(inner); }, b: 'end' };
    expect(unpack(pack(outer))).toStrictEqual({ a: pack(inner), b: 'end' });
  });
});

describe('lite MessagePack: typed errors', () => {
  it.each([
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a Map', new Map()],
    ['a Set', new Set()],
    ['a Date', new Date(0)],
    ['an ArrayBuffer', new ArrayBuffer(2)],
    ['an Int16Array', new Int16Array(2)],
    ['a class instance', new (class Point { x = 1; })()],
    ['a value inside an array', [1, new Map()]],
  ])('refuses %s with SW_ERR_RPC_UNSERIALIZABLE', (_, v) => {
    const error = (() => { try { pack(v); } catch (e) { return e; } })() as RpcError;
    expect(error).toBeInstanceOf(RpcError);
    expect(error.code).toBe('SW_ERR_RPC_UNSERIALIZABLE');
    expect(error.status).toBe(7);
  });

  it('says what it cannot send, and that the full SDK can', () => {
    expect(() => pack({ at: new Date(0) })).toThrow('[swarmwire] swarmwire/lite cannot send [object Date] (the full SDK can send more)');
    expect(() => pack([Symbol('s')])).toThrow('[swarmwire] swarmwire/lite cannot send symbol (the full SDK can send more)');
    expect(() => pack({ onDone: () => 1 })).toThrow('[swarmwire] swarmwire/lite cannot send a function (it has no proxy()) (the full SDK can send more)');
  });

  it('refuses a cycle (nesting past 100) instead of overflowing the stack', () => {
    const a: unknown[] = [];
    a.push(a);
    expect(() => pack(a)).toThrow(expect.objectContaining({ code: 'SW_ERR_RPC_UNSERIALIZABLE' }));
  });

  it.each([
    ['empty input', ''],
    ['a truncated string', 'a568656c'],
    ['a truncated uint32', 'ce0001'],
    ['the never-used byte 0xc1', 'c1'],
    ['trailing bytes', '0102'],
    ['an array announcing more elements than bytes', 'dd7fffffff00'],
    ['a map announcing more entries than bytes', 'df0000ffff0101'],
    ['the key __proto__', '81a95f5f70726f746f5f5f01'],
    ['a map key that is an array', '819001'],
    ['extension type 6 (a Map of the full SDK)', 'd40690'],
    ['the timestamp extension (-1)', 'd6ff00000000'],
    ['a bigint extension without digits', 'd40478'],
    ['a bigint of 2,049 digits (past MAX_BIGINT_DIGITS)', `c8080104${'39'.repeat(2049)}`],
    ['an array32 bomb', 'dd01ffffff'],
    ['a Map extension holding an array32 bomb', 'c70506dd01ffffff'],
    ['an array longer than what follows it', '93c0c0'],
  ])('rejects %s with WireError SW_ERR_PAYLOAD', (_, h) => {
    const error = (() => { try { unpack(Buffer.from(h, 'hex')); } catch (e) { return e; } })() as WireError;
    expect(error).toBeInstanceOf(WireError);
    expect(error.code).toBe('SW_ERR_PAYLOAD');
    expect(error.status).toBe(7);
  });

  it('limits nesting to maxDepth (64 by default)', () => {
    const nest = (n: number): unknown => (n === 0 ? 1 : [nest(n - 1)]);
    expect(unpack(pack(nest(64)))).toStrictEqual(nest(64));
    expect(() => unpack(pack(nest(65)))).toThrow(expect.objectContaining({ code: 'SW_ERR_PAYLOAD' }));
    expect(() => unpack(pack(nest(3)), { maxDepth: 2 })).toThrow(/deeper than 2/);
  });

  it('lenient mode reads unsupported extensions as undefined (for optional fields of Error bodies)', () => {
    expect(unpack(Buffer.from('82a161d40690a16201', 'hex'), { lenient: true })).toStrictEqual({ a: undefined, b: 1 });
    // Their payload is skipped, not read: a bomb inside one costs nothing.
    expect(unpack(Buffer.from('82a161c70506dd01ffffffa16201', 'hex'), { lenient: true })).toStrictEqual({ a: undefined, b: 1 });
  });

  it('reads bigints up to 2,048 digits', () => {
    const big = -(10n ** 2047n);
    expect(unpack(pack([big, 10n ** 2047n]))).toStrictEqual([big, 10n ** 2047n]);
  });

  it('any bytes: a value or a WireError, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        unpack(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(WireError);
      }
    }), { numRuns: 2000 });
  });
});
