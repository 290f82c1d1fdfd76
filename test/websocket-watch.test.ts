// The pre-handshake watch reads WebSocket frame headers off the raw byte stream. A mistake either way matters: a
// miscount lets an oversized message through, a false alarm cuts an honest client. Checked against a reference
// (the sizes the frames were built with) for random frame sequences — fragmented messages, control frames between
// fragments, all three length encodings, masked or not — fed in random chunkings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocketWatch } from '../src/transport/websocket-watch.js';

interface Part {
  control: boolean;
  fin: boolean;
  length: number;
  masked: boolean;
}

function encode(part: Part): Uint8Array {
  const { length } = part;
  const extra = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const out = new Uint8Array(2 + extra + (part.masked ? 4 : 0) + length);
  out[0] = (part.fin ? 0x80 : 0) | (part.control ? 0x9 : 0x2);
  out[1] = (part.masked ? 0x80 : 0) | (extra === 0 ? length : extra === 2 ? 126 : 127);
  const view = new DataView(out.buffer);
  if (extra === 2) view.setUint16(2, length);
  if (extra === 8) view.setUint32(6, length);
  out.fill(0xab, 2 + extra); // mask and payload bytes: anything, the watch must not read them as headers
  return out;
}

/** Data messages as fragment lengths, with control frames (<= 125 bytes) between fragments. */
const message = fc.record({
  fragments: fc.array(fc.oneof(fc.integer({ min: 0, max: 125 }), fc.integer({ min: 126, max: 70_000 })), { minLength: 1, maxLength: 4 }),
  pings: fc.array(fc.integer({ min: 0, max: 125 }), { maxLength: 2 }),
  masked: fc.boolean(),
});

describe('WebSocketWatch', () => {
  it('counts each data message (fragments summed, control frames apart) and refuses exactly the first one over the limit, however the bytes are chunked', () => {
    fc.assert(fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 5000 }), fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 400, max: 100_000 })), (messages, chunk, limit) => {
      const parts: Part[] = [];
      let expected = 'ok' as 'ok' | 'message';
      let refusedAt = -1;
      for (const m of messages) {
        let sum = 0;
        m.fragments.forEach((length, i) => {
          parts.push({ control: false, fin: i === m.fragments.length - 1, length, masked: m.masked });
          sum += length;
          if (sum > limit && expected === 'ok') {
            expected = 'message';
            refusedAt = parts.length - 1;
          }
          const ping = m.pings[i];
          if (ping !== undefined && i < m.fragments.length - 1) parts.push({ control: true, fin: true, length: ping, masked: m.masked });
        });
      }
      const frames = parts.map(encode);
      // The bytes up to the end of the refused frame's header are what the watch must have seen to refuse.
      const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
      let at = 0;
      for (const f of frames) (bytes.set(f, at), (at += f.length));
      const watch = new WebSocketWatch(limit, Number.MAX_SAFE_INTEGER);
      let verdict: string = 'ok';
      let refusedByte = -1;
      for (let i = 0; i < bytes.length && verdict === 'ok'; i += chunk) {
        verdict = watch.feed(bytes.subarray(i, Math.min(bytes.length, i + chunk)));
        if (verdict !== 'ok') refusedByte = Math.min(bytes.length, i + chunk);
      }
      expect(verdict).toBe(expected);
      if (expected === 'message') {
        // Refused no later than the chunk holding the refused frame's header: before its payload is read.
        const headerEnd = frames.slice(0, refusedAt).reduce((n, f) => n + f.length, 0) + 14;
        expect(refusedByte).toBeLessThanOrEqual(Math.min(bytes.length, headerEnd + chunk));
      }
    }), { numRuns: 300 });
  });

  it('named cases: a ping between fragments is not part of the message; each message starts from zero', () => {
    const feed = (limit: number, parts: Part[]) => {
      const watch = new WebSocketWatch(limit, Number.MAX_SAFE_INTEGER);
      return parts.map((p) => watch.feed(encode(p)));
    };
    const data = (length: number, fin = true): Part => ({ control: false, fin, length, masked: true });
    const ping = (length: number): Part => ({ control: true, fin: true, length, masked: true });
    expect(feed(130, [data(60, false), ping(100), data(60)])).toEqual(['ok', 'ok', 'ok']);
    expect(feed(130, [data(60, false), ping(100), data(71)])).toEqual(['ok', 'ok', 'message']);
    expect(feed(150, [data(100), data(100), data(100)])).toEqual(['ok', 'ok', 'ok']);
    expect(feed(65_572, [data(65_572)])).toEqual(['ok']);
    expect(feed(65_572, [data(65_573)])).toEqual(['message']);
  });

  it('refuses a 64-bit length of 4 GiB or more at its header, and bytes past the total', () => {
    const huge = new Uint8Array([0x82, 0xff, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(new WebSocketWatch(1 << 20, 1 << 30).feed(huge)).toBe('message');
    const watch = new WebSocketWatch(1 << 20, 100);
    expect(watch.feed(encode({ control: false, fin: true, length: 50, masked: true }))).toBe('ok');
    expect(watch.feed(encode({ control: false, fin: true, length: 50, masked: true }))).toBe('total');
  });
});
