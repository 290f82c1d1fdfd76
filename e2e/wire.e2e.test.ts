// The wire contract in real Chromium, through both ways a browser loads swarmwire (ESM with an import map, and
// the script-tag build), each on a cross-origin isolated page and on a plain one. The page computes
// (e2e/pages/wire-checks.ts); this file compares with test/vectors.ts and with Node's own answers.
import { crc32c as nativeCrc32c } from '@node-rs/crc32';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_FRAME_VECTORS, CRC32C_VECTORS, FNV_VECTORS, FRAME_VECTORS } from '../test/vectors.js';
import type { WatchedContext } from './browser.js';
import type * as WireChecks from './pages/wire-checks.js';
import { checksPage, type Rig, startRig } from './rig.js';
import { testBytes } from './test-bytes.js';

type WireReport = WireChecks.WireReport;

const PAGES = [
  { page: 'ESM', path: checksPage({ wireChecks: 'wire-checks' }), wasmFetched: true },
  { page: 'script-tag', path: '/pages/script.html', wasmFetched: false },
];
const CASES = PAGES.flatMap((p) => [
  [`${p.page} page with COOP/COEP`, { ...p, isolated: true }] as const,
  [`${p.page} page without COOP/COEP`, { ...p, isolated: false }] as const,
]);

// Computed in Node, natively, over the same bytes the page generates.
const BIG_CRC = nativeCrc32c(Buffer.from(testBytes(1 << 20)));
const BIG_CRC_UNALIGNED = nativeCrc32c(Buffer.from(testBytes(1 << 20).subarray(1, (1 << 20) - 1)));

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig?.close();
});

describe.for(CASES)('%s', ([, { path, isolated, wasmFetched }]) => {
  let browser: WatchedContext;
  let page: Page;
  let report: WireReport;

  beforeAll(async () => {
    browser = await rig.chromium.newContext();
    report = await browser.explain(
      (async () => {
        page = await browser.open(rig.url(path, { isolated }));
        await page.waitForFunction(() => 'wireChecks' in globalThis, undefined, { timeout: 10_000 });
        return page.evaluate(() => (globalThis as unknown as { wireChecks: typeof WireChecks }).wireChecks.runWireChecks());
      })(),
    );
  });
  afterAll(async () => {
    await browser?.close();
  });

  it(`is ${isolated ? '' : 'not '}cross-origin isolated, and the core still gets its shared memory`, () => {
    expect(report.env.crossOriginIsolated).toBe(isolated);
    expect(report.env.sharedArrayBuffer).toBe(isolated ? 'function' : 'undefined');
    expect(report.env.memoryBuffer).toBe('[object SharedArrayBuffer]');
  });

  it(wasmFetched ? 'init() fetches swarmwire.wasm as application/wasm' : 'init() uses the inlined core and fetches no wasm', () => {
    const wasm = browser.responses.filter((r) => r.url.endsWith('.wasm'));
    if (wasmFetched) {
      expect(wasm).toEqual([{ url: rig.url('/dist/swarmwire.wasm', { isolated }), status: 200, contentType: 'application/wasm' }]);
      expect(report.env.globalSwarmwire).toBe(false);
    } else {
      expect(wasm).toEqual([]);
      expect(report.env.globalSwarmwire).toBe(true);
    }
  });

  it('computes the CRC-32C vectors', () => {
    expect(report.crc).toEqual(CRC32C_VECTORS.map((v) => ({ name: v.name, crc: v.crc })));
  });

  it('computes CRC-32C of 1 MiB the same in JavaScript, in wasm and natively in Node', () => {
    expect(report.bigCrc).toEqual({
      bytes: 1 << 20,
      beforeInit: BIG_CRC,
      afterInit: BIG_CRC,
      chained: BIG_CRC,
      unaligned: BIG_CRC_UNALIGNED,
    });
  });

  it('computes the FNV-1a vectors', () => {
    expect(report.fnv).toEqual(FNV_VECTORS.map((v) => ({ input: v.input, fnv32: v.fnv32, fnv64: v.fnv64.toString() })));
  });

  it('decodes every frame vector and re-encodes it to the same bytes', () => {
    expect(report.frames).toEqual(
      FRAME_VECTORS.map((v) => ({
        name: v.name,
        version: 1,
        type: v.type,
        features: v.features,
        requestId: v.requestId.toString(),
        moduleId: v.moduleId.toString(),
        methodHash: v.methodHash,
        payloadLength: v.payloadHex.length / 2,
        payloadHex: v.payloadHex,
        reencodedHex: v.hex,
      })),
    );
  });

  it('rejects every bad frame with a WireError of the exact code and status', () => {
    expect(report.badFrames.map(({ message, ...rest }) => rest)).toEqual(
      BAD_FRAME_VECTORS.map((v) => ({
        name: v.name,
        threw: true,
        isWireError: true,
        isSwarmwireError: true,
        errorName: 'WireError',
        code: v.code,
        status: v.status,
      })),
    );
    for (const bad of report.badFrames) expect(bad.message).toMatch(/^\[swarmwire\] /);
  });

  it('FrameReader fed one byte at a time returns nothing until the last byte', () => {
    expect(report.reader).toEqual(
      report.frames.map(({ name, reencodedHex, ...fields }) => ({
        name,
        bytes: reencodedHex.length / 2,
        frameAfter: reencodedHex.length / 2,
        frame: fields,
        readAfter: 'undefined',
        bufferedAfter: 0,
      })),
    );
  });

  it('logs no errors, throws nothing uncaught and has no failed requests', () => {
    expect(browser.problems).toEqual([]);
  });
});
