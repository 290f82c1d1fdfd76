// Everything a browser e2e test needs, started in one call from beforeAll and stopped in afterAll: the page
// scripts bundled into a temp folder, the static server over dist/, e2e/pages/ and that folder,
// and a headless Chromium.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Chromium, launchChromium } from './browser.js';
import { bundlePageScripts } from './bundle.js';
import { type StaticServer, startStaticServer } from './server.js';

/** The repository root. */
export const ROOT = new URL('..', import.meta.url).pathname;

/**
 * A running rig. Served under both /iso/ and /plain/: /dist/ (the build), /pages/ (e2e/pages), /gen/ (the bundled
 * page scripts, see bundle.ts). Pages use relative URLs ("../dist/index.js"),
 * so one page works under both variants.
 */
export interface Rig {
  readonly server: StaticServer;
  readonly chromium: Chromium;
  /** Absolute URL of a served path, e.g. url(checksPage({ wireChecks: 'wire-checks' }), { isolated: false }). Default: isolated. */
  url(path: string, options?: { isolated?: boolean }): string;
  close(): Promise<void>;
}

/**
 * The path of pages/checks.html loading the page modules `modules` names (global name → module of e2e/pages/, e.g.
 * { wireChecks: 'wire-checks' }), for rig.url().
 */
export function checksPage(modules: Readonly<Record<string, string>>): string {
  return `/pages/checks.html?${new URLSearchParams(modules)}`;
}

/** Bundles the page scripts, starts the server and Chromium. Needs a built dist/ (`npm run build`). */
export async function startRig(): Promise<Rig> {
  for (const file of ['dist/index.js', 'dist/swarmwire.wasm', 'dist/swarmwire.global.js']) {
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run \`npm run build\` before the e2e suite`);
  }
  const gen = mkdtempSync(join(tmpdir(), 'swarmwire-e2e-gen-'));
  let server: StaticServer | undefined;
  try {
    await bundlePageScripts(join(ROOT, 'e2e/pages'), gen);
    server = await startStaticServer({
      '/dist/': join(ROOT, 'dist'),
      '/pages/': join(ROOT, 'e2e/pages'),
      '/gen/': gen,
    });
    const chromium = await launchChromium();
    const running = server;
    return {
      server: running,
      chromium,
      url: (path, options) => running.url(path, options),
      async close() {
        try {
          await chromium.close();
        } finally {
          await running.close();
          rmSync(gen, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await server?.close();
    rmSync(gen, { recursive: true, force: true });
    throw error;
  }
}
