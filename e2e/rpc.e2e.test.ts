// Typed proxies in real Chromium: a page calls an agent that runs in Node, over a WebSocket session —
// callbacks, streams both ways, errors with their class, cancellation, deadlines, describe, many calls in flight.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SessionHost, currentCall, expose, listenWebSocket, type WebSocketListener } from 'swarmwire';
import type { WatchedContext } from './browser.js';
import type * as RpcClient from './pages/rpc-client.js';
import { type Rig, startRig } from './rig.js';

const cancelled: string[] = [];
const agent = {
  add: (a: number, b: number) => a + b,
  async notify(message: string, callback: (text: string) => Promise<void>) {
    await callback(`got ${message}`);
    return 'sent';
  },
  async *countdown(from: number) {
    for (let i = from; i > 0; i--) yield i;
  },
  async sum(numbers: AsyncIterable<number>) {
    let total = 0;
    for await (const n of numbers) total += n;
    return total;
  },
  fail(): never {
    throw new TypeError('not from here', { cause: new Error('deeper') });
  },
  hang(): Promise<void> {
    const { signal } = currentCall();
    return new Promise((_, reject) => signal.addEventListener('abort', () => {
      cancelled.push((signal.reason as Error).message);
      reject(signal.reason);
    }));
  },
};

let rig: Rig;
let browser: WatchedContext;
let host: SessionHost;
let listener: WebSocketListener;
beforeAll(async () => {
  rig = await startRig();
  browser = await rig.chromium.newContext();
  host = new SessionHost({ heartbeatIntervalMs: 0 });
  host.onSession((session) => expose(agent, session, { name: 'agent' }));
  listener = await listenWebSocket((t) => void host.accept(t).catch(() => {}));
});
afterAll(async () => {
  host?.close();
  await listener?.close();
  await browser?.close();
  await rig?.close();
});

it('a Chromium page calls a Node agent over WebSocket: callbacks, streams, errors, cancel, deadlines', async () => {
  const report = await browser.explain((async () => {
    const page: Page = await browser.open(rig.url('/pages/rpc.html', { isolated: false }));
    await page.waitForFunction(() => 'rpcClient' in globalThis, undefined, { timeout: 10_000 });
    return page.evaluate((url) => (globalThis as unknown as { rpcClient: typeof RpcClient }).rpcClient.runRpc(url), listener.url);
  })());
  expect(report.add).toBe(5);
  expect(report.notify).toBe('sent');
  expect(report.seen).toEqual(['got hi']);
  expect(report.countdown).toEqual([5, 4, 3, 2, 1]);
  expect(report.sum).toBe(55);
  expect(report.error).toEqual({ isTypeError: true, message: 'not from here', code: undefined, cause: 'deeper' });
  expect(report.cancel).toEqual({ name: 'RpcError', code: 'SW_ERR_RPC_CANCELLED', status: 12 });
  expect(report.timeout).toEqual({ code: 'SW_ERR_RPC_TIMEOUT', status: 4 });
  expect(report.methods).toEqual(['add', 'countdown', 'fail', 'hang', 'notify', 'sum']);
  expect(report.inFlight).toEqual(Array.from({ length: 500 }, (_, i) => 2 * i));
  await expect.poll(() => cancelled.length).toBe(2);
  expect(cancelled[0]).toMatch(/cancelled by the caller: aborted/);
  expect(cancelled[1]).toMatch(/cancelled by the caller: deadline exceeded/);
  expect(browser.problems).toEqual([]);
});
