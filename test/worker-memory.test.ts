// A thread joins one shared memory, with its first ring link. Later ring links into it (a second connectWorker,
// linkWorkers between two workers that each have a parent's link) are in that same memory, which the worker must
// tell from another one without object identity: a WebAssembly.Memory posted to a thread arrives as a new object
// every time. Before, every second ring link into a worker was refused as "another shared memory".
import { MessageChannel, Worker } from 'node:worker_threads';
import { afterEach, expect, it } from 'vitest';
import { MessageType, connectWorker, init, linkWorkers, type WorkerTransport } from 'swarmwire';
import { Feature, decodeFrame, encodeFrame } from 'swarmwire/wire';

const ECHO = new URL('./fixtures/echo-worker.mjs', import.meta.url);
const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

const echoed = (link: WorkerTransport, requestId: number): Promise<bigint> => new Promise((resolve) => {
  const off = link.on('message', (frame) => {
    off();
    resolve(decodeFrame(frame).requestId);
  });
  link.send(encodeFrame({ type: MessageType.Event, requestId, features: Feature.CHECKSUM, body: 'hi' }));
});

it('a worker takes a second ring link in the memory it joined', async () => {
  await init();
  const worker = new Worker(ECHO);
  workers.push(worker);
  const first = await connectWorker(worker, { path: 'ring' });
  const second = await connectWorker(worker, { path: 'ring' });
  expect([first.kind, second.kind]).toEqual(['ring', 'ring']);
  expect(await echoed(first, 1)).toBe(1n);
  expect(await echoed(second, 2)).toBe(2n);
  // Two workers with their parent's ring each, joined to each other: both take the link.
  const other = new Worker(ECHO);
  workers.push(other);
  await connectWorker(other, { path: 'ring' });
  expect(await linkWorkers(worker, other, { path: 'ring' })).toBe('ring');
});

it('a worker refuses a ring link in another shared memory than the one it joined', async () => {
  const { module } = await init();
  const worker = new Worker(ECHO);
  workers.push(worker);
  await connectWorker(worker, { path: 'ring' });
  const elsewhere = new WebAssembly.Memory({ initial: 2, maximum: 16, shared: true });
  const { port1, port2 } = new MessageChannel();
  const answer = new Promise((resolve) => port1.once('message', resolve));
  worker.postMessage({ swarmwire: 'connect', v: 1, path: 'ring', port: port2, module, memory: elsewhere, link: { base: 4096, laneBytes: 65536 } }, [port2]);
  expect(await answer).toEqual({ t: 'ack', ok: false, error: 'this thread already joined another shared memory' });
  // The probe left the other memory as it was.
  expect(new Int32Array(elsewhere.buffer).every((word) => word === 0)).toBe(true);
  port1.close();
});
