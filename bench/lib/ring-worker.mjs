// The worker side of bench/ring.bench.mjs: one worker per method. Commands arrive on parentPort as
// { cmd: 'sink', n } (count n messages, then answer { done }) or { cmd: 'echo', n } (send n messages straight back).
//   ours         swarmwire's ring (acceptWorker); frames are checked in place (CRC) before delivery
//   ringbuf      ringbuf.js over two SharedArrayBuffers of raw bytes, a busy-polling consumer
//   clone        postMessage(Uint8Array): structured clone
//   transfer     postMessage(buffer, [buffer]): a fresh copy of the frame, transferred
import { parentPort, workerData } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import { acceptWorker } from 'swarmwire';

const { method } = workerData;
let mode = 'sink';
let target = 0;
let count = 0;
const answer = () => parentPort.postMessage({ done: count });

if (method === 'ours') {
  await acceptWorker((t) => {
    t.on('message', (frame) => {
      if (mode === 'echo') t.send(frame);
      else if (++count === target) answer();
    });
  }, workerData.spin ? { spinMicros: workerData.spin } : {});
  parentPort.on('message', (m) => {
    if (!m.cmd) return;
    [mode, target, count] = [m.cmd, m.n, 0];
    parentPort.postMessage({ ok: true });
  });
} else if (method === 'ringbuf') {
  const inbound = new RingBuffer(workerData.toWorker, Uint8Array);
  const outbound = new RingBuffer(workerData.toMain, Uint8Array);
  parentPort.on('message', (m) => {
    const buf = new Uint8Array(m.size);
    parentPort.postMessage({ ok: true });
    for (let i = 0; i < m.n; i++) {
      while (inbound.availableRead() < m.size); // busy-poll
      inbound.pop(buf);
      if (m.cmd === 'echo') for (let sent = 0; sent < m.size;) sent += outbound.push(buf, m.size - sent, sent);
    }
    count = m.n;
    if (m.cmd === 'sink') answer();
  });
} else {
  parentPort.on('message', (m) => {
    if (m.cmd) {
      [mode, target, count] = [m.cmd, m.n, 0];
      parentPort.postMessage({ ok: true });
      return;
    }
    if (mode === 'echo') {
      if (method === 'transfer') parentPort.postMessage(m, [m.buffer]);
      else parentPort.postMessage(m);
    } else if (++count === target) answer();
  });
}
parentPort.postMessage({ ready: true });
