// The exports map as each runtime's resolver reads it: which file every condition set picks, and that the
// browser build bundles for a browser with nothing of Node's left to resolve.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;

/** The file esbuild picks for `specifier` from inside this package under `conditions`. */
async function resolves(specifier: string, conditions: string[], platform: 'browser' | 'node' | 'neutral'): Promise<string> {
  const result = await build({
    stdin: { contents: `import * as m from '${specifier}'; console.log(m);`, resolveDir: root },
    bundle: true, write: false, metafile: true, format: 'esm', platform, conditions, logLevel: 'silent',
    external: ['@msgpack/msgpack', '*.wasm', 'ws', 'node:*'], mainFields: ['module', 'main'],
  });
  const inputs = Object.keys(result.metafile.inputs).filter((f) => f.startsWith('dist/') && !/-[A-Z0-9]{8}\.js$/.test(f)); // the entry, not the chunks it shares
  return inputs.join(' ');
}

describe('package exports', () => {
  it.each([
    ['Cloudflare Workers (wrangler)', ['workerd', 'worker', 'browser'], 'neutral', 'dist/workers.js'],
    ['a Web Worker bundle (webpack target webworker)', ['worker'], 'browser', 'dist/browser.js'],
    ['a browser bundler', ['browser'], 'browser', 'dist/browser.js'],
    ['Deno', ['deno'], 'neutral', 'dist/index.js'],
    ['Node', ['node'], 'node', 'dist/index.js'],
    ['anything else', [], 'neutral', 'dist/index.js'],
  ] as const)('%s gets %s', async (_, conditions, platform, file) => {
    expect(await resolves('swarmwire', [...conditions], platform)).toBe(file);
  });

  it.each([
    ['a browser bundler', ['browser'], 'browser', 'dist/inline-browser.js'],
    ['a Web Worker bundle', ['worker'], 'browser', 'dist/inline-browser.js'],
    ['Node', ['node'], 'node', 'dist/inline.js'],
    ['Deno', ['deno'], 'neutral', 'dist/inline.js'],
    ['Cloudflare Workers (where compiling wasm from bytes is forbidden)', ['workerd', 'worker', 'browser'], 'neutral', 'dist/workers.js'],
  ] as const)('swarmwire/inline: %s gets %s', async (_, conditions, platform, file) => {
    expect(await resolves('swarmwire/inline', [...conditions], platform)).toBe(file);
  });

  it.each([
    ['a browser bundler', ['browser'], 'browser', 'dist/worker-browser.js'],
    ['a Web Worker bundle', ['worker'], 'browser', 'dist/worker-browser.js'],
    ['Node', ['node'], 'node', 'dist/worker.js'],
  ] as const)('swarmwire/worker: %s gets %s', async (_, conditions, platform, file) => {
    expect(await resolves('swarmwire/worker', [...conditions], platform)).toBe(file);
  });

  it('swarmwire/worker bundles for a browser (esbuild --platform=browser) with nothing of Node\'s, and is kept as a side effect', async () => {
    const result = await build({
      stdin: { contents: `import 'swarmwire/worker';`, resolveDir: root }, bundle: true, write: false, format: 'esm', platform: 'browser', logLevel: 'silent', metafile: true,
    });
    expect(Object.keys(result.metafile.inputs).some((f) => /node_modules\/ws\/|^node:/.test(f))).toBe(false);
    expect(result.outputFiles[0]!.text).toContain('acceptWorker');
  });

  it('swarmwire/relay is Node only', async () => {
    expect(await resolves('swarmwire/relay', ['node'], 'node')).toBe('dist/node.js');
    await expect(resolves('swarmwire/relay', ['browser'], 'browser')).rejects.toThrow();
  });

  it('dist/browser.js bundles for a browser with no Node module to resolve', async () => {
    const result = await build({
      entryPoints: [`${root}dist/browser.js`], bundle: true, write: false, format: 'esm', platform: 'browser', logLevel: 'silent', metafile: true,
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((f) => /node_modules\/ws\/|^node:/.test(f))).toBe(false);
    expect(result.outputFiles[0]!.text).not.toMatch(/\bimport\(\s*["'](ws|node:)/);
  });
});
