// The dashboard `npm start` opens, in real Chromium against the real Node relay with its agent host: the page starts
// two worker agent hosts linked to it over the shared-memory ring, hosts a counter agent and calls it without pause;
// clicks migrate it page → worker → relay process → page while the calls flow.
// Every call must succeed and the count must equal the number of calls (state survives, nothing runs twice).
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startRelay, type RelayServer } from 'swarmwire/node';
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

/** Polls where the counter lives until it is `place` (waitForFunction would take an async predicate's promise as truthy). */
async function lives(page: Page, place: string): Promise<void> {
  const end = Date.now() + 20_000;
  while ((await where(page)) !== place) {
    if (Date.now() > end) throw new Error(`the counter never reached ${place}; page errors: ${JSON.stringify((await calls(page)).errors)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function callsPass(page: Page, more: number): Promise<void> {
  const start = (await calls(page)).ok;
  await page.waitForFunction((n) => (window as unknown as { dashboard: { calls(): Calls } }).dashboard.calls().ok >= n, start + more, { timeout: 20_000 });
}

describe('dashboard', () => {
  it('migrates a counter page → worker → relay process → page by clicks while calls flow: none fails, state survives', async () => {
    const page = await ctx.open(server.url);
    await ctx.explain(page.waitForFunction(() => (window as unknown as { dashboard?: { ready: boolean } }).dashboard?.ready === true, undefined, { timeout: 20_000 }));
    await ctx.explain(callsPass(page, 30));
    expect(await where(page)).toBe('page');
    // The page is cross-origin isolated: both workers are linked to it over the shared-memory ring.
    expect(await page.evaluate(() => (window as unknown as { dashboard: { workerLinks(): string[] } }).dashboard.workerLinks())).toEqual(['ring', 'ring']);
    await page.waitForSelector('b[data-stat="worker links"]:text-is("ring")', { timeout: 10_000 });
    for (const id of await page.evaluate(() => (window as unknown as { dashboard: { ids: { workers: string[] } } }).dashboard.ids.workers)) {
      await page.waitForSelector(`tr[data-peer="${id}"] td[data-link]:text-is("ring")`, { timeout: 10_000 });
    }

    await page.click('tr[data-agent="counter"] button[data-migrate="worker 0"]');
    await ctx.explain(lives(page, 'worker 0'));
    await ctx.explain(callsPass(page, 30));
    await page.waitForSelector('tr[data-agent="counter"] td[data-where]:has-text("worker 0")', { timeout: 10_000 });

    await page.click('tr[data-agent="counter"] button[data-migrate="relay"]');
    await ctx.explain(lives(page, 'relay process'));
    expect(server.agents!.host.agents().map((a) => a.name)).toEqual(['counter']);
    await ctx.explain(callsPass(page, 30));
    await page.waitForSelector('tr[data-agent="counter"] td[data-where]:has-text("relay process")', { timeout: 10_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });

    await page.click('tr[data-agent="counter"] button[data-migrate="page"]');
    await ctx.explain(lives(page, 'page'));
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

  it('measures migration page → relay process → page over WebSocket with 1 KiB and 1 MiB of state', async () => {
    const page = await ctx.open(server.url);
    await ctx.explain(page.waitForFunction(() => (window as unknown as { dashboard?: { ready: boolean } }).dashboard?.ready === true, undefined, { timeout: 20_000 }));
    const figures = await ctx.explain(page.evaluate(async () => {
      type Host = { expose(n: string, a: object, o: object): void; migrate(n: string, to: string): Promise<string>; call(n: string, m: string, a: unknown[]): Promise<unknown> };
      const d = (window as unknown as { dashboard: { stop(): void; host: Host; ids: { page: string; relay: string }; migrateTo(t: string): Promise<string> } }).dashboard;
      d.stop();
      const out: Record<string, { median: number; max: number; runs: number }> = {};
      for (const [label, bytes, runs] of [['1 KiB', 1024, 10], ['1 MiB', 1 << 20, 3]] as const) {
        // A Counter carrying `pad`: the default snapshot takes every own data property, so the pad travels too.
        const agent = { count: 0, pad: new Uint8Array(bytes).fill(1), increment(by = 1) { return (this.count += by); }, get() { return this.count; } };
        const name = `pad-${bytes}`;
        d.host.expose(name, agent, { kind: 'Counter' });
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
          let t0 = performance.now();
          await d.host.migrate(name, d.ids.relay);
          times.push(performance.now() - t0);
          await d.host.call(name, 'increment', [1]); // runs at the relay process
          t0 = performance.now();
          const back = await (window as unknown as { swarmwire: { wrap(l: unknown, o: object): { migrate(n: string, to: string): Promise<string> } } }).swarmwire
            .wrap((d as unknown as { node: { link(id: string): unknown } }).node.link(d.ids.relay), { name: 'dashboard', timeoutMs: 30_000 })
            .migrate(name, d.ids.page);
          times.push(performance.now() - t0);
          if (back !== d.ids.page) throw new Error('did not come back');
        }
        const count = await d.host.call(name, 'get', []);
        if (count !== runs) throw new Error(`state lost: count ${count}`);
        const sorted = [...times].sort((x, y) => x - y);
        out[label] = { median: sorted[sorted.length >> 1]!, max: sorted.at(-1)!, runs: times.length };
      }
      return out;
    }), 120_000);
    console.log(`[dashboard] migration page ↔ relay process over WebSocket (ms): ${JSON.stringify(figures)}`);
    expect(figures['1 KiB']!.runs).toBe(20);
    expect(figures['1 MiB']!.runs).toBe(6);
    ctx.assertNoProblems();
  });
});
