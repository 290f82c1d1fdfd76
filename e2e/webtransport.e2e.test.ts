// Chromium to the Deno relay over WebTransport: a page served from a real http://127.0.0.1 origin connects with
// serverCertificateHashes (the relay's fresh ECDSA P-256 certificate), exchanges acked frames with a WebSocket peer
// and calls the built-in module `relay`; datagrams reach the relay; raw streams that break the protocol get an Error frame and a close; and
// connectFallback lands on WebSocket when WebTransport fails or is missing.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Status } from '../src/wire/constants.js';
import type { WatchedContext } from './browser.js';
import { startDenoRelay, type DenoRelay } from './deno-relay.js';
import type * as Checks from './pages/webtransport-checks.js';
import { checksPage, type Rig, startRig } from './rig.js';

let rig: Rig;
let relay: DenoRelay;
let browser: WatchedContext;
let page: Page;

beforeAll(async () => {
  [rig, relay] = await Promise.all([startRig(), startDenoRelay()]);
  browser = await rig.chromium.newContext();
  page = await browser.open(rig.url(checksPage({ wtChecks: 'webtransport-checks' }), { isolated: false }));
  await page.waitForFunction(() => 'wtChecks' in globalThis, undefined, { timeout: 10_000 });
});
afterAll(async () => {
  await browser?.close();
  await Promise.all([rig?.close(), relay?.stop()]);
});

type Api = typeof Checks;
const run = <K extends keyof Api>(name: K, ...args: Parameters<Api[K]>): Promise<Awaited<ReturnType<Api[K]>>> =>
  browser.explain(page.evaluate(([n, a]) => (globalThis as any).wtChecks[n](...a), [name, args] as const), 90_000) as Promise<Awaited<ReturnType<Api[K]>>>;

describe('Chromium ↔ Deno relay over WebTransport', () => {
  it('the page is on http://127.0.0.1 and has WebTransport', async () => {
    expect(page.url()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(await page.evaluate(() => [isSecureContext, typeof WebTransport])).toEqual([true, 'function']);
  });

  it('a WebTransport session and a WebSocket session route 300 acked frames each way (up to 200 KB) and call relay', async () => {
    const r = await run('runPeers', relay.wsUrl, relay.wtUrl, relay.hash);
    expect(r.kinds).toEqual(['webtransport', 'websocket']);
    expect(r.echo).toEqual({ type: 1, text: 'héllo', bytes: [7, 8, 9] });
    expect(r.peers).toEqual(['alice (wt): webtransport', 'bob (ws): websocket']);
    const ok = { count: 300, inOrder: true, bytesOk: true, fromOk: true };
    expect(r.toBob).toEqual(ok);
    expect(r.toAlice).toEqual(ok);
    expect(r.rtt).toBeGreaterThanOrEqual(0);
    browser.assertNoProblems();
  }, 120_000);

  it('20 Low-priority frames sent as datagrams (datagrams: true) reach a WebSocket peer through the stock relay', async () => {
    const r = await run('runDatagrams', relay.wsUrl, relay.wtUrl, relay.hash);
    expect(r.sentAsDatagrams).toBe(20); // on the datagram path, not the stream: before, the relay read none of them
    expect(r.arrived).toBe(20); // loopback: none lost on the way
    expect(r.bodies).toEqual(Array.from({ length: 20 }, (_, i) => `datagram ${i + 1}`).sort());
    browser.assertNoProblems();
  }, 60_000);

  // Deno 2.9's WebTransport close() closes the QUIC connection with the code instead of sending the session's close
  // capsule, so Chromium reports "Connection lost" (1006) where a Deno client sees 1002/1009 (test/relay-deno.test.ts).
  // The Error frame before it carries the status either way.
  it('bad magic gets an Error frame with InvalidFrame, an oversized header PayloadTooLarge, then the close; a session beside them carries on', async () => {
    const r = await run('runViolations', relay.wtUrl, relay.hash);
    expect(r.cases).toEqual({
      'bad magic': { code: 1006, status: Status.InvalidFrame },
      oversized: { code: 1006, status: Status.PayloadTooLarge },
    });
    expect(r).toMatchObject({ echo: 'still here', state: 'open' });
  }, 120_000);

  it('falls back to WebSocket when the certificate hash is refused and when WebTransport is missing', async () => {
    const wrong = relay.hash.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const r = await run('runFallback', relay.wsUrl, relay.wtUrl, wrong);
    expect(r.hasWebTransport).toBe('function');
    expect(r.viaRefused).toEqual({ kind: 'websocket', echo: 'after a refused certificate' });
    expect(r.viaMissing).toEqual({ kind: 'websocket', echo: 'without WebTransport' });
    expect(r.reasons).toEqual(['SW_ERR_CONNECT_FAILED', expect.stringContaining('no WebTransport')]);
  }, 120_000);

  it("the relay's own status page (served by Deno) joins over WebTransport and lists itself", async () => {
    // A context of its own: the fallback test above leaves Chromium's console error about the refused certificate.
    const fresh = await rig.chromium.newContext();
    try {
      const statusPage = await fresh.open(relay.url);
      await fresh.explain(statusPage.waitForSelector('#status[data-state="open"]', { timeout: 20_000 }));
      const row = await fresh.explain(statusPage.waitForFunction(() => document.querySelector('#peers tr td:nth-child(4)')?.textContent ?? '', undefined, { timeout: 20_000 }));
      expect(await row.jsonValue()).toBe('webtransport');
      fresh.assertNoProblems();
    } finally {
      await fresh.close();
    }
  }, 60_000);
});
