import { describe, expect, it } from 'vitest';
import { Feature, FrameReader, HEADER_SIZE, decodeFrame, encodeFrame } from 'swarmwire/wire';
import { type Frame, MessageType, Status, decodeBody } from 'swarmwire';

const frames = [
  encodeFrame({ type: MessageType.Ping, features: Feature.CHECKSUM, requestId: 1, body: { timestamp: 5 } }),
  encodeFrame({ type: MessageType.Event, requestId: 2, payload: new Uint8Array(1000).fill(3) }),
  encodeFrame({ type: MessageType.Response, requestId: 3 }),
  encodeFrame({ type: MessageType.Request, features: Feature.CHECKSUM, requestId: 4, payload: new Uint8Array(70_000).fill(9) }),
];
const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
frames.reduce((at, f) => (stream.set(f, at), at + f.length), 0);

function readAll(reader: FrameReader): Frame[] {
  const out: Frame[] = [];
  for (let f = reader.read(); f !== undefined; f = reader.read()) out.push(f);
  return out;
}

describe('FrameReader', () => {
  it('returns undefined ("need more bytes") until a frame is complete, byte by byte', () => {
    const reader = new FrameReader();
    for (let i = 0; i < frames[0]!.length - 1; i++) {
      reader.push(frames[0]!.subarray(i, i + 1));
      expect(reader.read()).toBeUndefined();
    }
    reader.push(frames[0]!.subarray(frames[0]!.length - 1));
    expect(decodeBody(reader.read()!)).toEqual({ timestamp: 5 });
    expect(reader.read()).toBeUndefined();
    expect(reader.buffered).toBe(0);
  });

  it.each([1, 7, 31, 32, 33, 999, 4096, 65_536, stream.length])('yields the same frames for chunks of %i bytes', (size) => {
    const reader = new FrameReader();
    const got: Frame[] = [];
    for (let at = 0; at < stream.length; at += size) {
      reader.push(stream.subarray(at, at + size));
      got.push(...readAll(reader));
    }
    expect(got.map((f) => [f.requestId, f.payloadLength])).toEqual([[1n, 12], [2n, 1000], [3n, 0], [4n, 70_000]]);
    expect(got[3]!.payload.every((b) => b === 9)).toBe(true);
  });

  it('returns views, not copies, when a frame sits in one chunk', () => {
    const reader = new FrameReader();
    reader.push(stream);
    expect(reader.read()!.payload.buffer).toBe(stream.buffer);
  });

  it('rejects an oversized payload as soon as the header is in, before the payload arrives', () => {
    const reader = new FrameReader({ maxPayload: 999 });
    reader.push(frames[1]!.subarray(0, HEADER_SIZE));
    expect(() => reader.read()).toThrowError(expect.objectContaining({ code: 'SW_ERR_FRAME_TOO_LARGE', status: Status.PayloadTooLarge }));
  });

  it('stays failed after a bad frame and rethrows the same error', () => {
    const bad = frames[0]!.slice();
    bad[HEADER_SIZE + 2]! ^= 0x40;
    const reader = new FrameReader();
    reader.push(bad);
    let first: unknown;
    try {
      reader.read();
    } catch (e) {
      first = e;
    }
    expect(first).toMatchObject({ code: 'SW_ERR_FRAME_CHECKSUM' });
    reader.push(frames[2]!);
    expect(() => reader.read()).toThrow(first as Error);
    expect(reader.buffered).toBe(0);
  });

  it('catches a corrupted checksum when the frame spans chunks', () => {
    const bad = frames[3]!.slice();
    bad[bad.length - 1]! ^= 1;
    const reader = new FrameReader();
    for (let at = 0; at < bad.length; at += 1000) reader.push(bad.subarray(at, at + 1000));
    expect(() => reader.read()).toThrowError(expect.objectContaining({ code: 'SW_ERR_FRAME_CHECKSUM' }));
  });

  describe('readBytes (delimiting only, for stream transports)', () => {
    it.each([1, 5, 31, 32, 33, 1000, stream.length])('returns each frame\'s exact bytes for chunks of %i bytes', (size) => {
      const reader = new FrameReader();
      const got: Uint8Array[] = [];
      for (let at = 0; at < stream.length; at += size) {
        reader.push(stream.subarray(at, at + size));
        for (let b = reader.readBytes(); b !== undefined; b = reader.readBytes()) got.push(b.slice());
      }
      expect(got).toEqual(frames);
      expect(reader.buffered).toBe(0);
    });

    it('returns a view when one chunk holds the frame, and leaves the checksum to the decoder', () => {
      const bad = frames[0]!.slice();
      bad[HEADER_SIZE + 2]! ^= 0x40;
      const reader = new FrameReader();
      reader.push(bad);
      const bytes = reader.readBytes()!;
      expect(bytes.buffer).toBe(bad.buffer);
      expect(bytes).toEqual(bad);
      expect(() => decodeFrame(bytes)).toThrowError(expect.objectContaining({ code: 'SW_ERR_FRAME_CHECKSUM' }));
    });

    it.each([
      ['bad magic', (f: Uint8Array) => { f[0] = 0x58; }, 'SW_ERR_FRAME_MAGIC', Status.InvalidFrame],
      ['bad version', (f: Uint8Array) => { f[4] = 9; }, 'SW_ERR_FRAME_VERSION', Status.UnsupportedVersion],
      ['unknown type', (f: Uint8Array) => { f[5] = 0xee; }, 'SW_ERR_FRAME_TYPE', Status.InvalidFrame],
    ] as const)('%s in a header split over chunks: the typed error, then failed for good', (_name, corrupt, code, status) => {
      const bad = frames[1]!.slice();
      corrupt(bad);
      const reader = new FrameReader();
      reader.push(bad.subarray(0, 10));
      expect(reader.readBytes()).toBeUndefined();
      reader.push(bad.subarray(10));
      expect(() => reader.readBytes()).toThrowError(expect.objectContaining({ code, status }));
      reader.push(frames[2]!);
      expect(() => reader.readBytes()).toThrowError(expect.objectContaining({ code }));
      expect(reader.buffered).toBe(0);
    });

    it('refuses an oversized payload from the header alone', () => {
      const reader = new FrameReader({ maxPayload: 999 });
      reader.push(frames[1]!.subarray(0, HEADER_SIZE));
      expect(() => reader.readBytes()).toThrowError(expect.objectContaining({ code: 'SW_ERR_FRAME_TOO_LARGE', status: Status.PayloadTooLarge }));
    });
  });
});
