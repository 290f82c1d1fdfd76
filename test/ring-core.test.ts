// The wasm ring (assembly/ring.ts) through its raw bindings: wrap-around at every boundary, full and empty, the
// record limit, free-running indices across 2^32, and the consumer's in-place checks, which must judge a frame as
// the JavaScript decoder does (the wasm has no other header code to compare: its checks are tested here, where
// they run). Canaries around the ring catch any write outside it.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as wire from 'swarmwire/wire';
import { Feature, MAX_PAYLOAD, encodeFrame } from 'swarmwire/wire';
import { MessageType, Status } from 'swarmwire';

const sw = { ...wire, MessageType };
import { instantiate } from '../build/swarmwire.js';

type Api = Awaited<ReturnType<typeof instantiate>>;
let api: Api;
let memory: WebAssembly.Memory;
const RING = 1 << 16; // well above the static data
const HEADER = 192;
const OUT = 1 << 20; // drain list
const LENS = OUT + 65536;
const ADDRS = LENS + 4096;
const FRAMES_BIT = 0x8000_0000;
const CANARY = 0xa5;

const bytes = (): Uint8Array => new Uint8Array(memory.buffer);
const u32 = (at: number): number => new DataView(memory.buffer).getUint32(at, true);
const setU32 = (at: number, v: number): void => new DataView(memory.buffer).setUint32(at, v, true);

beforeAll(async () => {
  memory = new WebAssembly.Memory({ initial: 32, maximum: 16384, shared: true });
  api = await instantiate(await WebAssembly.compile(readFileSync(new URL('../build/swarmwire.wasm', import.meta.url))), { env: { memory } });
  api.crc32cInit(); // the CRC tables the frame checks use are computed into the memory, not shipped
});

/** A ring of `cap` data bytes with canary bytes before its header and after its data. */
function freshRing(cap: number): void {
  bytes().fill(CANARY, RING - 64, RING + HEADER + cap + 64);
  expect(api.ringInit(RING, cap)).toBe(0);
}

function canariesIntact(cap: number): boolean {
  const b = bytes();
  for (let i = RING - 64; i < RING; i++) if (b[i] !== CANARY) return false;
  for (let i = RING + HEADER + cap; i < RING + HEADER + cap + 64; i++) if (b[i] !== CANARY) return false;
  return true;
}

function push(payload: Uint8Array, frames = false): boolean {
  const at = api.ringReserveOne(RING, (payload.length | (frames ? FRAMES_BIT : 0)) >>> 0);
  if (at === 0) return false;
  bytes().set(payload, at);
  api.ringCommit(RING);
  return true;
}

/** Drains everything published: the payloads (copied) and the status. */
function drainAll(): { records: Uint8Array[]; status: number } {
  const records: Uint8Array[] = [];
  for (;;) {
    const n = api.ringDrain(RING, OUT, 64, MAX_PAYLOAD);
    for (let i = 0; i < n; i++) {
      const at = u32(OUT + 8 + 8 * i);
      records.push(bytes().slice(at, at + u32(OUT + 12 + 8 * i)));
    }
    api.ringRelease(RING, u32(OUT + 4));
    const status = u32(OUT);
    if (status !== 0 || n === 0) return { records, status };
  }
}

const filled = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + 1) & 0xff);

describe('wasm ring', () => {
  it('refuses a capacity that is not a power of two of at least 64', () => {
    for (const cap of [0, 32, 100, 1000]) expect(api.ringInit(RING, cap)).toBe(Status.InvalidFrame);
    expect(api.ringInit(RING, 64)).toBe(0);
    expect(api.ringMaxRecord(RING)).toBe(24);
  });

  it('carries every record size across every wrap position (capacity 256)', () => {
    const cap = 256;
    const max = cap / 2 - 8;
    for (let start = 0; start < cap; start += 8) {
      for (let size = 0; size <= max; size++) {
        freshRing(cap);
        // Move both indices to `start` with a filler record (or a run of them), then empty the ring.
        let moved = 0;
        while (moved < start) {
          const n = Math.min(start - moved, 120) - 8;
          expect(push(new Uint8Array(n))).toBe(true);
          drainAll();
          moved += n + 8;
        }
        expect(api.ringUsed(RING)).toBe(0);
        const a = filled(size, start);
        const b = filled(Math.max(0, max - size), size);
        expect(push(a)).toBe(true);
        const fitsB = push(b); // may not fit next to a; then it must go after a drain
        const got = drainAll();
        expect(got.status).toBe(0);
        expect(got.records[0]).toEqual(a);
        if (fitsB) expect(got.records[1]).toEqual(b);
        else {
          expect(push(b)).toBe(true);
          expect(drainAll().records).toEqual([b]);
        }
        expect(api.ringUsed(RING)).toBe(0);
        expect(canariesIntact(cap)).toBe(true);
      }
    }
  });

  it('fills up, refuses more without overwriting, and empties', () => {
    const cap = 1024;
    freshRing(cap);
    const sent: Uint8Array[] = [];
    for (let i = 0; ; i++) {
      const p = filled(i % 40, i);
      if (!push(p)) break;
      sent.push(p);
    }
    expect(api.ringUsed(RING)).toBeGreaterThan(cap - 48 - 8);
    expect(api.ringUsed(RING)).toBeLessThanOrEqual(cap);
    expect(push(new Uint8Array(0))).toBe(api.ringUsed(RING) <= cap - 8);
    expect(canariesIntact(cap)).toBe(true);
    const got = drainAll();
    expect(got.records.slice(0, sent.length)).toEqual(sent);
    expect(api.ringUsed(RING)).toBe(0);
    // Empty: a drain finds nothing and reports OK.
    expect(api.ringDrain(RING, OUT, 64, MAX_PAYLOAD)).toBe(0);
    expect(u32(OUT)).toBe(0);
  });

  it('takes records up to half the ring at any position, and never larger ones', () => {
    const cap = 512;
    const max = cap / 2 - 8;
    for (let start = 0; start < cap; start += 8) {
      freshRing(cap);
      if (start > 0) {
        expect(push(new Uint8Array(start - 8))).toBe(start - 8 <= max);
        if (start - 8 > max) {
          expect(push(new Uint8Array(max - 8))).toBe(true);
          expect(push(new Uint8Array(start - max - 16))).toBe(true);
        }
        drainAll();
      }
      expect(api.ringReserveOne(RING, max + 1)).toBe(0);
      expect(push(filled(max, start))).toBe(true);
      expect(drainAll().records).toEqual([filled(max, start)]);
    }
  });

  it('keeps working when the free-running indices wrap past 2^32', () => {
    const cap = 4096;
    freshRing(cap);
    const near = 0x1_0000_0000 - 3 * cap;
    for (const off of [0, 4]) setU32(RING + off, near); // head and the producer's cursor
    setU32(RING + 64, near); // tail
    const sent: Uint8Array[] = [];
    const got: Uint8Array[] = [];
    for (let i = 0; i < 500; i++) {
      const p = filled((i * 37) % 300, i);
      while (!push(p)) got.push(...drainAll().records);
      sent.push(p);
    }
    got.push(...drainAll().records);
    expect(got).toEqual(sent);
    expect(u32(RING + 64)).toBeLessThan(near); // the tail did wrap
  });

  it('pushes a batch with one call, stopping at the first record that does not fit', () => {
    const cap = 1024;
    freshRing(cap);
    const sizes = [100, 200, 300, 400, 500];
    sizes.forEach((s, i) => setU32(LENS + 4 * i, s));
    const n = api.ringReserve(RING, LENS, sizes.length, ADDRS);
    expect(n).toBe(3); // 108 + 208 + 312 = 628; 408 more would pass 1024
    for (let i = 0; i < n; i++) bytes().set(filled(sizes[i]!, i), u32(ADDRS + 4 * i));
    expect(api.ringUsed(RING)).toBe(0); // nothing visible before the commit
    api.ringCommit(RING);
    expect(drainAll().records).toEqual(sizes.slice(0, 3).map((s, i) => filled(s, i)));
  });

  it('drains at most an eighth of the ring per call (at least one record), so the producer gets room back in steps', () => {
    const cap = 4096;
    freshRing(cap);
    const sizes = [100, 200, 600, 1000, 40];
    for (const [i, s] of sizes.entries()) expect(push(filled(s, i))).toBe(true);
    const steps: number[][] = [];
    for (;;) {
      const before = u32(RING + 64);
      const n = api.ringDrain(RING, OUT, 64, MAX_PAYLOAD);
      if (n === 0) break;
      const lens = Array.from({ length: n }, (_, i) => u32(OUT + 12 + 8 * i));
      steps.push(lens);
      // A step ends once it has passed cap / 8 = 512 bytes of records (each is 8 bytes of header plus padding).
      const walked = u32(OUT + 4) - before;
      expect(walked - ((lens.at(-1)! + 15) & ~7)).toBeLessThan(cap / 8);
      api.ringRelease(RING, u32(OUT + 4));
    }
    expect(steps).toEqual([[100, 200, 600], [1000], [40]]);
    expect(api.ringUsed(RING)).toBe(0);
  });

  describe('in-place checks on the consumer side', () => {
    const frame = (i: number, checksum = true): Uint8Array =>
      encodeFrame({ type: MessageType.Event, requestId: i, features: checksum ? Feature.CHECKSUM : 0, payload: filled(50 + i, i) });

    it('passes valid frames, single and back to back, with and without a checksum', () => {
      freshRing(4096);
      const two = new Uint8Array([...frame(2), ...frame(3, false)]);
      for (const p of [frame(1), two, frame(4, false)]) expect(push(p, true)).toBe(true);
      const got = drainAll();
      expect(got.status).toBe(0);
      expect(got.records).toEqual([frame(1), two, frame(4, false)]);
    });

    it('reports a corrupted byte as ChecksumMismatch, after delivering the records before it', () => {
      for (const where of [0.1, 0.5, 0.99]) {
        freshRing(4096);
        const bad = frame(6);
        expect(push(frame(5), true)).toBe(true);
        const at = api.ringReserveOne(RING, (bad.length | FRAMES_BIT) >>> 0);
        bytes().set(bad, at);
        bytes()[at + 32 + Math.floor(where * (bad.length - 36))]! ^= 0x10; // a payload byte
        api.ringCommit(RING);
        const n = api.ringDrain(RING, OUT, 64, MAX_PAYLOAD);
        expect(n).toBe(1);
        expect(u32(OUT)).toBe(Status.ChecksumMismatch);
      }
    });

    it('reports a broken header, tag, or record length as InvalidFrame (and a bad version as UnsupportedVersion)', () => {
      const cases: Array<[string, (rec: number) => void, number]> = [
        ['frame magic', (rec) => (bytes()[rec + 8] = 0), Status.InvalidFrame],
        ['frame version', (rec) => (bytes()[rec + 12] = 9), Status.UnsupportedVersion],
        ['record tag', (rec) => setU32(rec + 4, 0x12345678), Status.InvalidFrame],
        ['record length past the data', (rec) => setU32(rec, 3000), Status.InvalidFrame],
        ['record length inside another frame', (rec) => setU32(rec, u32(rec) - 8), Status.InvalidFrame],
      ];
      for (const [name, poke, status] of cases) {
        freshRing(4096);
        const f = frame(7);
        const at = api.ringReserveOne(RING, (f.length | FRAMES_BIT) >>> 0);
        bytes().set(f, at);
        poke(at - 8);
        api.ringCommit(RING);
        expect(api.ringDrain(RING, OUT, 64, MAX_PAYLOAD), name).toBe(0);
        expect(u32(OUT), name).toBe(status);
      }
    });

    /** The status the consumer's in-place check gives `bytes` pushed as one FRAMES record. */
    function checked(bytes: Uint8Array, maxPayload: number = sw.MAX_PAYLOAD): number {
      freshRing(4096);
      expect(push(bytes, true)).toBe(true);
      const n = api.ringDrain(RING, OUT, 64, maxPayload);
      const status = u32(OUT);
      expect(n).toBe(status === 0 ? 1 : 0);
      api.ringRelease(RING, u32(OUT + 4));
      return status;
    }

    /** The status decodeFrame() gives `bytes`: Success, or its WireError's. */
    function decoded(bytes: Uint8Array): number {
      try {
        sw.decodeFrame(bytes);
        return sw.Status.Success;
      } catch (e) {
        return (e as wire.WireError).status;
      }
    }

    it('knows the same message types as the TypeScript side', () => {
      const base = sw.encodeFrame({ type: sw.MessageType.Ping, body: { timestamp: 1 } });
      for (let t = 0; t < 256; t++) {
        const bytes = base.slice();
        bytes[5] = t;
        const expected = sw.isKnownType(t) ? sw.Status.Success : sw.Status.InvalidFrame;
        expect([t, checked(bytes)]).toEqual([t, expected]);
      }
    });

    it('judges frames with the same statuses as the JavaScript decoder', () => {
      const good = sw.encodeFrame({ type: sw.MessageType.Ping, features: sw.Feature.CHECKSUM, body: { timestamp: 1 } });
      const flip = (at: number, bit = 1): Uint8Array => {
        const b = good.slice();
        b[at]! ^= bit;
        return b;
      };
      const longer = good.slice();
      new DataView(longer.buffer).setUint32(28, longer.length - 36 + 1); // one payload byte more than there is
      const cases: Array<[string, Uint8Array, number]> = [
        ['good', good, sw.Status.Success],
        ['magic', flip(0), sw.Status.InvalidFrame],
        ['version', flip(4), sw.Status.UnsupportedVersion],
        ['type', flip(5, 0x80), sw.Status.InvalidFrame],
        ['payload', flip(40), sw.Status.ChecksumMismatch],
        ['trailer', flip(good.length - 1), sw.Status.ChecksumMismatch],
        ['length past the bytes', longer, sw.Status.InvalidFrame],
        ['shorter than a header', good.subarray(0, 31), sw.Status.InvalidFrame],
      ];
      for (const [name, bytes, status] of cases) {
        expect([name, checked(bytes)]).toEqual([name, status]);
        expect([name, decoded(bytes)]).toEqual([name, status]);
      }
      expect(checked(good, 4)).toBe(sw.Status.PayloadTooLarge);
    });

    it('delivers raw records unchecked', () => {
      freshRing(4096);
      expect(push(filled(100, 1))).toBe(true);
      expect(drainAll()).toEqual({ records: [filled(100, 1)], status: 0 });
    });
  });
});
