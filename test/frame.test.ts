import { describe, expect, it } from 'vitest';
import { Feature, HEADER_SIZE, decodeFrame, decodeFrames, encodeFrame, encodeHeader, frameSize } from 'swarmwire/wire';
import { MessageType, Status, SwarmwireError, WireError, decodeBody } from 'swarmwire';

const err = (fn: () => unknown): SwarmwireError => {
  try {
    fn();
  } catch (e) {
    return e as SwarmwireError;
  }
  throw new Error('no error thrown');
};

describe('frames', () => {
  it('carries a MessagePack body and decodes it back', () => {
    const body = { role: 'edge', capabilities: ['rpc', 'ring'], peers: [new Uint8Array(16).fill(7)], load: 0.25 };
    const bytes = encodeFrame({ type: MessageType.Discovery, requestId: 9, features: Feature.CHECKSUM | Feature.ACK_REQUIRED, body });
    const frame = decodeFrame(bytes);
    expect(frame.type).toBe(MessageType.Discovery);
    expect(frame.features).toBe(Feature.CHECKSUM | Feature.ACK_REQUIRED);
    expect(decodeBody(frame)).toEqual(body);
    expect(bytes.length).toBe(frameSize(frame.payloadLength, frame.features));
  });

  it('hands out the payload as a view of the input, not a copy', () => {
    const bytes = encodeFrame({ type: MessageType.Event, payload: new Uint8Array([1, 2, 3]) });
    const frame = decodeFrame(bytes);
    expect(frame.payload.buffer).toBe(bytes.buffer);
    expect(frame.payload.byteOffset).toBe(bytes.byteOffset + HEADER_SIZE);
  });

  it('never lets two encoded frames share bytes, though small ones share a slab', () => {
    const frames = Array.from({ length: 3000 }, (_, i) => encodeFrame({ type: MessageType.Event, requestId: i, payload: new Uint8Array(i % 50).fill(i & 0xff) }));
    const ranges = new Map<ArrayBufferLike, Array<[number, number]>>();
    for (const f of frames) {
      const list = ranges.get(f.buffer) ?? [];
      list.push([f.byteOffset, f.byteOffset + f.length]);
      ranges.set(f.buffer, list);
    }
    expect(ranges.size).toBeLessThan(10); // pooled: a few slabs for 3,000 frames
    for (const list of ranges.values()) {
      list.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < list.length; i++) expect(list[i]![0]).toBeGreaterThanOrEqual(list[i - 1]![1]);
    }
    frames.forEach((f, i) => expect(decodeFrame(f)).toMatchObject({ requestId: BigInt(i), payloadLength: i % 50 }));
  });

  it('decodes frames that sit at an offset inside a larger buffer', () => {
    const one = encodeFrame({ type: MessageType.Ping, features: Feature.CHECKSUM, body: { timestamp: 1 } });
    const big = new Uint8Array(one.length + 13);
    big.set(one, 13);
    expect(decodeBody(decodeFrame(big.subarray(13)))).toEqual({ timestamp: 1 });
  });

  it('splits a BATCHING message into its frames', () => {
    const frames = [1, 2, 3].map((n) => encodeFrame({ type: MessageType.Event, requestId: n, features: n === 2 ? Feature.CHECKSUM : 0, body: n }));
    const batch = new Uint8Array(frames.reduce((s, f) => s + f.length, 0));
    frames.reduce((at, f) => (batch.set(f, at), at + f.length), 0);
    expect(decodeFrames(batch).map((f) => [f.requestId, decodeBody(f)])).toEqual([[1n, 1], [2n, 2], [3n, 3]]);
    expect(err(() => decodeFrames(batch.subarray(0, batch.length - 1))).code).toBe('SW_ERR_FRAME_TRUNCATED');
  });

  it('refuses to encode a payload above the limit, and values MessagePack cannot carry', () => {
    expect(err(() => encodeFrame({ type: 0, payload: new Uint8Array(11) }, { maxPayload: 10 })).code).toBe('SW_ERR_FRAME_TOO_LARGE');
    const bad = err(() => encodeFrame({ type: 0, body: [() => 1] }));
    expect(bad).toBeInstanceOf(WireError);
    expect(bad.code).toBe('SW_ERR_PAYLOAD');
  });

  it('rejects a payload that is not MessagePack with SW_ERR_PAYLOAD', () => {
    const frame = decodeFrame(encodeFrame({ type: 0, payload: new Uint8Array([0xc1]) })); // 0xc1 is never used
    const e = err(() => decodeBody(frame));
    expect(e.code).toBe('SW_ERR_PAYLOAD');
    expect(e.status).toBe(Status.InvalidFrame);
  });

  it('checks the payload limit from the header before looking at the payload', () => {
    const header = encodeHeader({ type: 0, payloadLength: 2048 }); // no payload bytes follow at all
    expect(err(() => decodeFrame(header, { maxPayload: 1024 })).code).toBe('SW_ERR_FRAME_TOO_LARGE');
  });
});
