// The README's browser snippets in real Chromium, as users write them: a plain HTML page with the script-tag build
// (wasm inlined), a page importing the self-contained ESM file by URL (no import map), and a page with an import map
// loading the ESM build. Each page opens a session to a Node relay
// and broadcasts; a Node peer hears it. (The wire checks of both builds are in wire.e2e.test.ts.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSession, connectWebSocket, decodeBody, MessageType, type Session } from 'swarmwire';
import { startRelay, type RelayServer } from 'swarmwire/node';
import { readmeBlock, substitute } from '../test/fixtures/readme.js';
import { until } from '../test/fixtures/until.js';
import { type Chromium, launchChromium } from './browser.js';
import { ROOT } from './rig.js';
import { type StaticServer, startStaticServer } from './server.js';

let pages: string;
let server: StaticServer;
let chromium: Chromium;
let relay: RelayServer;
let listener: Session;
const heard: unknown[] = [];

beforeAll(async () => {
  pages = mkdtempSync(join(tmpdir(), 'swarmwire-readme-pages-'));
  relay = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
  listener = await connectSession(() => connectWebSocket(relay.wsUrl), { heartbeatIntervalMs: 0, reconnect: false });
  listener.on('frame', (f) => f.type === MessageType.Broadcast && heard.push(decodeBody<{ data: unknown }>(f).data));
  // The CDN URLs of the snippets point at this checkout instead; a data: icon spares the favicon request's 404.
  const local = (name: string): string => substitute(readmeBlock(name), [
    ['<!doctype html>', '<!doctype html>\n<link rel="icon" href="data:,">'],
    ['https://unpkg.com/swarmwire/dist/', '../dist/'],
    ['ws://127.0.0.1:8787/ws', relay.wsUrl],
  ]);
  writeFileSync(join(pages, 'script-tag.html'), local('script-tag'));
  writeFileSync(join(pages, 'esm.html'), local('esm'));
  writeFileSync(join(pages, 'cdn-esm.html'), local('cdn-esm'));
  server = await startStaticServer({
    '/dist/': join(ROOT, 'dist'),
    '/pages/': pages,
  });
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  listener?.close();
  await relay?.close();
  if (pages) rmSync(pages, { recursive: true, force: true });
});

describe.for([
  { page: 'script-tag.html', says: 'hello from a script tag', wasmFetched: false },
  { page: 'esm.html', says: 'hello from ESM', wasmFetched: true },
  { page: 'cdn-esm.html', says: 'hello from the CDN file', wasmFetched: false },
])('README page $page on a plain (not cross-origin isolated) page', ({ page, says, wasmFetched }) => {
  it('connects a session to the relay and broadcasts to a Node peer, with no errors', async () => {
    const browser = await chromium.newContext();
    try {
      await browser.explain((async () => {
        await browser.open(server.url(`/pages/${page}`, { isolated: false }));
        await until(() => heard.includes(says), 15_000);
      })());
      const wasm = browser.responses.filter((r) => r.url.endsWith('/swarmwire.wasm'));
      expect(wasm.map((r) => [r.status, r.contentType])).toEqual(wasmFetched ? [[200, 'application/wasm']] : []);
      browser.assertNoProblems();
    } finally {
      await browser.close();
    }
  });
});
