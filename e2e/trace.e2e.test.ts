// One trace across realms: a Chromium page calls the agent "counter" in a Node worker thread through the Node relay,
// directly and through an agent in a Web Worker of the page (page → Web Worker over the ring → relay → Node); each
// realm records its spans with the OpenTelemetry SDK (web on the page and in the Web Worker, Node in the worker
// thread), and together they must form one trace that nests: the page's span, the agent call's span under it, the
// RPC client span under that, and the callee's server span under the client span, its parent carried in the frame.
import { Worker } from 'node:worker_threads';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RelayServer, startRelay } from 'swarmwire/node';
import type { WatchedContext } from './browser.js';
import type * as TraceCaller from './pages/trace-caller.js';
import { checksPage, type Rig, startRig } from './rig.js';

let rig: Rig;
let relay: RelayServer;
let worker: Worker;
let agentNode: string;

/** The worker's next message with `key`, within `ms`. */
function next<T>(key: string, ms = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the agent worker sent no ${key} within ${ms} ms`)), ms);
    const on = (m: Record<string, unknown>): void => {
      if (!(key in m)) return;
      clearTimeout(timer);
      worker.off('message', on);
      resolve(m[key] as T);
    };
    worker.on('message', on);
    worker.once('error', (e) => (clearTimeout(timer), reject(e)));
  });
}

/** The Node worker thread's finished spans, asked for until `done` says they are all there (10 s at most). */
async function nodeSpans(done: (spans: TraceCaller.SpanJson[]) => boolean): Promise<TraceCaller.SpanJson[]> {
  const end = Date.now() + 10_000;
  for (;;) {
    worker.postMessage('spans');
    const spans = await next<TraceCaller.SpanJson[]>('spans');
    if (done(spans) || Date.now() > end) return spans; // a server span ends after its Response
  }
}

/** The one span of `spans` that `what` picks, or a failure naming it. */
function one(spans: TraceCaller.SpanJson[], what: string, pick: (s: TraceCaller.SpanJson) => boolean): TraceCaller.SpanJson {
  const found = spans.filter(pick);
  if (found.length !== 1) throw new Error(`expected one span "${what}", found ${found.length} among ${JSON.stringify(spans.map((s) => [s.name, s.kind]))}`);
  return found[0]!;
}

beforeAll(async () => {
  [rig, relay] = await Promise.all([startRig(), startRelay({ port: 0, heartbeatIntervalMs: 0 })]);
  worker = new Worker(new URL('./trace-agent.mjs', import.meta.url), { workerData: { wsUrl: relay.wsUrl } });
  agentNode = await next<string>('id');
}, 60_000);

afterAll(async () => {
  worker?.postMessage('stop');
  await worker?.terminate();
  await relay?.close();
  await rig?.close();
});

it('a call from a Chromium page through a relay to an agent in a worker thread is one trace whose spans nest', async () => {
  const browser: WatchedContext = await rig.chromium.newContext();
  try {
    const report = await browser.explain((async () => {
      const page: Page = await browser.open(rig.url(checksPage({ traceCaller: 'trace-caller' }), { isolated: false }));
      await page.waitForFunction(() => 'traceCaller' in globalThis, undefined, { timeout: 10_000 });
      return page.evaluate(([ws, id]) => (globalThis as unknown as { traceCaller: typeof TraceCaller }).traceCaller.tracedCall(ws, id), [relay.wsUrl, agentNode] as const);
    })(), 60_000);
    expect(report.result).toBe(5);
    const worker_ = await nodeSpans((spans) => spans.some((s) => s.kind === 1));
    const page = report.spans;
    const click = page.find((s) => s.name === 'click')!;
    const agent = page.find((s) => s.name === 'swarmwire agent counter.increment')!;
    const client = page.find((s) => s.kind === 2 && s.name === 'counter/increment')!;
    const server = worker_.find((s) => s.kind === 1 && s.name === 'counter/increment')!;
    expect([click, agent, client, server].every(Boolean)).toBe(true);
    expect(new Set([click, agent, client, server].map((s) => s.traceId)).size).toBe(1);
    expect(click.parentSpanId).toBeUndefined();
    expect(agent.parentSpanId).toBe(click.spanId);
    expect(client.parentSpanId).toBe(agent.spanId);
    expect(server.parentSpanId).toBe(client.spanId);
    expect(server.attributes).toMatchObject({ 'rpc.system': 'swarmwire', 'rpc.service': 'counter', 'rpc.method': 'increment' });
    expect(browser.problems).toEqual([]);
  } finally {
    await browser.close();
  }
}, 120_000);

it('page → Web Worker (an agent of the page\'s swarm) → relay → Node agent and back is one trace whose spans nest', async () => {
  const browser: WatchedContext = await rig.chromium.newContext();
  try {
    const report = await browser.explain((async () => {
      const page: Page = await browser.open(rig.url(checksPage({ traceCaller: 'trace-caller' }), { isolated: true }));
      await page.waitForFunction(() => 'traceCaller' in globalThis, undefined, { timeout: 10_000 });
      return page.evaluate((ws) => (globalThis as unknown as { traceCaller: typeof TraceCaller }).traceCaller.tracedCallThroughWorker(ws), relay.wsUrl);
    })(), 90_000);
    expect(report.result).toBe(12); // the first test added 5
    const click = one(report.spans, 'click', (s) => s.name === 'click');
    const inTrace = (s: TraceCaller.SpanJson): boolean => s.traceId === click.traceId;
    const node = await nodeSpans((spans) => spans.some((s) => s.kind === 1 && inTrace(s)));
    const pageAgent = one(report.spans, 'page agent call', (s) => s.name === 'swarmwire agent forwarder.bump');
    const pageClient = one(report.spans, 'page client', (s) => s.kind === 2 && s.name === 'forwarder/bump');
    const workerServer = one(report.workerSpans, 'worker server', (s) => s.kind === 1 && s.name === 'forwarder/bump');
    const workerAgent = one(report.workerSpans, 'worker agent call', (s) => s.name === 'swarmwire agent counter.increment');
    const workerClient = one(report.workerSpans, 'worker client', (s) => s.kind === 2 && s.name === 'counter/increment');
    const nodeServer = one(node, 'Node server', (s) => s.kind === 1 && s.name === 'counter/increment' && inTrace(s));
    const chain = [click, pageAgent, pageClient, workerServer, workerAgent, workerClient, nodeServer];
    expect(chain.every(inTrace)).toBe(true);
    expect(click.parentSpanId).toBeUndefined();
    for (let i = 1; i < chain.length; i++) expect(chain[i]!.parentSpanId, `${chain[i]!.name} (kind ${chain[i]!.kind})`).toBe(chain[i - 1]!.spanId);
    expect(workerServer.attributes).toMatchObject({ 'rpc.system': 'swarmwire', 'rpc.service': 'forwarder', 'rpc.method': 'bump' });
    expect(browser.problems).toEqual([]);
  } finally {
    await browser.close();
  }
}, 150_000);
