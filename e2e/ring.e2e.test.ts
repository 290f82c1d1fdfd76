// A real Web Worker in Chromium: under /iso/ (COOP/COEP, cross-origin isolated) connectWorker() takes the
// shared-memory ring, under /plain/ the postMessage fallback; both pass the same echo cases of the transport
// contract (the page runs them: e2e/pages/ring-checks.ts), including a terminated worker ending the link with
// PEER_GONE. On the ring, a byte flipped in the shared memory closes the link with 'checksum mismatch'.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WatchedContext } from './browser.js';
import type * as RingChecks from './pages/ring-checks.js';
import { type Rig, startRig } from './rig.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig?.close();
});

describe.for([
  ['with COOP/COEP: the ring', { isolated: true, kind: 'ring' }],
  ['without COOP/COEP: the postMessage fallback', { isolated: false, kind: 'postmessage' }],
] as const)('a Web Worker %s', ([, { isolated, kind }]) => {
  let browser: WatchedContext;
  let page: Page;
  let report: RingChecks.RingReport;

  beforeAll(async () => {
    browser = await rig.chromium.newContext();
    report = await browser.explain(
      (async () => {
        page = await browser.open(rig.url('/pages/ring.html', { isolated }));
        await page.waitForFunction(() => 'ringChecks' in globalThis, undefined, { timeout: 10_000 });
        return page.evaluate(() => (globalThis as unknown as { ringChecks: typeof RingChecks }).ringChecks.runRingChecks());
      })(),
      60_000,
    );
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
  });

  it(`uses the ${kind} path${isolated ? '' : ' (the page is not cross-origin isolated)'}`, () => {
    expect(report.crossOriginIsolated).toBe(isolated);
    expect(report.kinds.length).toBeGreaterThanOrEqual(4);
    expect(new Set(report.kinds)).toEqual(new Set([kind]));
  });

  it('passes every echo case of the transport contract', () => {
    expect(report.cases.filter((c) => !c.ok)).toEqual([]);
    expect(report.cases.length).toBe(3);
  });

  it('times sequential round trips (informational)', () => {
    expect(report.roundTrip.count).toBe(2000);
    // Not > 0: a page that is not cross-origin isolated reads performance.now() in 100 µs steps, so on a quiet
    // machine most round trips measure 0 there.
    expect(Number.isFinite(report.roundTrip.p99Micros)).toBe(true);
    expect(report.roundTrip.p50Micros).toBeGreaterThanOrEqual(0);
    expect(report.roundTrip.p99Micros).toBeGreaterThanOrEqual(report.roundTrip.p50Micros);
    console.log(`Chromium ${kind} round trip, 64 B: p50 ${report.roundTrip.p50Micros.toFixed(1)} µs, p99 ${report.roundTrip.p99Micros.toFixed(1)} µs`);
  });

  if (isolated) {
    it('closes with ChecksumMismatch when a byte in the shared ring is corrupted', () => {
      expect(report.corruption).toEqual({ code: 1002, reason: 'checksum mismatch' });
    });
  }

  it('logs no errors, throws nothing uncaught and has no failed requests', () => {
    expect(browser.problems).toEqual([]);
  });
});
