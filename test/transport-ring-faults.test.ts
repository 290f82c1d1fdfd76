// The ring transport's own promises beyond the shared contract: priority lanes, the size limit, corrupted bytes in
// the ring, many links at once, and a worker that dies with sends and waits pending.
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, MessageType, Priority, Status, SwarmwireError, TransportError, TransportErrorCode, WireError, WireErrorCode, connectWorker, init } from 'swarmwire';
import { Feature, decodeFrame, encodeFrame } from 'swarmwire/wire';
import { ringPair } from 'swarmwire/transport';
import { Recorder, opened, pattern, sameBytes, within } from './transport-contract.js';

const ECHO = new URL('./fixtures/echo-worker.mjs', import.meta.url);
const STALL = new URL('./fixtures/ring-stall-worker.mjs', import.meta.url);
let memory: WebAssembly.Memory;

beforeAll(async () => {
  ({ memory } = await init());
});

const ids = (r: Recorder): number[] => r.frames.map((f) => new DataView(f.buffer, f.byteOffset).getUint32(0));

/** A checksummed frame whose payload starts with an 8-byte marker we can find in the shared memory. */
function markedFrame(marker: number, size = 200): Uint8Array {
  const payload = pattern(size, marker);
  new DataView(payload.buffer).setUint32(0, 0x5eed0000 + marker);
  new DataView(payload.buffer).setUint32(4, 0xc0ffee00 + marker);
  return encodeFrame({ type: MessageType.Event, requestId: marker, features: Feature.CHECKSUM, payload });
}

/** Flips one payload byte of the frame carrying `marker` where it sits in the shared memory. */
function corruptInMemory(marker: number): void {
  const needle = new Uint8Array(8);
  new DataView(needle.buffer).setUint32(0, 0x5eed0000 + marker);
  new DataView(needle.buffer).setUint32(4, 0xc0ffee00 + marker);
  // The last copy: encodeFrame's CRC passes the bytes through the core's scratch area, below every ring.
  const at = Buffer.from(memory.buffer).lastIndexOf(Buffer.from(needle));
  expect(at).toBeGreaterThan(0);
  new Uint8Array(memory.buffer)[at + 20]! ^= 0x01;
}

describe('ring transport', () => {
  it('delivers frames sent together Critical first, then High, then Low, each lane in order', async () => {
    const [a, b] = ringPair();
    const r = new Recorder(b);
    await opened(a);
    // All in one task: the consumer finds every lane filled at once.
    a.send(pattern(8, 1), Priority.Low);
    a.send(pattern(8, 2));
    a.send(pattern(8, 3), Priority.Critical);
    a.send(pattern(8, 4), Priority.Low);
    a.send(pattern(8, 5), Priority.Critical);
    a.send(pattern(8, 6), Priority.High);
    await r.frameCount(6);
    expect(ids(r)).toEqual([3, 5, 2, 6, 1, 4]);
    a.close();
  });

  it('refuses a frame larger than half a ring with TOO_LARGE at send, and carries on', async () => {
    const [a, b] = ringPair({ laneBytes: 4096 });
    const r = new Recorder(b);
    await opened(a);
    expect(a.maxFrameBytes).toBe(2040);
    let error: unknown;
    try {
      a.send(new Uint8Array(2041));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ code: TransportErrorCode.TOO_LARGE, status: Status.PayloadTooLarge });
    expect((error as Error).message).toMatch(/^\[swarmwire\] ring transport: a frame of 2041 bytes exceeds the limit of 2040/);
    // Frames that fit, many times the ring's size in total, all arrive (the producer waits for room).
    for (let i = 0; i < 100; i++) {
      await within(a.ready(), 'ready()');
      a.send(pattern(2040 - (i % 3) * 500, i));
    }
    await r.frameCount(100);
    for (let i = 0; i < 100; i++) expect(sameBytes(r.frames[i]!, pattern(2040 - (i % 3) * 500, i))).toBe(true);
    a.close();
  });

  it('holds frames a full ring cannot take, in order, counting them in bufferedAmount, and never drops one', async () => {
    const [a, b] = ringPair({ laneBytes: 1024, highWaterMark: 1 << 20 });
    const r = new Recorder(b);
    await opened(a);
    for (let i = 0; i < 200; i++) a.send(pattern(300, i)); // 60 KB into a 1 KiB ring, in one task
    expect(a.bufferedAmount).toBeGreaterThanOrEqual(200 * 300);
    await r.frameCount(200);
    expect(ids(r)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    await within((async () => { while (a.bufferedAmount > 0) await new Promise((x) => setTimeout(x, 1)); })(), 'bufferedAmount 0');
    a.close();
  });

  it('closes with ChecksumMismatch when bytes in the ring are corrupted; the frames before it arrive', async () => {
    const [a, b] = ringPair();
    const ra = new Recorder(a);
    const rb = new Recorder(b);
    const errors: SwarmwireError[] = [];
    b.on('error', (e) => errors.push(e));
    await opened(a);
    a.send(markedFrame(1));
    a.send(markedFrame(2)); // copied into the ring now, published at the end of this task
    corruptInMemory(2);
    const info = await rb.closed();
    expect(rb.frames.map((f) => decodeFrame(f).requestId)).toEqual([1n]);
    expect(info).toMatchObject({ code: CloseCode.ProtocolError, reason: 'checksum mismatch' });
    expect(info.error).toBeInstanceOf(WireError);
    expect(info.error).toMatchObject({ code: WireErrorCode.CHECKSUM, status: Status.ChecksumMismatch });
    expect(errors).toEqual([info.error]);
    // The sender hears why, and its sends fail from then on.
    expect(await ra.closed()).toMatchObject({ code: CloseCode.ProtocolError, reason: 'checksum mismatch' });
    expect(() => a.send(pattern(8, 0))).toThrow(/closed/);
  });

  it('a worker consumer detects corruption too, and the page side hears the reason', async () => {
    const worker = new Worker(ECHO);
    try {
      const t = await connectWorker(worker);
      expect(t.kind).toBe('ring');
      const r = new Recorder(t);
      t.send(markedFrame(3));
      await r.frameCount(1);
      t.send(markedFrame(4));
      corruptInMemory(4);
      expect(await r.closed()).toMatchObject({ code: CloseCode.ProtocolError, reason: 'checksum mismatch' });
      expect(r.frames).toHaveLength(1);
    } finally {
      await worker.terminate();
    }
  });

  it('publishes while the sending task still runs: a worker frees ring room before the sender yields', async () => {
    const worker = new Worker(ECHO);
    try {
      const t = await connectWorker(worker); // send() publishes every 8 KiB
      const r = new Recorder(t);
      t.send(markedFrame(0, 4000));
      const sent = 40 * t.bufferedAmount; // what 40 such frames weigh while none is released
      for (let i = 1; i < 40; i++) t.send(markedFrame(i, 4000));
      // Without yielding (no microtask runs here), watch the worker take some out: it can only see frames published
      // before this task ends.
      const nap = new Int32Array(new SharedArrayBuffer(4));
      const deadline = performance.now() + 10_000;
      while (t.bufferedAmount >= sent && performance.now() < deadline) Atomics.wait(nap, 0, 0, 1);
      expect(t.bufferedAmount).toBeLessThan(sent);
      await r.frameCount(40);
      expect(r.frames.map((f) => new DataView(f.buffer, f.byteOffset).getUint32(32) - 0x5eed0000)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    } finally {
      await worker.terminate();
    }
  });

  it('keeps feeding the ring from the backlog during a long synchronous run of sends', async () => {
    const worker = new Worker(ECHO);
    try {
      const t = await connectWorker(worker, { laneBytes: 65_536 });
      const r = new Recorder(t);
      t.send(markedFrame(0, 4000));
      const one = t.bufferedAmount;
      for (let i = 1; i < 64; i++) t.send(markedFrame(i, 4000)); // 4× the ring: most wait in the backlog
      // Without yielding, the worker can only get the backlog through send(): send small frames until it has.
      const nap = new Int32Array(new SharedArrayBuffer(4));
      const deadline = performance.now() + 10_000;
      let n = 64;
      while (t.bufferedAmount > 8 * one && performance.now() < deadline) {
        t.send(markedFrame(n++, 8));
        Atomics.wait(nap, 0, 0, 1);
      }
      expect(t.bufferedAmount).toBeLessThanOrEqual(8 * one);
      await r.frameCount(n);
      expect(r.frames.map((f) => new DataView(f.buffer, f.byteOffset).getUint32(32) - 0x5eed0000)).toEqual(Array.from({ length: n }, (_, i) => i));
    } finally {
      await worker.terminate();
    }
  });

  it('runs many links at once, in one thread and to several workers, each in order', async () => {
    const workers = Array.from({ length: 3 }, () => new Worker(ECHO));
    try {
      const pairs = Array.from({ length: 6 }, () => ringPair({ laneBytes: 4096 }));
      const toWorkers = await Promise.all(workers.map((w) => connectWorker(w, { laneBytes: 8192 })));
      const senders = [...pairs.map((p) => p[0]), ...toWorkers];
      const receivers = [...pairs.map((p) => new Recorder(p[1])), ...toWorkers.map((t) => new Recorder(t))];
      await Promise.all(senders.map((s) => opened(s)));
      const n = 300;
      await Promise.all(senders.map(async (s, k) => {
        for (let i = 0; i < n; i++) {
          await within(s.ready(), 'ready()');
          s.send(pattern(100 + ((i * 13 + k) % 1500), i));
        }
      }));
      await Promise.all(receivers.map((r) => r.frameCount(n, 20_000)));
      receivers.forEach((r, k) => {
        expect(ids(r)).toEqual(Array.from({ length: n }, (_, i) => i));
        r.frames.forEach((f, i) => expect(sameBytes(f, pattern(100 + ((i * 13 + k) % 1500), i))).toBe(true));
      });
      for (const s of senders) s.close();
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  });

  it('ends pending sends and ready() with PEER_GONE when a stalled worker is terminated', async () => {
    const worker = new Worker(STALL);
    const t = await connectWorker(worker, { laneBytes: 4096, highWaterMark: 8192 });
    const r = new Recorder(t);
    for (let i = 0; i < 20; i++) t.send(pattern(1000, i)); // more than the rings hold: some wait here
    await new Promise((x) => setTimeout(x, 50));
    expect(t.bufferedAmount).toBeGreaterThan(8192);
    const waiting = t.ready();
    let settled = false;
    void waiting.then(() => (settled = true), () => (settled = true));
    await new Promise((x) => setTimeout(x, 100));
    expect(settled).toBe(false); // the worker reads nothing: ready() really waits
    const t0 = performance.now();
    void worker.terminate();
    const info = await r.closed(3000);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(info).toMatchObject({ code: CloseCode.Abnormal, error: { code: TransportErrorCode.PEER_GONE, status: Status.Timeout } });
    await expect(waiting).rejects.toMatchObject({ code: TransportErrorCode.PEER_GONE });
    expect(() => t.send(pattern(8, 0))).toThrow(/peer gone/);
    expect(t.bufferedAmount).toBe(0);
  });

  it('costs next to no CPU while idle: both ends sleep instead of polling', async () => {
    const worker = new Worker(ECHO);
    try {
      const t = await connectWorker(worker);
      const r = new Recorder(t);
      t.send(pattern(64, 1));
      await r.frameCount(1);
      await new Promise((x) => setTimeout(x, 100)); // let both loops go to sleep
      const before = process.cpuUsage(); // every thread of this process, the worker's too
      await new Promise((x) => setTimeout(x, 1000));
      const used = process.cpuUsage(before);
      const ms = (used.user + used.system) / 1000;
      expect(ms).toBeLessThan(200); // a polling consumer alone would burn ~1000 ms of CPU in that second
      t.send(pattern(64, 2)); // and it still wakes up for the next frame
      await r.frameCount(2);
      t.close();
    } finally {
      await worker.terminate();
    }
  });

  it('reuses the memory of closed links: opening and closing many does not exhaust it', async () => {
    const before = memory.buffer.byteLength;
    for (let i = 0; i < 200; i++) {
      const [a, b] = ringPair();
      const r = new Recorder(b);
      await opened(a);
      a.send(pattern(10, i));
      await r.frameCount(1);
      a.close();
      await r.closed();
      await new Promise((x) => setTimeout(x, 0));
    }
    expect(memory.buffer.byteLength - before).toBeLessThan(64 << 20); // 200 links of 6 MiB would be 1.2 GiB
  });
});
