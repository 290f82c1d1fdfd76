import { describe, expect, it } from 'vitest';
import { memoryPair } from '../src/transport/memory.js';
import { Priority, TransportError, TransportErrorCode } from '../src/transport/transport.js';
import { CONTRACT_CASES, Recorder, opened, pattern, sameBytes } from './transport-contract.js';

describe('memory transport: the contract', () => {
  for (const c of CONTRACT_CASES) it(c.name, () => c.run(async (options) => memoryPair(options)));
});

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const ids = (r: Recorder): number[] => r.frames.map((f) => new DataView(f.buffer, f.byteOffset).getUint32(0));

describe('memory transport', () => {
  it('has kind memory, starts connecting and opens in a later task', async () => {
    const [a, b] = memoryPair();
    expect([a.kind, a.state, b.state]).toEqual(['memory', 'connecting', 'connecting']);
    const order: string[] = [];
    a.on('open', () => order.push('a'));
    b.on('open', () => order.push('b'));
    await Promise.resolve();
    expect(order).toEqual([]); // not a microtask: a macrotask, like a socket
    await tick();
    expect(order).toEqual(['a', 'b']);
    expect([a.state, b.state]).toEqual(['open', 'open']);
  });

  it('never delivers inside send(): the frame arrives in a later task', async () => {
    const [a, b] = memoryPair();
    await opened(a);
    const r = new Recorder(b);
    a.send(pattern(10, 1));
    expect(r.frames).toHaveLength(0);
    expect(a.bufferedAmount).toBe(10);
    await Promise.resolve();
    expect(r.frames).toHaveLength(0);
    await tick();
    expect(r.frames).toHaveLength(1);
    expect(a.bufferedAmount).toBe(0);
  });

  it('leaves the caller\'s bytes alone and delivers a copy the caller cannot change afterwards', async () => {
    const [a, b] = memoryPair();
    const r = new Recorder(b);
    const whole = pattern(64, 1);
    a.send(whole);
    expect(whole.byteLength).toBe(64); // not detached: a session keeps acked frames to re-send them
    const big = pattern(64, 2);
    a.send(big.subarray(8, 16));
    whole.fill(0);
    big.fill(0);
    await r.frameCount(2);
    expect(sameBytes(r.frames[0]!, pattern(64, 1))).toBe(true);
    expect(sameBytes(r.frames[1]!, pattern(64, 2).subarray(8, 16))).toBe(true);
  });

  it('delivers queued frames Critical first, then High, then Low, each lane in order', async () => {
    const [a, b] = memoryPair();
    const r = new Recorder(b);
    await opened(a);
    a.faults.hold();
    a.send(pattern(8, 1), Priority.Low);
    a.send(pattern(8, 2)); // High by default
    a.send(pattern(8, 3), Priority.Critical);
    a.send(pattern(8, 4), Priority.Low);
    a.send(pattern(8, 5), Priority.Critical);
    a.send(pattern(8, 6), Priority.High);
    a.faults.release();
    await r.frameCount(6);
    expect(ids(r)).toEqual([3, 5, 2, 6, 1, 4]);
  });

  it('ready() waits above the high-water mark, resolves once delivered, and rejects when the transport closes', async () => {
    const [a, b] = memoryPair({ highWaterMark: 100 });
    const r = new Recorder(b);
    await opened(a);
    a.faults.hold();
    a.send(pattern(150, 1));
    let settled = false;
    const ready = a.ready().then(() => (settled = true));
    await tick();
    await tick();
    expect(settled).toBe(false);
    expect(a.bufferedAmount).toBe(150);
    a.faults.release();
    await ready;
    expect(a.bufferedAmount).toBe(0);
    expect(r.frames).toHaveLength(1);

    a.faults.hold();
    a.send(pattern(150, 2));
    const pending = a.ready();
    a.close(1001, 'going');
    await expect(pending).rejects.toMatchObject({ code: TransportErrorCode.CLOSED });
    await expect(pending).rejects.toBeInstanceOf(TransportError);
  });

  it('throws FULL past maxBuffered, keeps every accepted frame, and accepts again once drained', async () => {
    const [a, b] = memoryPair({ highWaterMark: 1000, maxBuffered: 3000 });
    const r = new Recorder(b);
    await opened(a);
    a.send(pattern(1000, 0));
    a.send(pattern(1000, 1));
    a.send(pattern(1000, 2));
    expect(() => a.send(pattern(1, 3))).toThrow(expect.objectContaining({ code: TransportErrorCode.FULL }));
    expect(a.bufferedAmount).toBe(3000);
    await a.ready();
    a.send(pattern(1000, 3));
    await r.frameCount(4);
    expect(ids(r)).toEqual([0, 1, 2, 3]);
  });

  it('hold() holds a close behind the frames it holds; release() delivers both in order', async () => {
    const [a, b] = memoryPair();
    const r = new Recorder(b);
    await opened(a);
    a.faults.hold();
    a.send(pattern(8, 1));
    a.close(4000, 'later');
    await tick();
    await tick();
    expect(r.frames).toHaveLength(0);
    expect(b.state).toBe('open');
    a.faults.release();
    const info = await r.closed();
    expect(info).toMatchObject({ code: 4000, reason: 'later' });
    expect(ids(r)).toEqual([1]);
  });

  it('drop(n) drops the next n frames; drop(predicate) drops matching frames until drop(0)', async () => {
    const [a, b] = memoryPair();
    const r = new Recorder(b);
    await opened(a);
    a.faults.drop(2);
    for (let i = 0; i < 4; i++) a.send(pattern(8, i));
    await r.frameCount(2);
    expect(ids(r)).toEqual([2, 3]);
    a.faults.drop((f) => f.length === 9);
    a.send(pattern(9, 4));
    a.send(pattern(8, 5));
    a.send(pattern(9, 6));
    await r.frameCount(3);
    a.faults.drop(0);
    a.send(pattern(9, 7));
    await r.frameCount(4);
    expect(ids(r)).toEqual([2, 3, 5, 7]);
    expect(a.bufferedAmount).toBe(0); // dropped frames leave the buffer too
  });

  it('duplicate(n) delivers each of the next n frames twice, as separate copies', async () => {
    const [a, b] = memoryPair();
    const r = new Recorder(b);
    const seen: Uint8Array[] = [];
    b.on('message', (f) => {
      seen.push(f);
      f.fill(0); // a listener scribbling on its frame must not change the duplicate
    });
    await opened(a);
    a.faults.duplicate(1);
    a.send(pattern(8, 1));
    a.send(pattern(8, 2));
    await r.frameCount(3);
    await tick();
    expect(ids(r)).toEqual([1, 1, 2]);
    expect(r.frames.map((f, i) => sameBytes(f, pattern(8, [1, 1, 2][i]!)))).toEqual([true, true, true]);
    expect(seen[0]).not.toBe(seen[1]);
  });

  it('delay(ms) delivers no sooner than ms after send()', async () => {
    const [a, b] = memoryPair();
    const r = new Recorder(b);
    await opened(a);
    a.faults.delay(40);
    const sent = performance.now();
    a.send(pattern(8, 1));
    a.send(pattern(8, 2));
    await r.frameCount(2);
    expect(performance.now() - sent).toBeGreaterThanOrEqual(39);
    expect(ids(r)).toEqual([1, 2]);
    a.faults.delay(0);
    const again = performance.now();
    a.send(pattern(8, 3));
    await r.frameCount(3);
    expect(performance.now() - again).toBeLessThan(40);
  });

  it('disconnect() closes both sides at once with 1006 and PEER_GONE, losing queued frames', async () => {
    const [a, b] = memoryPair();
    const ra = new Recorder(a);
    const rb = new Recorder(b);
    await opened(a);
    a.faults.hold();
    a.send(pattern(8, 1));
    const pending = b.ready();
    a.faults.disconnect('cable cut');
    for (const [t, r] of [[a, ra], [b, rb]] as const) {
      expect(t.state).toBe('closed');
      expect(r.closes).toHaveLength(1);
      expect(r.closes[0]).toMatchObject({ code: 1006, reason: 'cable cut', error: { code: TransportErrorCode.PEER_GONE } });
      expect(() => t.send(pattern(8, 2))).toThrow(expect.objectContaining({ code: TransportErrorCode.PEER_GONE }));
    }
    expect(a.bufferedAmount).toBe(0);
    await pending; // it had room: resolved before the cut
    await expect(b.ready()).rejects.toMatchObject({ code: TransportErrorCode.PEER_GONE });
    a.faults.release();
    await tick();
    expect(rb.frames).toHaveLength(0);
  });

  it('a throwing listener does not stop the frames after it', async () => {
    const [a, b] = memoryPair();
    const r = new Recorder(b);
    let first = true;
    b.on('message', () => {
      if (first) {
        first = false;
        throw new Error('listener bug');
      }
    });
    await opened(a);
    const caught = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
    a.send(pattern(8, 1));
    a.send(pattern(8, 2));
    expect(await caught).toMatchObject({ message: 'listener bug' });
    await r.frameCount(2);
    expect(ids(r)).toEqual([1, 2]);
  });
});

describe('transport events', () => {
  it('a listener that removes itself during an event does not make the next listener miss it', async () => {
    // Regression: a session's close listener unbinds itself; the handshake's close listener registered after it was
    // skipped, and the handshake waited out its whole deadline on a dead link.
    const [a] = memoryPair();
    const heard: string[] = [];
    const offFirst = a.on('close', () => {
      heard.push('first');
      offFirst();
    });
    a.on('close', () => heard.push('second'));
    const offMessageA = a.on('message', () => {
      heard.push('message a');
      offMessageA();
    });
    a.on('message', () => heard.push('message b'));
    a.close();
    expect(heard).toEqual(['first', 'second']);
  });

  it('a message listener that removes itself while a message is delivered does not hide it from the next', async () => {
    const [a, b] = memoryPair();
    const heard: string[] = [];
    const off = b.on('message', () => {
      heard.push('a');
      off();
    });
    b.on('message', () => heard.push('b'));
    a.send(new Uint8Array([1]));
    await new Promise((r) => setTimeout(r, 10));
    expect(heard).toEqual(['a', 'b']);
  });
});
