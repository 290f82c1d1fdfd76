// examples/browser in Chromium, as its README says to run it: `node serve.mjs` in a project where swarmwire is
// installed from the packed tarball, then the URL it prints. The page imports 'swarmwire' by name (an import map to
// the package's self-contained ESM file), runs the wasm core, and calls the relay serve.mjs started.
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Running, startCommand } from '../test/fixtures/cli.js';
import { ROOT, packed } from '../test/fixtures/packed.js';
import { type Chromium, launchChromium } from './browser.js';

let dir: string;
let serve: Running | undefined;
let chromium: Chromium;

beforeAll(async () => {
  dir = (await packed()).newProject('example-page');
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  chromium = await launchChromium();
}, 600_000);

afterAll(async () => {
  await chromium?.close();
  await serve?.stop('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('examples/browser: the page loads the package by name, runs the wasm core and calls the relay', async () => {
  serve = startCommand(process.execPath, ['examples/browser/serve.mjs', '0'], { cwd: dir });
  const [, url] = await serve.waitFor(/^open (http:\/\/127\.0\.0\.1:\d+\/\?relay=\S+) \(Ctrl-C to stop\)\n/);
  const browser = await chromium.newContext();
  try {
    const page = await browser.open(url!);
    await browser.explain(page.waitForFunction(() => /\ndone\n|failed/.test(document.querySelector('#log')?.textContent ?? ''), null, { timeout: 15_000 }));
    const text = (await page.locator('#log').textContent()) ?? '';
    expect(text).toMatch(/^crc32c\("123456789"\) = e3069283\nconnected to ws:\/\/127\.0\.0\.1:\d+\/ws\necho: hello from a page\npeers on the relay: example page\ndone\n$/);
    browser.assertNoProblems();
  } finally {
    await browser.close();
  }
  expect(await serve.stop('SIGINT')).toMatchObject({ code: 0, stderr: '' });
});
