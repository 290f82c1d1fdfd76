// The leg of "agents at the edge" that needs a browser: an agent hosted in a real Chromium page moves page → Durable
// Object (workerd, through Miniflare) → Node → Durable Object → page, with its state, while calls flow to it from
// Node and from the page itself — none lost, none run twice — and once more with a 3 MiB state, which crosses the
// relay in chunks.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { wrap } from 'swarmwire';
import { useRooms } from '../test/fixtures/room-nodes.js';
import { until } from '../test/fixtures/until.js';
import { keepCalling, oneToN } from '../test/fixtures/calls.js';
import { Counter } from '../test/fixtures/counter-agent.js';
import type { WatchedContext } from './browser.js';
import type * as EdgeAgent from './pages/edge-agent.js';
import { checksPage, type Rig, startRig } from './rig.js';

const rooms = useRooms(2);
const { join } = rooms;
let rig: Rig;
let browser: WatchedContext;
beforeAll(async () => {
  rig = await startRig();
  browser = await rig.chromium.newContext();
});
afterAll(async () => {
  await browser?.close();
  await rig?.close();
});

type Dashboard = { agents(): Array<{ name: string }>; migrate(name: string, to: string): Promise<string> };
type PageAgent = typeof EdgeAgent;

/** Runs `f` in the page with its module (e2e/pages/edge-agent.ts) and `arg`; `f` is sent as source, so it uses nothing else. */
type InPage = <A, R>(f: (m: PageAgent, arg: A) => R | Promise<R>, arg?: A) => Promise<Awaited<R>>;

/** Opens the page and hands `run` a way to run code in it; leaves the room and closes the page after. */
async function inPage<T>(run: (page: InPage) => Promise<T>): Promise<T> {
  const page: Page = await browser.open(rig.url(checksPage({ edgeAgent: 'edge-agent' }), { isolated: false }));
  try {
    await page.waitForFunction(() => 'edgeAgent' in globalThis, undefined, { timeout: 10_000 });
    const evaluate: InPage = (f, arg) => page.evaluate(
      ([source, a]) => (new Function('m', 'a', `return (${source})(m, a)`))((globalThis as unknown as { edgeAgent: unknown }).edgeAgent, a),
      [f.toString(), arg] as [string, unknown],
    ) as never;
    return await browser.explain(run(evaluate), 110_000);
  } finally {
    await page.evaluate(() => (globalThis as unknown as { edgeAgent: PageAgent }).edgeAgent.leave()).catch(() => {});
    await page.close();
  }
}

/**
 * page → Durable Object → Node → Durable Object → page, with calls from Node (`b`) and from the page all the way;
 * resolves with the time each move took.
 */
async function roundTrip(room: string, name: string, bytes: number): Promise<{ figures: string[]; sum: number }> {
  const b = await join(room);
  const a = await join(room);
  await a.node.discover(undefined, 2_000);
  const dobj = a.node.peers().find((p) => p.capabilities.includes('durable-object'))?.id;
  if (!dobj) throw new Error('no durable-object node in the room');
  const dashboard = wrap<Dashboard>(a.node.link(dobj), { name: 'dashboard', timeoutMs: 60_000 });
  const url = `ws://${rooms.workerd.base.host}/ws?room=${room}`;
  return inPage(async (page) => {
    const pageId = await page((m, [u, n, size]: [string, string, number]) => m.join(u, n, size), [url, name, bytes]);
    await b.node.discover(undefined, 2_000);
    const fromNode = keepCalling(() => b.call(name, 'increment'), 2);
    await page((m, n: string) => m.startCalling(n, 2), name);
    const total = async () => fromNode.results.length + await page((m) => m.answered());
    let target = 20;
    const settle = async () => {
      await until(() => fromNode.results.length > 0, 20_000);
      const end = Date.now() + 30_000;
      while (await total() < target) {
        if (Date.now() > end) throw new Error(`calls stalled at ${await total()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      target += 20;
    };
    await settle();
    const figures: string[] = [];
    const timed = async (label: string, move: () => Promise<string>, to: string) => {
      const started = Date.now();
      expect(await move()).toBe(to);
      figures.push(`${label} ${Date.now() - started} ms`);
      await settle();
    };
    await timed('page → Durable Object', () => page((m, [n, to]: [string, string]) => m.migrate(n, to), [name, dobj]), dobj);
    expect(await page((m) => m.agents())).toEqual([]);
    await timed('Durable Object → Node', () => dashboard.migrate(name, b.node.idHex), b.node.idHex);
    await timed('Node → Durable Object', () => b.migrate(name, dobj), dobj);
    await timed('Durable Object → page', () => dashboard.migrate(name, pageId), pageId);
    expect(await page((m) => m.agents())).toEqual([{ name, state: 'active' }]);
    expect(await dashboard.agents()).toEqual([]);
    await fromNode.stop();
    const inPageCalls = await page((m) => m.stopCalling());
    expect([...fromNode.errors.map(String), ...inPageCalls.errors]).toEqual([]);
    const all = [...fromNode.results, ...inPageCalls.results].sort((x, y) => x - y);
    expect(all).toEqual(oneToN(all.length));
    expect(await b.call(name, 'get')).toBe(all.length);
    return { figures, sum: (await b.call(name, 'sum')) as number };
  });
}

/** The checksum Counter.sum() gives for the data the page made (same formula). */
function expectedSum(bytes: number): number {
  const c = new Counter();
  c.data = Uint8Array.from({ length: bytes }, (_, i) => (i * 2654435761) >>> 24);
  return c.sum();
}

it('an agent moves page → Durable Object → Node → Durable Object → page under calls from Node and the page: none lost, none twice', { timeout: 120_000 }, async () => {
  const { figures, sum } = await roundTrip('page', 'counter', 0);
  expect(sum).toBe(expectedSum(0));
  browser.assertNoProblems();
  console.log(`[figures] counter migration, calls flowing: ${figures.join('; ')}`);
});

it('the same with a 3 MiB state, in chunks through the relay, arriving whole', { timeout: 120_000 }, async () => {
  const bytes = 3 * 1024 * 1024;
  const { figures, sum } = await roundTrip('page-big', 'big', bytes);
  expect(sum).toBe(expectedSum(bytes));
  browser.assertNoProblems();
  console.log(`[figures] 3 MiB agent state, calls flowing: ${figures.join('; ')}`);
});
