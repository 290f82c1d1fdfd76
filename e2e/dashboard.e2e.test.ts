// The dashboard `npm start` opens, in real Chromium against the real Node relay with its agent host: the page hosts
// a counter agent and calls it without pause; clicks migrate it page → relay process → page while the calls flow.
// Every call must succeed and the count must equal the number of calls (state survives, nothing runs twice).
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startRelay, type RelayServer } from 'swarmwire/relay';
import { type Chromium, type WatchedContext, launchChromium } from './browser.js';

const ARTIFACTS = new URL('./artifacts/', import.meta.url).pathname;

let chromium: Chromium;
let server: RelayServer;
let ctx: WatchedContext;
beforeAll(async () => {
  server = await startRelay({ port: 0, agents: true });
  chromium = await launchChromium();
  ctx = await chromium.newContext({ viewport: { width: 1200, height: 860 } });
});
afterAll(async () => {
  await ctx?.close();
  await chromium?.close();
  await server?.close();
});

interface Calls {
  ok: number;
  failed: number;
  last: number;
  errors: string[];
}

const calls = (page: Page) => page.evaluate(() => (window as unknown as { dashboard: { calls(): Calls } }).dashboard.calls());
const where = (page: Page) => page.evaluate(() => (window as unknown as { dashboard: { where(): Promise<string> } }).dashboard.where());

async function callsPass(page: Page, more: number): Promise<void> {
  const start = (await calls(page)).ok;
  await page.waitForFunction((n) => (window as unknown as { dashboard: { calls(): Calls } }).dashboard.calls().ok >= n, start + more, { timeout: 20_000 });
}

describe('dashboard', () => {
  it('migrates a counter page → relay process → page by clicks while calls flow: none fails, state survives', async () => {
    const page = await ctx.open(server.url);
    await ctx.explain(page.waitForFunction(() => (window as unknown as { dashboard?: { ready: boolean } }).dashboard?.ready === true, undefined, { timeout: 20_000 }));
    await ctx.explain(callsPass(page, 30));
    expect(await where(page)).toBe('page');

    await page.click('tr[data-agent="counter"] button[data-migrate="relay"]');
    await ctx.explain(page.waitForFunction(async () => (await (window as unknown as { dashboard: { where(): Promise<string> } }).dashboard.where()) === 'relay process', undefined, { timeout: 20_000 }));
    expect(server.agents!.host.agents().map((a) => a.name)).toEqual(['counter']);
    await ctx.explain(callsPass(page, 30));
    await page.waitForSelector('tr[data-agent="counter"] td[data-where]:has-text("relay process")', { timeout: 10_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });

    await page.click('tr[data-agent="counter"] button[data-migrate="page"]');
    await ctx.explain(page.waitForFunction(async () => (await (window as unknown as { dashboard: { where(): Promise<string> } }).dashboard.where()) === 'page', undefined, { timeout: 20_000 }));
    expect(server.agents!.host.agents()).toEqual([]);
    await ctx.explain(callsPass(page, 30));

    await page.evaluate(() => (window as unknown as { dashboard: { stop(): void } }).dashboard.stop());
    await new Promise((r) => setTimeout(r, 200));
    const final = await calls(page);
    expect(final.errors).toEqual([]);
    expect(final.failed).toBe(0);
    expect(final.last).toBe(final.ok); // each call added 1 exactly once, across both moves
    ctx.assertNoProblems();
  });
});
