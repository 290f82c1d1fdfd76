// Typed proxies to an agent in a real Web Worker, in Chromium: on a cross-origin isolated page the session runs
// over the shared-memory ring, on a plain page over postMessage; the same calls, callbacks, streams, errors and
// cancellation pass on both.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WatchedContext } from './browser.js';
import type * as Client from './pages/rpc-worker-client.js';
import { type Rig, startRig } from './rig.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig?.close();
});

describe.for([
  ['with COOP/COEP: over the ring', { isolated: true, kind: 'ring' }],
  ['without COOP/COEP: over postMessage', { isolated: false, kind: 'postmessage' }],
] as const)('a page calls an agent in a Web Worker %s', ([, { isolated, kind }]) => {
  it('calls, calls back, streams, keeps error classes and cancels', async () => {
    const browser: WatchedContext = await rig.chromium.newContext();
    try {
      const report = await browser.explain((async () => {
        const page: Page = await browser.open(rig.url('/pages/rpc-worker.html', { isolated }));
        await page.waitForFunction(() => 'rpcWorkerClient' in globalThis, undefined, { timeout: 10_000 });
        return page.evaluate(() => (globalThis as unknown as { rpcWorkerClient: typeof Client }).rpcWorkerClient.runWorkerRpc());
      })(), 60_000);
      expect(report).toMatchObject({
        kind, crossOriginIsolated: isolated, where: 'worker', notify: 'sent', seen: ['worker got hi'], countdown: [4, 3, 2, 1],
        error: { isRangeError: true, message: 'from the worker' }, cancel: 'SW_ERR_RPC_CANCELLED', inFlightOk: true,
      });
      console.log(`Chromium RPC to a worker over ${kind}: ${report.callsPerSecond} calls/s with 2,000 in flight`);
      expect(browser.problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
