// The shared known-answer table (test/vectors.ts), checked through the built package as users import it.
import { beforeAll, describe, expect, it } from 'vitest';
import { type HeaderInit, MAX_PAYLOAD, crc32c, decodeFrame, decodeHeader, encodeFrame, encodeHeader, fnv1a32, fnv1a64, headerFields, isKnownType, readHeader, writeHeader } from 'swarmwire/wire';
import { MessageType, Status, SwarmwireError, WireError, init } from 'swarmwire';
import { BAD_FRAME_VECTORS, CRC32C_VECTORS, FNV_VECTORS, FRAME_VECTORS, fromHex, toHex } from './vectors.js';

function rejectionOf(fn: () => unknown): WireError {
  try {
    fn();
  } catch (error) {
    return error as WireError;
  }
  throw new Error('expected a WireError, got none');
}

describe.each([
  ['before init (JavaScript paths)', false],
  ['after init (wasm paths)', true],
])('wire vectors %s', (_, withWasm) => {
  beforeAll(async () => {
    if (withWasm) await init();
  });

  it.each(CRC32C_VECTORS)('crc32c of $name', ({ hex, crc }) => {
    expect(crc32c(fromHex(hex))).toBe(crc);
  });

  it.each(FNV_VECTORS)('fnv1a32 and fnv1a64 of "$input"', ({ input, fnv32, fnv64 }) => {
    expect(fnv1a32(input)).toBe(fnv32);
    expect(fnv1a64(input)).toBe(fnv64);
    expect(fnv1a32(new TextEncoder().encode(input))).toBe(fnv32);
  });

  it.each(FRAME_VECTORS)('decodes and re-encodes: $name', (v) => {
    const bytes = fromHex(v.hex);
    const frame = decodeFrame(bytes);
    expect({ ...frame, payload: toHex(frame.payload) }).toEqual({
      version: 1, type: v.type, features: v.features, requestId: v.requestId, moduleId: v.moduleId,
      methodHash: v.methodHash, payloadLength: v.payloadHex.length / 2, payload: v.payloadHex,
    });
    const again = encodeFrame({
      type: frame.type, features: frame.features, requestId: frame.requestId, moduleId: frame.moduleId,
      methodHash: frame.methodHash, payload: frame.payload,
    });
    expect(toHex(again)).toBe(v.hex);
  });

  it.each(BAD_FRAME_VECTORS)('rejects $name with $code', ({ hex, code, status }) => {
    const error = rejectionOf(() => decodeFrame(fromHex(hex)));
    expect(error).toBeInstanceOf(WireError);
    expect(error).toBeInstanceOf(SwarmwireError);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.message).toMatch(/^\[swarmwire\] /);
  });
});

describe('header', () => {
  it('encodeHeader writes the hex of the contract, decodeHeader reads it back', () => {
    const init = { type: MessageType.Request, requestId: 1, moduleId: fnv1a64('relay'), methodHash: fnv1a32('echo'), payloadLength: 4 };
    const bytes = encodeHeader(init);
    expect(toHex(bytes)).toBe(FRAME_VECTORS[1]!.hex.slice(0, 64));
    expect(decodeHeader(bytes)).toEqual({ version: 1, type: 0, features: 0, requestId: 1n, moduleId: fnv1a64('relay'), methodHash: 0xd49dd484, payloadLength: 4 });
  });

  it('accepts u64 fields as bigint up to 2^64 − 1 and as numbers up to 2^53 − 1', () => {
    const max = 0xffffffffffffffffn;
    expect(decodeHeader(encodeHeader({ type: 1, requestId: max, moduleId: max })).requestId).toBe(max);
    const safe = Number.MAX_SAFE_INTEGER;
    expect(decodeHeader(encodeHeader({ type: 1, requestId: safe })).requestId).toBe(BigInt(safe));
  });

  it.each([
    ['request id above 2^53 − 1 as a number', { type: 1, requestId: 2 ** 53 }],
    ['negative request id', { type: 1, requestId: -1 }],
    ['module id above 2^64 − 1', { type: 1, moduleId: 1n << 64n }],
    ['fractional method hash', { type: 1, methodHash: 1.5 }],
    ['features above u16', { type: 1, features: 0x10000 }],
    ['payload length above 64 MiB', { type: 1, payloadLength: MAX_PAYLOAD + 1 }],
  ] as const)('encodeHeader rejects a %s with SW_ERR_FRAME_FIELD', (_, init) => {
    const error = rejectionOf(() => encodeHeader(init as HeaderInit));
    expect(error.code).toBe('SW_ERR_FRAME_FIELD');
    expect(error.status).toBe(Status.InvalidFrame);
  });

  it('encodeHeader rejects an unknown type', () => {
    expect(rejectionOf(() => encodeHeader({ type: 5 as MessageType })).code).toBe('SW_ERR_FRAME_TYPE');
  });

  it('readHeader/writeHeader round trip at an offset without allocating a header object', () => {
    const buf = new Uint8Array(100).fill(0xee);
    const view = new DataView(buf.buffer);
    const h = headerFields();
    Object.assign(h, { version: 1, type: 18, features: 0x21, requestHi: 0xffffffff, requestLo: 1, moduleHi: 2, moduleLo: 3, methodHash: 4, payloadLength: 5 });
    writeHeader(view, 10, h);
    expect(buf[9]).toBe(0xee); // canaries either side
    expect(buf[42]).toBe(0xee);
    const out = headerFields();
    expect(readHeader(view, 10, out)).toBe(out);
    expect(out).toEqual(h);
  });

  it('decodeHeader honours a lower payload limit', () => {
    const bytes = encodeHeader({ type: 0, payloadLength: 1025 });
    expect(rejectionOf(() => decodeHeader(bytes, 1024)).code).toBe('SW_ERR_FRAME_TOO_LARGE');
    expect(decodeHeader(bytes, 1025).payloadLength).toBe(1025);
  });

  it('knows exactly the message types of the contract', () => {
    const known = Array.from({ length: 256 }, (_, t) => t).filter(isKnownType);
    expect(known).toEqual(Object.values(MessageType).sort((a, b) => a - b));
  });
});
