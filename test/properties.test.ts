// Property tests: round trips, every single-bit flip caught, and any bytes → a frame or a typed error.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Feature, FrameReader, HEADER_SIZE, crc32c, decodeFrame, decodeFrames, encodeFrame, traceSize } from 'swarmwire/wire';
import { type Frame, MessageType, Status, WireError, init } from 'swarmwire';

const types = Object.values(MessageType);
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const frameInit = fc.record({
  type: fc.constantFrom(...types),
  // TRACE is not a free bit: encodeFrame sets it exactly when a trace context comes with the frame.
  features: fc.integer({ min: 0, max: 0xffff }).map((f) => f & ~Feature.TRACE),
  trace: fc.option(fc.record({
    traceId: fc.uint8Array({ minLength: 16, maxLength: 16 }).filter((b) => b.some((x) => x !== 0)).map(hex),
    spanId: fc.uint8Array({ minLength: 8, maxLength: 8 }).filter((b) => b.some((x) => x !== 0)).map(hex),
    flags: fc.integer({ min: 0, max: 255 }),
    state: fc.option(fc.stringMatching(/^[a-z][a-z0-9]{0,8}=[\x21-\x2b\x2d-\x3c\x3e-\x7e]{1,20}$/), { nil: undefined }),
  }), { nil: undefined }),
  requestId: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
  moduleId: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
  methodHash: fc.integer({ min: 0, max: 0xffffffff }),
  payload: fc.uint8Array({ maxLength: 600 }),
});

function outcome(bytes: Uint8Array): Frame | WireError {
  try {
    return decodeFrame(bytes);
  } catch (e) {
    if (e instanceof WireError) return e;
    throw e; // anything else is a bug: fail the property
  }
}

describe.each([false, true])('properties (wasm loaded: %s)', (withWasm) => {
  beforeAll(async () => {
    if (withWasm) await init();
  });

  it('encode → decode gives back every field and the payload', () => {
    fc.assert(fc.property(frameInit, (init) => {
      const frame = decodeFrame(encodeFrame(init));
      expect(frame).toMatchObject({ type: init.type, features: init.features | (init.trace ? Feature.TRACE : 0), requestId: init.requestId, moduleId: init.moduleId, methodHash: init.methodHash });
      expect(frame.trace).toEqual(init.trace);
      expect(frame.payload).toEqual(init.payload);
    }), { numRuns: 500 });
  });

  it('every single-bit flip of a checksummed frame is rejected with a WireError', () => {
    fc.assert(fc.property(frameInit, fc.nat(), (init, pick) => {
      const bytes = encodeFrame({ ...init, features: init.features | Feature.CHECKSUM });
      const bit = pick % (bytes.length * 8);
      bytes[bit >> 3]! ^= 1 << (bit & 7);
      expect(outcome(bytes)).toBeInstanceOf(WireError);
    }), { numRuns: 2000 });
  });

  it('flips in the payload or trailer of a checksummed frame are reported as checksum mismatches', () => {
    fc.assert(fc.property(frameInit, fc.nat(), (init, pick) => {
      const bytes = encodeFrame({ ...init, features: init.features | Feature.CHECKSUM });
      const bit = HEADER_SIZE * 8 + (pick % ((bytes.length - HEADER_SIZE) * 8));
      bytes[bit >> 3]! ^= 1 << (bit & 7);
      expect(outcome(bytes)).toMatchObject({ code: 'SW_ERR_FRAME_CHECKSUM', status: Status.ChecksumMismatch });
    }), { numRuns: 1000 });
  });

  it('any byte string decodes to a frame or a WireError, never anything else', () => {
    const valid = frameInit.map((init) => encodeFrame(init));
    const mutated = fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }))
      .map(([bytes, edits]) => {
        for (const [at, value] of edits) if (bytes.length) bytes[at % bytes.length] = value;
        return bytes;
      });
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), (bytes) => {
      const result = outcome(bytes);
      if (result instanceof WireError) expect(result.status).toBeGreaterThan(0);
      // payload_len counts a TRACE frame's trace block, which the payload view starts behind.
      else expect(result.payloadLength).toBe(result.payload.length + (result.trace ? traceSize(result.trace) : 0));
    }), { numRuns: 3000 });
  });

  it('the stream reader agrees with decodeFrames for any chunking', () => {
    fc.assert(fc.property(fc.array(frameInit, { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1 }), (inits, sizes) => {
      const frames = inits.map((i) => encodeFrame(i));
      const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
      frames.reduce((at, f) => (stream.set(f, at), at + f.length), 0);
      const reader = new FrameReader();
      const got: bigint[] = [];
      for (let at = 0, k = 0; at < stream.length; k++) {
        const size = sizes[k % sizes.length]!;
        reader.push(stream.subarray(at, at + size));
        at += size;
        for (let f = reader.read(); f; f = reader.read()) got.push(f.requestId);
      }
      expect(got).toEqual(decodeFrames(stream).map((f) => f.requestId));
    }), { numRuns: 300 });
  });

  it('crc32c continues across any split: crc(b, crc(a)) = crc(a‖b)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(), (data, cut) => {
      const at = data.length ? cut % data.length : 0;
      expect(crc32c(data.subarray(at), crc32c(data.subarray(0, at)))).toBe(crc32c(data));
    }), { numRuns: 300 });
  });
});
