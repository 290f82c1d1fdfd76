// First contact in real Chromium (issue 14): a page cannot learn why a WebSocket failed — a port with nothing
// listening and an HTTP 404 for the upgrade look the same to it (Chromium prints the reason to its own console,
// which the page cannot read) — so the error says that the browser hides it; connectSession reports each attempt
// and gives a first connection up at its deadline; WebTransport says what its API gives; localStorage.debug turns
// the debug log on (console.debug); the error classes keep their names.
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WatchedContext } from './browser.js';
import type * as ContactChecks from './pages/contact-checks.js';
import { checksPage, type Rig, startRig } from './rig.js';

type Checks = typeof ContactChecks;
const HIDDEN = 'could not connect: the runtime does not say why (browsers hide it from pages; their console shows it)';

let rig: Rig;
let browser: WatchedContext;
let http404: Server;
let deadPort = 0;
let url404 = '';

beforeAll(async () => {
  rig = await startRig();
  browser = await rig.chromium.newContext();
  http404 = createServer((_, res) => res.writeHead(404).end('not here'));
  await new Promise<void>((r) => http404.listen(0, '127.0.0.1', r));
  url404 = `ws://127.0.0.1:${(http404.address() as { port: number }).port}/ws`;
  const probe = createTcpServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  deadPort = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
});

afterAll(async () => {
  await browser?.close();
  await rig?.close();
  await new Promise((r) => http404?.close(r));
});

async function open(): Promise<Page> {
  const page = await browser.open(rig.url(checksPage({ contactChecks: 'contact-checks' }), { isolated: false }));
  await page.waitForFunction(() => 'contactChecks' in globalThis, undefined, { timeout: 10_000 });
  return page;
}

const checks = <K extends keyof Checks>(page: Page, name: K, ...args: Parameters<Checks[K]>): Promise<Awaited<ReturnType<Checks[K]>>> =>
  browser.explain(page.evaluate(([n, a]) => (globalThis as any).contactChecks[n](...a), [name, args] as const)) as never;

it('a refused port and an HTTP 404 read the same to a page, and the error says the browser hides why', async () => {
  const page = await open();
  const refused = await checks(page, 'webSocketFailure', `ws://127.0.0.1:${deadPort}/ws`);
  const notFound = await checks(page, 'webSocketFailure', url404);
  for (const [failure, url] of [[refused, `ws://127.0.0.1:${deadPort}/ws`], [notFound, url404]] as const) {
    expect(failure).toEqual({ code: 'SW_ERR_CONNECT_FAILED', message: `[swarmwire] websocket ${url}: ${HIDDEN}`, recoverable: true, httpStatus: null, closeCode: 1006 });
  }
  // Chromium itself knows (its console says so); the page is not told.
  const problems = browser.problems.filter((p) => p.includes('WebSocket connection to'));
  expect(problems.some((p) => p.includes(`127.0.0.1:${deadPort}`) && /ERR_CONNECTION_REFUSED/.test(p))).toBe(true);
  expect(problems.some((p) => p.includes(url404) && /404/.test(p))).toBe(true);
  await page.close();
});

it('connectSession reports every attempt and gives a first connection up at its deadline', async () => {
  const page = await open();
  const { retries, error, code } = await checks(page, 'sessionFailure', `ws://127.0.0.1:${deadPort}/ws`, 600);
  expect(retries.length).toBeGreaterThanOrEqual(1);
  expect(retries.map((r) => r.attempt)).toEqual(retries.map((_, i) => i + 1));
  expect(retries.every((r) => r.code === 'SW_ERR_CONNECT_FAILED' && !r.reconnecting)).toBe(true);
  expect(code).toBe('SW_ERR_CONNECT_FAILED');
  expect(error).toMatch(/^\[swarmwire\] could not connect within 600 ms \((\d+ attempt\(s\), the last: websocket .*the runtime does not say why|the first attempt is still under way)/);
  await page.close();
});

it('WebTransport to a port with nothing listening says what its API gives', async () => {
  const page = await open();
  const failure = await checks(page, 'webTransportFailure', `https://127.0.0.1:${deadPort}/wt`);
  expect(failure.code).toBe('SW_ERR_CONNECT_FAILED');
  expect(failure.recoverable).toBe(true);
  expect(failure.message.startsWith(`[swarmwire] webtransport https://127.0.0.1:${deadPort}/wt: could not connect: `)).toBe(true);
  // Chromium's WebTransportError carries a message ("Opening handshake failed."), not the OS's reason.
  expect(failure.message).not.toMatch(/could not connect: $/);
  await page.close();
});

it('localStorage.debug = "swarmwire:*" turns the debug log on (console.debug); without it the page logs nothing', async () => {
  const quiet = await open();
  const silent: ConsoleMessage[] = [];
  quiet.on('console', (m) => m.type() === 'debug' && silent.push(m));
  await checks(quiet, 'webSocketFailure', `ws://127.0.0.1:${deadPort}/ws`);
  expect(silent.map((m) => m.text())).toEqual([]);
  await quiet.evaluate(() => localStorage.setItem('debug', 'swarmwire:*'));
  await quiet.close();

  const page = await open(); // the switch is read when the package is imported
  const lines: string[] = [];
  page.on('console', (m) => m.type() === 'debug' && lines.push(m.text()));
  await checks(page, 'sessionFailure', `ws://127.0.0.1:${deadPort}/ws`, 300);
  expect(lines.some((l) => l.startsWith(`swarmwire:transport connect transport="websocket ws://127.0.0.1:${deadPort}/ws"`))).toBe(true);
  expect(lines.some((l) => /^swarmwire:session retry attempt=1 delayMs=\d+ error="SW_ERR_CONNECT_FAILED .*the runtime does not say why/.test(l))).toBe(true);
  expect(lines.some((l) => l.startsWith('swarmwire:session give up '))).toBe(true);
  await page.evaluate(() => localStorage.removeItem('debug'));
  await page.close();
});

it('error classes keep their names', async () => {
  const page = await open();
  for (const [cls, name, ctor] of await checks(page, 'errorNames')) expect([name, ctor]).toEqual([cls, cls]);
  await page.close();
});
