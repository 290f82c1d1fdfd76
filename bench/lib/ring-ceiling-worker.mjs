// The consumer side of bench/ring-ceiling.bench.mjs: checks the CRC-32C of every 4 KiB frame the main thread
// publishes in a shared region (a bare counter, no ring), then publishes how far it got. Busy-polls, like
// ringbuf.js's consumer; gives up after the deadline it is given.
import { parentPort, workerData } from 'node:worker_threads';
import { instantiate } from '../../build/swarmwire.js';

const { module, memory, base, head: HEAD, tail: TAIL, slots, stride, frame } = workerData;
const api = await instantiate(module, { env: { memory } });
const i32 = new Int32Array(memory.buffer);
parentPort.on('message', ({ n, deadline }) => {
  let tail = 0;
  let bad = 0;
  for (let spins = 0; tail < n; spins++) {
    const head = Atomics.load(i32, HEAD);
    if (head === tail) {
      if ((spins & 0xffff) === 0 && Date.now() > deadline) break;
      continue;
    }
    for (; tail < head; tail++) {
      const at = base + (tail % slots) * stride;
      if (api.crc32c(0, at, frame - 4) !== new DataView(memory.buffer).getUint32(at + frame - 4)) bad++; // the trailer is big-endian
    }
    Atomics.store(i32, TAIL, tail);
  }
  parentPort.postMessage({ tail, bad });
});
parentPort.postMessage('ready');
