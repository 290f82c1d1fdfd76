// The best-effort frame on a node's channel (src/relay/redis-message.ts): what one relay writes, the next reads back
// field for field; a relay's own message, a truncated one and another program's are not frames; values a byte cannot
// hold are refused rather than wrapped.
import { describe, expect, it } from 'vitest';
import { isRouted, readRouted, relayIdBytes, writeRouted } from '../src/relay/redis-message.js';
import { isNotice } from '../src/relay/redis-schema.js';
import { pack } from '../src/wire/payload.js';

const body = { to: new Uint8Array(16).fill(1), from: new Uint8Array(16).fill(2), ttl: 15, hops: 1, frame: new Uint8Array([9, 8, 7, 6]) };

describe('redis-message', () => {
  it('reads back what another relay wrote, field for field, the frame as a view', () => {
    const message = writeRouted(relayIdBytes('relay-a'), body);
    expect(isRouted(message)).toBe(true);
    expect(isNotice(message)).toBe(false);
    const read = readRouted(message, relayIdBytes('relay-b'))!;
    const bytes = (b: Uint8Array) => Array.from(b);
    expect({ ...read, to: bytes(read.to), from: bytes(read.from), frame: bytes(read.frame) })
      .toEqual({ to: bytes(body.to), from: bytes(body.from), ttl: 15, hops: 1, frame: [9, 8, 7, 6] });
    expect(read.frame.buffer).toBe(message.buffer); // not copied: the relay encodes it into the peer's frame
    expect(readRouted(writeRouted(relayIdBytes('ä'), { ...body, frame: new Uint8Array(0) }), relayIdBytes('a'))!.frame.length).toBe(0);
  });

  it('drops its own relay\'s messages, and ones too short to hold the fields', () => {
    const mine = relayIdBytes('relay-a');
    const message = writeRouted(mine, body);
    expect(readRouted(message, mine)).toBeUndefined();
    expect(readRouted(writeRouted(relayIdBytes('relay-A'), body), mine)).toBeDefined(); // same length, other id
    for (let cut = 0; cut < message.length - body.frame.length; cut++) expect(readRouted(message.subarray(0, cut), relayIdBytes('x'))).toBeUndefined();
    expect(readRouted(Uint8Array.of(1, 200, 1, 2, 3), relayIdBytes('x'))).toBeUndefined(); // a length past the end
  });

  it('is neither a stream notice nor MessagePack, and tells both apart', () => {
    expect(isRouted(Buffer.from('17 abc'))).toBe(false);
    expect(isRouted(pack({ r: 'old', b: body, a: false }))).toBe(false);
    expect(isRouted(new Uint8Array(0))).toBe(false);
  });

  it('refuses a ttl or hops a byte cannot hold (BAD_PAYLOAD), and a relay id past 255 bytes (TypeError)', () => {
    expect(() => writeRouted(relayIdBytes('a'), { ...body, hops: 256 })).toThrow(expect.objectContaining({ code: 'SW_ERR_PAYLOAD' }));
    expect(() => writeRouted(relayIdBytes('a'), { ...body, ttl: -1 })).toThrow(expect.objectContaining({ code: 'SW_ERR_PAYLOAD' }));
    expect(relayIdBytes('r'.repeat(255)).length).toBe(255);
    expect(() => relayIdBytes('r'.repeat(256))).toThrow(TypeError);
    expect(() => relayIdBytes('é'.repeat(128))).toThrow(TypeError); // 256 bytes of UTF-8
  });
});
