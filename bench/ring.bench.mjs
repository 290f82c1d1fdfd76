// Issue 3's worker table (Node worker_threads): one-way messages/s and sequential round-trip p50/p99 for 64 B,
// 1 KiB and 4 KiB frames (32-byte header + CRC-32C trailer), main thread → worker:
//   swarmwire ring   connectWorker(): frames through shared-memory rings; the worker's ring checks each CRC in place
//   ringbuf.js       the same bytes raw through ringbuf.js (no header check, no CRC check), busy-polling consumer
//   postMessage      structured clone of a Uint8Array, and a fresh ArrayBuffer transferred
// Each method runs in its own worker; rounds alternate the order; figures are medians over rounds.
import { Worker } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import { Feature, encodeFrame } from 'swarmwire/wire';
import { MessageType, connectWorker, init } from 'swarmwire';
import { mark, sig } from './lib/table.mjs';

const WORKER = new URL('./lib/ring-worker.mjs', import.meta.url);
const SIZES = [64, 1024, 4096];
const METHODS = ['swarmwire ring', 'ringbuf.js', 'postMessage clone', 'postMessage transfer'];
const KEY = { 'swarmwire ring': 'ours', 'ringbuf.js': 'ringbuf', 'postMessage clone': 'clone', 'postMessage transfer': 'transfer' };
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const HWM = 1 << 20;
const STEP_DEADLINE_MS = 60_000;

/** `promise`, or an error naming the step once STEP_DEADLINE_MS pass: a stuck method fails the run, never hangs it. */
function deadline(promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`[bench] ring: ${what} did not finish within ${STEP_DEADLINE_MS} ms`)), STEP_DEADLINE_MS))),
  ]).finally(() => clearTimeout(timer));
}

function frameOf(size) {
  return encodeFrame({ type: MessageType.Event, features: Feature.CHECKSUM, payload: new Uint8Array(size - 36).fill(7) });
}

function startWorker(method, extra = {}) {
  const worker = new Worker(WORKER, { workerData: { method, ...extra } });
  const inbox = [];
  let wake;
  worker.on('message', (m) => {
    if (m instanceof Uint8Array) return; // echoes are handled by the method
    inbox.push(m);
    wake?.();
  });
  const next = async () => {
    while (inbox.length === 0) await new Promise((r) => (wake = r));
    return inbox.shift();
  };
  return { worker, next };
}

/** `n` sequential round trips: send, wait for the echo, send again. Sorted times in µs. */
function pingPong(send, setOnEcho, n) {
  const out = [];
  return new Promise((done) => {
    let t0 = performance.now();
    setOnEcho(() => {
      out.push((performance.now() - t0) * 1000);
      if (out.length === n) return done(out.sort((a, b) => a - b));
      t0 = performance.now();
      send();
    });
    send();
  });
}

async function command(w, cmd, n, size) {
  w.worker.postMessage({ cmd, n, size });
  await w.next(); // ok
}

/** Each method: { oneWay(size, n) → msgs/s, roundTrips(size, n) → sorted µs, close() }. */
async function setUp(name) {
  const method = KEY[name];
  if (method === 'ours') {
    const w = startWorker(method);
    await w.next();
    const t = await connectWorker(w.worker, { highWaterMark: HWM });
    let onMessage = () => {};
    t.on('message', () => onMessage());
    return {
      async oneWay(size, n) {
        const frame = frameOf(size);
        await command(w, 'sink', n);
        const t0 = performance.now();
        for (let i = 0; i < n; i++) {
          if ((i & 255) === 0 && t.bufferedAmount >= HWM) await t.ready();
          t.send(frame);
        }
        await w.next();
        return n / ((performance.now() - t0) / 1000);
      },
      async roundTrips(size, n) {
        const frame = frameOf(size);
        await command(w, 'echo', n);
        return pingPong(() => t.send(frame), (f) => (onMessage = f), n);
      },
      async close() {
        t.close();
        await w.worker.terminate();
      },
    };
  }
  if (method === 'ringbuf') {
    const toWorker = RingBuffer.getStorageForCapacity(1 << 20, Uint8Array);
    const toMain = RingBuffer.getStorageForCapacity(1 << 20, Uint8Array);
    const w = startWorker(method, { toWorker, toMain });
    await w.next();
    const out = new RingBuffer(toWorker, Uint8Array);
    const back = new RingBuffer(toMain, Uint8Array);
    // Busy loops block this thread's timers, so they watch the deadline themselves.
    let limit = 0;
    const stuck = (spins) => {
      if ((spins & 0xfffff) === 0 && performance.now() > limit) throw new Error(`[bench] ring: ringbuf.js stuck for ${STEP_DEADLINE_MS} ms`);
    };
    const push = (bytes) => {
      for (let sent = 0, spins = 1; sent < bytes.length; spins++) {
        sent += out.push(bytes, bytes.length - sent, sent);
        stuck(spins);
      }
    };
    return {
      async oneWay(size, n) {
        const bytes = frameOf(size);
        await command(w, 'sink', n, size);
        const t0 = performance.now();
        limit = t0 + STEP_DEADLINE_MS;
        for (let i = 0; i < n; i++) push(bytes);
        await w.next();
        return n / ((performance.now() - t0) / 1000);
      },
      async roundTrips(size, n) {
        const bytes = frameOf(size);
        const buf = new Uint8Array(size);
        await command(w, 'echo', n, size);
        const times = [];
        limit = performance.now() + STEP_DEADLINE_MS;
        for (let i = 0; i < n; i++) {
          const t0 = performance.now();
          push(bytes);
          for (let spins = 1; back.availableRead() < size; spins++) stuck(spins); // busy-poll
          back.pop(buf);
          times.push((performance.now() - t0) * 1000);
        }
        return times.sort((a, b) => a - b);
      },
      async close() {
        await w.worker.terminate();
      },
    };
  }
  const transfer = method === 'transfer';
  const w = startWorker(method);
  await w.next();
  let onMessage = () => {};
  w.worker.on('message', (m) => {
    if (m instanceof Uint8Array) onMessage();
  });
  const post = (frame) => {
    if (transfer) {
      const copy = frame.slice();
      w.worker.postMessage(copy, [copy.buffer]);
    } else w.worker.postMessage(frame);
  };
  return {
    async oneWay(size, n) {
      const frame = frameOf(size);
      await command(w, 'sink', n);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) post(frame);
      await w.next();
      return n / ((performance.now() - t0) / 1000);
    },
    async roundTrips(size, n) {
      const frame = frameOf(size);
      await command(w, 'echo', n);
      return pingPong(() => post(frame), (f) => (onMessage = f), n);
    },
    async close() {
      await w.worker.terminate();
    },
  };
}

const COUNTS = { 64: 300_000, 1024: 150_000, 4096: 60_000 };
const PM_COUNTS = { 64: 40_000, 1024: 30_000, 4096: 20_000 };

export async function run({ rounds = 8 } = {}) {
  await init();
  rounds = Math.max(2, Math.min(rounds, 4));
  const methods = {};
  for (const name of METHODS) methods[name] = await deadline(setUp(name), `${name} set-up`);
  const raw = {};
  for (const size of SIZES) {
    for (const name of METHODS) raw[`${name} ${size}`] = { rate: [], p50: [], p99: [] };
    for (const name of METHODS) await deadline(methods[name].oneWay(size, 2000), `${name} warm-up`);
    for (let round = 0; round < rounds; round++) {
      for (const name of round % 2 ? [...METHODS].reverse() : METHODS) {
        const r = raw[`${name} ${size}`];
        const n = name.startsWith('postMessage') ? PM_COUNTS[size] : COUNTS[size];
        r.rate.push(await deadline(methods[name].oneWay(size, n), `${name} one-way ${size} B`));
        const lat = await deadline(methods[name].roundTrips(size, 2000), `${name} round trips ${size} B`);
        r.p50.push(percentile(lat, 0.5));
        r.p99.push(percentile(lat, 0.99));
      }
    }
  }
  for (const m of Object.values(methods)) await m.close();

  const rows = [];
  for (const size of SIZES) {
    const get = (name, key) => median(raw[`${name} ${size}`][key]);
    const pm = Math.max(get('postMessage clone', 'rate'), get('postMessage transfer', 'rate'));
    for (const name of METHODS) {
      const rate = get(name, 'rate');
      rows.push({
        size: `${size} B`, method: name, 'msgs/s': Math.round(rate), 'MB/s': Math.round((rate * size) / 1e6),
        'p50 µs': sig(get(name, 'p50')), 'p99 µs': sig(get(name, 'p99')),
        '× ringbuf.js': sig(rate / get('ringbuf.js', 'rate')), '× best postMessage': sig(rate / pm),
      });
    }
  }
  const ours = (size) => rows.find((r) => r.method === 'swarmwire ring' && r.size === `${size} B`);
  const targets = [
    `64 B: ≥ 1.5× ringbuf.js msgs/s ${mark(ours(64)['× ringbuf.js'] >= 1.5)} (${ours(64)['× ringbuf.js']}×), ≥ 10× postMessage ${mark(ours(64)['× best postMessage'] >= 10)} (${ours(64)['× best postMessage']}×)`,
    `4 KiB: ≥ 3 GB/s ${mark(ours(4096)['MB/s'] >= 3000)} (${(ours(4096)['MB/s'] / 1000).toFixed(2)} GB/s)`,
    `sequential round trip ≤ 5 µs p50 ${mark(ours(64)['p50 µs'] <= 5)} (${ours(64)['p50 µs']} µs at 64 B)`,
  ];
  const table = {
    title: 'Main thread → worker_threads Worker: one-way msgs/s and sequential round trips',
    columns: ['size', 'method', 'msgs/s', 'MB/s', 'p50 µs', 'p99 µs', '× ringbuf.js', '× best postMessage'],
    rows,
    notes: [
      'Frames of the stated total size: 32-byte header, payload, CRC-32C. swarmwire checks every CRC on the consumer side; ringbuf.js moves the same bytes unchecked.',
      ...targets.map((t) => `Target (issue 3) ${t}`),
    ],
  };
  return { tables: [table], readme: table, summary: targets, raw };
}
