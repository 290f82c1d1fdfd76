// Volume through the ring between two worker_threads joined by linkWorkers(): RING_FRAMES frames (default 300,000;
// the full run is RING_FRAMES=10000000, about 2–3 minutes on this shared 2-core machine) of random payload
// sizes 0–8 KiB with CRC-32C, all delivered in order with valid checksums (test/fixtures/ring-stress-worker.mjs).
import { Worker } from 'node:worker_threads';
import { expect, it } from 'vitest';
import { init, linkWorkers } from 'swarmwire';

const FRAMES = Number(process.env.RING_FRAMES ?? 300_000);
const FIXTURE = new URL('./fixtures/ring-stress-worker.mjs', import.meta.url);

interface Report { role: string; ready?: boolean; sent?: number; received?: number; bytes?: number; problem?: string; closed?: number; reason?: string; error?: string; ms?: number }

it(`moves ${FRAMES} checksummed frames of 0–8 KiB between two worker_threads, all in order`, async () => {
  await init();
  const start = (role: string): Promise<{ worker: Worker; reports: Report[]; next: () => Promise<Report> }> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(FIXTURE, { workerData: { role, frames: FRAMES } });
      const reports: Report[] = [];
      let wake: (() => void) | undefined;
      worker.on('message', (m: Report) => {
        reports.push(m);
        wake?.();
        if (m.ready) resolve({ worker, reports, next });
      });
      worker.on('error', reject);
      const next = async (): Promise<Report> => {
        while (reports.length < 2) await new Promise<void>((r) => (wake = r));
        return reports[1]!;
      };
    });
  const [producer, consumer] = await Promise.all([start('producer'), start('consumer')]);
  try {
    expect(await linkWorkers(producer.worker, consumer.worker)).toBe('ring');
    const [sent, received] = await Promise.all([producer.next(), consumer.next()]);
    expect(sent).toMatchObject({ role: 'producer', sent: FRAMES });
    expect(received).toMatchObject({ role: 'consumer', received: FRAMES, problem: undefined });
    expect(received.bytes).toBeGreaterThan(FRAMES * 4000); // mean payload ~4 KiB: nothing came back short
    console.log(`ring stress: ${FRAMES} frames, ${(received.bytes! / 2 ** 30).toFixed(2)} GiB in ${(received.ms! / 1000).toFixed(1)} s`);
  } finally {
    await Promise.all([producer.worker.terminate(), consumer.worker.terminate()]);
  }
}, 600_000);
