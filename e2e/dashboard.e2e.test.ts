// The dashboard `npm start` opens, in real Chromium against the real Node relay with its agent host: the page starts
// two worker agent hosts linked to it over the shared-memory ring, hosts a counter agent and calls it without pause;
// clicks migrate it page → worker → relay process → page while the calls flow.
// Every call must succeed and the count must equal the number of calls (state survives, nothing runs twice).
// The live views: the plots draw and change as calls flow (pixels of the lines' colours, screenshots that differ),
// the topology lists the nodes and links by transport with the agents where they live and their moves, and a
// traced call shows as a waterfall of the hops the relay saw.
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
  server = await startRelay({ port: 0, agents: true, acceptAgents: true }); // as npm start runs it (--accept-agents): the page's buttons move agents in
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

interface Hop {
  from: string;
  to: string;
  type: string;
  at: number;
  answered?: number;
}
interface Live {
  snapshot: { relay: string; series: Array<{ calls: number; p50: number | null }>; traces: Array<{ traceId: string; hops: Hop[] }> };
  moves: Array<{ name: string; from: string; to: string }>;
}
type Dashboard = {
  ids: { page: string; relay: string; workers: string[] };
  live(): Live;
  traceCall(): Promise<{ traceId: string; errors: string[] }>;
};
const live = (page: Page) => page.evaluate(() => (window as unknown as { dashboard: Dashboard }).dashboard.live());

/**
 * Pixels of `color` (#rrggbb) in the plot area of canvas `id` (below its legend), counting antialiased ones: a pixel
 * is `color` laid over the white background with some coverage a (the same a in all three channels) of at least 0.3.
 * A 1.6 px line at a fractional y covers two rows partly, so matching the exact colour alone undercounts a flat line.
 */
const ink = (page: Page, id: string, color: string) => page.evaluate(([id, color]) => {
  const canvas = document.getElementById(id) as HTMLCanvasElement;
  const top = Math.round(24 * devicePixelRatio);
  const data = canvas.getContext('2d')!.getImageData(0, top, canvas.width, canvas.height - top).data;
  const rgb = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    const a = rgb.map((c, k) => (255 - data[i + k]!) / (255 - c));
    if (Math.min(...a) >= 0.3 && Math.max(...a) - Math.min(...a) < 0.15) n++;
  }
  return n;
}, [id, color] as const);

/** Polls `probe` until `ok` says yes, within 20 s. */
async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  const end = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const GREEN = '#18794e'; // the page's calls per second, and their p50
const BLUE = '#2f6fdf'; // calls through the relay per second, and their p50

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

    // The methods column: describe() asked of the node the agent lives on, here and again once it has moved.
    const methods = 'td[data-methods] code:text-is("get/0, increment/0")';
    await page.waitForSelector(`tr[data-agent="counter"] ${methods}`, { timeout: 10_000 });
    await page.click('tr[data-agent="counter"] button[data-migrate="worker 0"]');
    await ctx.explain(lives(page, 'worker 0'));
    await page.waitForSelector(`tr[data-agent="counter"]:has(td[data-where]:text-is("worker 0")) ${methods}`, { timeout: 10_000 });
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

  it('plots calls and latency as they flow, draws the topology with agents and moves, and shows a traced call as a waterfall', async () => {
    const page = await ctx.open(server.url);
    await ctx.explain(page.waitForFunction(() => (window as unknown as { dashboard?: { ready: boolean } }).dashboard?.ready === true, undefined, { timeout: 20_000 }));
    const ids = await page.evaluate(() => (window as unknown as { dashboard: Dashboard }).dashboard.ids);
    const relayId = Buffer.from(server.relay.nodeId).toString('hex');

    // Plots: the page's calls (green) appear in both, then keep changing the picture as calls flow.
    await ctx.explain(callsPass(page, 30));
    await until(() => ink(page, 'plot-rate', GREEN), (n) => n > 30, 'green line of the rate plot');
    await until(() => ink(page, 'plot-latency', GREEN), (n) => n > 30, 'green line of the latency plot');
    const before = await page.locator('#plot-rate').screenshot();
    await ctx.explain(callsPass(page, 100));
    await until(() => page.locator('#plot-rate').screenshot(), (after) => !after.equals(before), 'the rate plot as calls flow');

    // Through the relay: with the counter in the relay process, the relay times each call (before, only each open
    // page's two asks a second of the relay process's agents passed it); its p50 line (blue) draws.
    const busiest = async () => Math.max(0, ...(await live(page)).snapshot.series.slice(-5).map((s) => s.calls));
    const quiet = await busiest();
    await page.click('tr[data-agent="counter"] button[data-migrate="relay"]');
    await ctx.explain(lives(page, 'relay process'));
    await ctx.explain(callsPass(page, 100));
    await until(() => ink(page, 'plot-latency', BLUE), (n) => n > 20, 'blue p50 line of the latency plot');
    await until(() => ink(page, 'plot-rate', BLUE), (n) => n > 20, 'blue calls line of the rate plot');
    await until(busiest, (n) => n >= quiet + 15, `calls per second through the relay (${quiet} before)`);

    // Topology: the relay, the page, both workers and the relay process, linked by their transports.
    const snapshot = (await live(page)).snapshot;
    expect(snapshot.relay).toBe(relayId);
    for (const id of [relayId, ids.page, ids.relay, ...ids.workers]) await page.waitForSelector(`#topology g[data-node="${id}"]`, { timeout: 10_000 });
    expect(ids.workers).toHaveLength(2);
    await page.waitForSelector(`#topology g[data-link="${relayId} ${ids.page}"][data-transport="websocket"]`, { timeout: 10_000 });
    await page.waitForSelector(`#topology g[data-link="${relayId} ${ids.relay}"][data-transport="memory"]`, { timeout: 10_000 });
    for (const worker of ids.workers) {
      await page.waitForSelector(`#topology g[data-link="${relayId} ${worker}"][data-transport="websocket"]`, { timeout: 10_000 });
      await page.waitForSelector(`#topology g[data-link="${ids.page} ${worker}"][data-transport="ring"]`, { timeout: 10_000 });
    }
    expect(await page.locator('#topology g[data-transport="ring"] text').first().textContent()).toBe('ring');
    await page.waitForSelector(`#topology g[data-node="${ids.relay}"] [data-agent="counter"]`, { timeout: 10_000 });
    await page.waitForSelector('#moves li[data-move="counter"]:has-text("page → relay process")', { timeout: 10_000 });

    // A traced call: three hops through the relay in one trace, each answered, drawn as one waterfall.
    const { traceId, errors } = await page.evaluate(() => (window as unknown as { dashboard: Dashboard }).dashboard.traceCall());
    expect(errors).toEqual([]);
    const trace = await until(async () => (await live(page)).snapshot.traces.find((t) => t.traceId === traceId), (t) => (t?.hops.filter((h) => h.answered !== undefined).length ?? 0) === 3, 'the traced call at the relay');
    expect(trace!.hops.map((h) => [h.from, h.to, h.type]).sort()).toEqual([
      [ids.page, relayId, 'Request'], [ids.page, ids.relay, 'Request'], [ids.page, ids.relay, 'Request'],
    ].sort());
    for (const hop of trace!.hops) expect(hop.answered!).toBeGreaterThanOrEqual(hop.at);
    const waterfall = `#traces [data-trace="${traceId}"]`;
    await page.waitForSelector(waterfall, { timeout: 10_000 });
    expect(await page.locator(`${waterfall} [data-hop]`).count()).toBe(3);
    for (const text of ['page → relay relay.stats', 'page → relay process counter.get', 'page → relay process dashboard.agents']) {
      await page.waitForSelector(`${waterfall} [data-hop]:has-text("${text}")`, { timeout: 10_000 });
    }
    const widths = await page.locator(`${waterfall} .hop-bar`).evaluateAll((bars) => bars.map((b) => (b as HTMLElement).getBoundingClientRect().width));
    expect(widths.every((w) => w >= 3)).toBe(true);
    expect(Math.max(...widths)).toBeGreaterThan(20); // the slowest hop spans a good part of its trace
    // The button traces another.
    const traces = await page.locator('#traces [data-trace]').count();
    await page.click('#trace-call');
    await page.waitForFunction((n) => document.querySelectorAll('#traces [data-trace]').length > n, traces, { timeout: 10_000 });

    // A move back to the page: listed, and the counter is drawn under the page.
    await page.click('tr[data-agent="counter"] button[data-migrate="page"]');
    await ctx.explain(lives(page, 'page'));
    await page.waitForSelector('#moves li[data-move="counter"]:has-text("relay process → page")', { timeout: 10_000 });
    await page.waitForSelector(`#topology g[data-node="${ids.page}"] [data-agent="counter"]`, { timeout: 10_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}dashboard-live.png`, fullPage: true });
    expect((await calls(page)).failed).toBe(0);
    ctx.assertNoProblems();
  }, 120_000);
});
