// What the worker-ring e2e page runs: the shared echo cases of the transport contract (test/transport-contract.ts)
// against a real Web Worker echoing them (echo-worker.js), plus a sequential round-trip timing. It reports
// plain JSON; e2e/ring.e2e.test.ts asserts.
import { Feature, encodeFrame } from 'swarmwire/wire';
import { MessageType, connectWorker, init } from 'swarmwire';
import { ECHO_CASES, type EchoLink, Recorder, opened, pattern } from '../../test/transport-contract.js';

export interface RingReport {
  crossOriginIsolated: boolean;
  kinds: string[];
  cases: { name: string; ok: boolean; error?: string }[];
  corruption?: { code: number; reason: string };
  roundTrip: { p50Micros: number; p99Micros: number; count: number };
}

const WORKER_URL = '../pages/echo-worker.js';

export async function runRingChecks(): Promise<RingReport> {
  const kinds: string[] = [];
  const connect = async (): Promise<EchoLink> => {
    const worker = new Worker(WORKER_URL);
    const transport = await connectWorker(worker);
    kinds.push(transport.kind);
    return { transport, terminate: () => worker.terminate() };
  };
  const cases: RingReport['cases'] = [];
  for (const c of ECHO_CASES) {
    try {
      await c.run(connect);
      cases.push({ name: c.name, ok: true });
    } catch (e) {
      cases.push({ name: c.name, ok: false, error: String((e as Error)?.stack ?? e) });
    }
  }
  const report: RingReport = { crossOriginIsolated, kinds, cases, roundTrip: await roundTrip(connect) };
  if (kinds[0] === 'ring') report.corruption = await corruption(connect);
  return report;
}

/** One frame in flight at a time: 64-byte checksummed frames to the echo worker and back. */
async function roundTrip(connect: () => Promise<EchoLink>): Promise<RingReport['roundTrip']> {
  const { transport, terminate } = await connect();
  await opened(transport);
  const frame = encodeFrame({ type: MessageType.Event, features: Feature.CHECKSUM, payload: new Uint8Array(28) });
  const times: number[] = [];
  let t0 = 0;
  const count = 2000;
  await new Promise<void>((done) => {
    transport.on('message', () => {
      times.push((performance.now() - t0) * 1000);
      if (times.length === count) return done();
      t0 = performance.now();
      transport.send(frame);
    });
    t0 = performance.now();
    transport.send(frame);
  });
  transport.close();
  terminate();
  times.sort((a, b) => a - b);
  return { p50Micros: times[count >> 1]!, p99Micros: times[Math.floor(count * 0.99)]!, count };
}

/** Flips a byte of a frame inside the shared memory before it is published: the worker closes with the reason. */
async function corruption(connect: () => Promise<EchoLink>): Promise<RingReport['corruption']> {
  const { transport, terminate } = await connect();
  const r = new Recorder(transport);
  await opened(transport);
  const payload = pattern(300, 9);
  payload.set([0x5e, 0xed, 0xc0, 0xff, 0xee, 0x00, 0x11, 0x22]);
  transport.send(encodeFrame({ type: MessageType.Event, features: Feature.CHECKSUM, payload }));
  const { memory } = await init();
  const mem = new Uint8Array(memory.buffer);
  let at = -1;
  for (let i = mem.length - 8; i >= 0 && at < 0; i--) {
    if (mem[i] === 0x5e && mem[i + 1] === 0xed && mem[i + 2] === 0xc0 && mem[i + 3] === 0xff && mem[i + 4] === 0xee && mem[i + 5] === 0x00 && mem[i + 6] === 0x11) at = i;
  }
  mem[at + 40]! ^= 4;
  const info = await r.closed();
  terminate();
  return { code: info.code, reason: info.reason };
}
