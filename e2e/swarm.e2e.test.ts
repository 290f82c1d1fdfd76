// Web Worker swarms in real Chromium, cross-origin isolated (the ring) and not (postMessage): the README's page and
// agent module as written (a script tag, the shipped dist/worker.global.js, a relay), an agent called from a Node
// peer through the relay, a worker terminated (its agents reported lost, a worker started in its place); and a swarm
// with every pair of workers linked directly, its agents moved between workers and back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentHost, MeshNode, connectWebSocket } from 'swarmwire';
import { startRelay, type RelayServer } from 'swarmwire/relay';
import { readmeBlock, substitute } from '../test/fixtures/readme.js';
import { until } from '../test/fixtures/until.js';
import { type Chromium, launchChromium } from './browser.js';
import { ROOT } from './rig.js';
import { type StaticServer, startStaticServer } from './server.js';

let pages: string;
let server: StaticServer;
let chromium: Chromium;
let relay: RelayServer;

/** What a page logged with console.log, in order. */
function logsOf(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (message) => message.type() === 'log' && lines.push(message.text()));
  return lines;
}

/** The checks beyond the README: direct links between workers, and an agent moved between workers and back. */
const CHECKS = `<!doctype html>
<link rel="icon" href="data:,">
<script src="../dist/swarmwire.global.js"></script>
<script type="module">
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const swarm = await swarmwire.startSwarm({ worker: '../dist/worker.global.js', module: './agents.js', size: 3, direct: true });
  const [w0, w1, w2] = swarm.workers;
  await swarm.spawn('Counter', 'c0', { on: w0.id });
  await swarm.spawn('Scout', 's2', { on: w2.id });
  const visit = await swarm.call('s2', 'visit', ['c0']);
  let stats = await swarm.stats();
  for (let i = 0; i < 200 && stats.some((s) => s.connections.length < 3); i++) stats = (await sleep(25), await swarm.stats());
  const moves = [];
  for (let i = 0; i < 3; i++) moves.push(await swarm.migrate('c0', w1.id) === w1.id, await swarm.migrate('c0', w0.id) === w0.id);
  const after = await swarm.call('c0', 'increment', [1]);
  window.result = {
    kinds: swarm.workers.map((w) => w.kind),
    links: stats.map((s) => s.connections.map((c) => c.transport).sort().join()),
    visit, moves, after,
  };
  await swarm.close();
</script>
`;

beforeAll(async () => {
  pages = mkdtempSync(join(tmpdir(), 'swarmwire-swarm-pages-'));
  relay = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
  writeFileSync(join(pages, 'agents.js'), readmeBlock('swarm-agents'));
  writeFileSync(join(pages, 'swarm.html'), substitute(readmeBlock('swarm-page'), [
    ['<!doctype html>', '<!doctype html>\n<link rel="icon" href="data:,">'],
    ['/node_modules/swarmwire/dist/', '../dist/'],
    ['ws://127.0.0.1:8787/ws', relay.wsUrl],
    ['console.log(swarm.workers.map((w) => w.kind).join());', 'console.log(swarm.workers.map((w) => w.kind).join()); window.swarm = swarm;'],
  ]));
  writeFileSync(join(pages, 'checks.html'), CHECKS);
  server = await startStaticServer({ '/dist/': join(ROOT, 'dist'), '/pages/': pages });
  chromium = await launchChromium();
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  await relay?.close();
  if (pages) rmSync(pages, { recursive: true, force: true });
});

describe.for([
  { variant: 'cross-origin isolated', isolated: true, kind: 'ring' },
  { variant: 'not isolated', isolated: false, kind: 'postmessage' },
])('a swarm in a page $variant', ({ isolated, kind }) => {
  it('the README page: spawns, calls, an agent calling another; a Node peer calls it through the relay; a worker dies and is replaced', async () => {
    const browser = await chromium.newContext();
    const node = await MeshNode.create({ heartbeatIntervalMs: 0 });
    try {
      const page = await browser.context.newPage();
      const logs = logsOf(page);
      await browser.explain((async () => {
        await page.goto(server.url('/pages/swarm.html', { isolated }));
        await until(() => logs.length >= 3, 20_000);
      })(), 30_000);
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      const size = Math.max(1, cores - 1);
      expect(logs).toEqual(['2', '12', Array(size).fill(kind).join()]);

      // Any node reaches the agents through the relay.
      await node.connect(() => connectWebSocket(relay.wsUrl));
      const host = new AgentHost(node);
      expect(await host.call('counter', 'increment', [1])).toBe(13);

      // The worker hosting the counter dies; the swarm names what died with it and starts another.
      type Member = { index: number; id: string; agents: string[]; worker: Worker };
      const doomed = await page.evaluate(() => {
        const swarm = (window as unknown as { swarm: { workers: Member[] } }).swarm;
        const w = swarm.workers.find((m) => m.agents.includes('counter'))!;
        w.worker.terminate();
        return { index: w.index, id: w.id, said: `worker ${w.index} died with ${w.agents.join(', ')}` };
      });
      await browser.explain(until(() => logs.includes(doomed.said), 20_000));
      expect(doomed.said).toMatch(/died with (counter, scout|scout, counter|counter)$/);
      const replaced = await browser.explain(page.evaluate(async (lost) => {
        const swarm = (window as unknown as { swarm: { workers: Member[]; spawn(k: string, n: string): Promise<string>; call(n: string, m: string, a: unknown[]): Promise<unknown> } }).swarm;
        for (let i = 0; i < 400 && !swarm.workers.some((w) => w.index === lost.index); i++) await new Promise((r) => setTimeout(r, 25));
        const fresh = swarm.workers.find((w) => w.index === lost.index)!;
        await swarm.spawn('Counter', 'counter-again');
        return { id: fresh.id, kind: (swarm as unknown as { workers: Array<{ kind: string }> }).workers[0]!.kind, value: await swarm.call('counter-again', 'increment', [5]) };
      }, doomed), 30_000);
      expect(replaced.id).not.toBe(doomed.id);
      expect(replaced).toMatchObject({ kind, value: 5 });
      host.close();
      browser.assertNoProblems();
    } finally {
      node.close();
      await browser.close();
    }
  });

  it('with every pair of workers linked directly: calls between workers, an agent moved there and back', async () => {
    const browser = await chromium.newContext();
    try {
      const page = await browser.open(server.url('/pages/checks.html', { isolated }));
      await browser.explain(page.waitForFunction(() => 'result' in window, undefined, { timeout: 30_000 }), 40_000);
      const result = await page.evaluate(() => (window as unknown as { result: unknown }).result);
      expect(result).toEqual({
        kinds: [kind, kind, kind],
        links: [`${kind},${kind},${kind}`, `${kind},${kind},${kind}`, `${kind},${kind},${kind}`],
        visit: 10, moves: [true, true, true, true, true, true], after: 11,
      });
      browser.assertNoProblems();
    } finally {
      await browser.close();
    }
  });
});
