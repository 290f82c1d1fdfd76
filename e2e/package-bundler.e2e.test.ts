// The packed package in Chromium, as browser users get it (npm pack → installed into an empty project, see
// test/fixtures/packed.ts): pages bundled by esbuild (--platform=browser) from `swarmwire/inline`, from plain
// `swarmwire` (its wasm beside the module), and a swarm of Web Workers bundled from `swarmwire/worker`; the script-tag file
// and the self-contained ESM file loaded as they are, with no import map. Each page does real work with the wasm
// core: CRC-32C, frames with checksums, rings to workers on a cross-origin isolated page.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Packed, packed } from '../test/fixtures/packed.js';
import { readmeBlock } from '../test/fixtures/readme.js';
import { until } from '../test/fixtures/until.js';
import { type Chromium, launchChromium } from './browser.js';
import { type StaticServer, startStaticServer } from './server.js';

let pkg: Packed;
let project: string;
let installed: string;
let server: StaticServer;
let chromium: Chromium;

/** Bundles `source` (a file's text, resolved from the project) as esbuild --bundle --platform=browser --format=esm. */
async function bundle(source: string, outfile: string): Promise<void> {
  await build({
    stdin: { contents: source, resolveDir: project, sourcefile: 'entry.js' }, outfile: join(project, 'public', outfile),
    bundle: true, format: 'esm', platform: 'browser', logLevel: 'silent',
  });
}

/** What a page logged with console.log, in order. */
function logsOf(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (message) => message.type() === 'log' && lines.push(message.text()));
  return lines;
}

const PAGE = (script: string): string => `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">\n${script}\n`;

beforeAll(async () => {
  pkg = await packed();
  project = pkg.newProject('bundler');
  installed = join(project, 'node_modules/swarmwire');
  mkdirSync(join(project, 'public'));
  writeFileSync(join(project, 'public/app.html'), PAGE('<script type="module" src="./app.js"></script>'));
  server = await startStaticServer({ '/public/': join(project, 'public'), '/pkg/': installed });
  chromium = await launchChromium();
}, 600_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('a page bundled by esbuild', () => {
  it('from swarmwire/inline (the README block): init() needs no .wasm file, and a swarm of the bundled worker entry hosts an agent over rings', async () => {
    await bundle(readmeBlock('bundler'), 'app.js');
    await bundle(`import 'swarmwire/worker';`, 'worker.js');
    writeFileSync(join(project, 'public/agents.js'), readmeBlock('swarm-agents'));
    const browser = await chromium.newContext();
    try {
      const page = await browser.context.newPage();
      const logs = logsOf(page);
      await browser.explain((async () => {
        await page.goto(server.url('/public/app.html'));
        await until(() => logs.includes('counted 1'), 20_000);
      })(), 30_000);
      expect(logs).toEqual(['e3069283', 'ring', 'counted 1']);
      expect(browser.responses.filter((r) => r.url.endsWith('.wasm'))).toEqual([]);
      browser.assertNoProblems();
    } finally {
      await browser.close();
    }
  });

  it('from plain swarmwire: init() says which file is missing, and works once swarmwire.wasm is copied beside the bundle', async () => {
    await bundle(`import { crc32c, decodeFrame, encodeFrame, Feature } from 'swarmwire/wire';
import { init, MessageType } from 'swarmwire';
try {
  await init();
  const frame = encodeFrame({ type: MessageType.Event, features: Feature.CHECKSUM, requestId: 9, payload: new Uint8Array(4096).fill(1) });
  const bad = frame.slice();
  bad[2000] ^= 1;
  let refused = 'accepted';
  try { decodeFrame(bad); } catch (error) { refused = error.code; }
  console.log(\`ok \${crc32c(new TextEncoder().encode('123456789')).toString(16)} \${decodeFrame(frame).requestId} \${refused}\`);
} catch (error) {
  console.log(\`failed \${error.message}\`);
}`, 'app.js');
    const run = async (): Promise<{ logs: string[]; problems: readonly string[] }> => {
      const browser = await chromium.newContext();
      try {
        const page = await browser.context.newPage();
        const logs = logsOf(page);
        await page.goto(server.url('/public/app.html', { isolated: false }));
        await until(() => logs.length > 0, 15_000);
        return { logs, problems: browser.problems };
      } finally {
        await browser.close();
      }
    };
    rmSync(join(project, 'public/swarmwire.wasm'), { force: true });
    const missing = await run();
    // The error says what to do about it (the README's three ways out), not only what went wrong.
    expect(missing.logs).toEqual([`failed [swarmwire] cannot load ${server.url('/public/swarmwire.wasm', { isolated: false })}: HTTP 404 (bundled? import swarmwire/inline, copy swarmwire.wasm beside the bundle, or pass init({ wasm }))`]);
    expect(missing.problems).toContain(`HTTP 404 for ${server.url('/public/swarmwire.wasm', { isolated: false })}`);
    expect(missing.problems.filter((problem) => !problem.includes('/public/swarmwire.wasm'))).toEqual([]);

    copyFileSync(join(installed, 'dist/swarmwire.wasm'), join(project, 'public/swarmwire.wasm'));
    const copied = await run();
    expect(copied).toEqual({ logs: ['ok e3069283 9 SW_ERR_FRAME_CHECKSUM'], problems: [] });
  });
});

describe('files loaded as they are, with no import map and no bundler', () => {
  const check = `
    await swarmwire.init();
    const { wire } = swarmwire; // the layer below the root, as a namespace in the one-file builds
    const frame = wire.encodeFrame({ type: swarmwire.MessageType.Event, features: wire.Feature.CHECKSUM, requestId: 3, body: { n: 1 } });
    const error = new swarmwire.MeshError('SW_ERR_TEST', 1, 'a test');
    console.log(JSON.stringify({
      crc: wire.crc32c(new TextEncoder().encode('123456789')).toString(16),
      requestId: Number(wire.decodeFrame(frame).requestId),
      names: [error.name, error.constructor.name, swarmwire.RpcError.name, swarmwire.SessionError.name],
    }));`;
  const expected = { crc: 'e3069283', requestId: 3, names: ['MeshError', 'MeshError', 'RpcError', 'SessionError'] };

  it.each([
    ['the script-tag build (dist/swarmwire.global.js)', 'script-tag.html', PAGE(`<script src="../pkg/dist/swarmwire.global.js"></script>\n<script type="module">${check}</script>`)],
    ['the CDN file (dist/swarmwire.esm.js)', 'cdn.html', PAGE(`<script type="module">import * as swarmwire from '../pkg/dist/swarmwire.esm.js';${check}</script>`)],
  ])('%s: the wasm inlined, class names kept', async (_, name, html) => {
    writeFileSync(join(project, 'public', name), html);
    const browser = await chromium.newContext();
    try {
      const page = await browser.context.newPage();
      const logs = logsOf(page);
      await browser.explain((async () => {
        await page.goto(server.url(`/public/${name}`));
        await until(() => logs.length > 0, 15_000);
      })());
      expect(JSON.parse(logs[0]!)).toEqual(expected);
      expect(browser.responses.map((r) => r.url).filter((url) => !url.endsWith(`/${name}`))).toEqual(
        [server.url(name === 'cdn.html' ? '/pkg/dist/swarmwire.esm.js' : '/pkg/dist/swarmwire.global.js')],
      );
      browser.assertNoProblems();
    } finally {
      await browser.close();
    }
  });

  it('the CDN file imports nothing at all, statically or dynamically (esbuild lists every import it parses)', async () => {
    const imports: string[] = [];
    const entry = join(installed, 'dist/swarmwire.esm.js');
    await build({
      entryPoints: [entry], bundle: true, write: false, format: 'esm', platform: 'browser', logLevel: 'silent',
      plugins: [{ name: 'list-imports', setup: (b) => b.onResolve({ filter: /.*/ }, (args) => (args.kind === 'entry-point' ? undefined : (imports.push(args.path), { external: true }))) }],
    });
    expect(imports).toEqual([]);
    expect(readFileSync(entry, 'utf8').length).toBeGreaterThan(100_000); // the whole SDK, not a stub
  });
});
