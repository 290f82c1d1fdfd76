// swarmwire/lite as a user's resolver and bundler see it: the file each condition picks, and that neither build
// pulls in @msgpack/msgpack, the session or the full RPC layer, or anything of Node's for browsers.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

async function bundle(contents: string, conditions: string[], platform: 'browser' | 'node' | 'neutral'): Promise<string[]> {
  const result = await build({
    stdin: { contents, resolveDir: root }, bundle: true, write: false, metafile: true, format: 'esm', platform, conditions,
    logLevel: 'silent', mainFields: ['module', 'main'], external: platform === 'browser' ? [] : ['node:*', 'ws'],
  });
  return Object.keys(result.metafile.inputs);
}

describe('swarmwire/lite package entry', () => {
  it.each([
    ['a browser bundler', ['browser'], 'browser', 'dist/lite-browser.js'],
    ['a Web Worker bundle', ['worker'], 'browser', 'dist/lite-browser.js'],
    ['Node', ['node'], 'node', 'dist/lite.js'],
    ['Deno / anything else', [], 'neutral', 'dist/lite.js'],
  ] as const)('%s gets %s', async (_, conditions, platform, file) => {
    const inputs = await bundle(`export { connect, wrap, expose, init } from 'swarmwire/lite';`, [...conditions], platform);
    expect(inputs.filter((f) => f.startsWith('dist/') && !f.includes('chunk-'))).toEqual([file]);
    expect(inputs.some((f) => f.includes('@msgpack'))).toBe(false);
  });

  it('the browser build bundles with no Node module to resolve, and keeps no full-SDK layer', async () => {
    const result = await build({
      entryPoints: [`${root}dist/lite-browser.js`], bundle: true, write: false, format: 'esm', platform: 'browser', logLevel: 'silent', metafile: true,
    });
    expect(Object.keys(result.metafile.inputs)).toEqual(['dist/lite-browser.js']);
    const text = result.outputFiles[0]!.text;
    expect(text).not.toMatch(/\bimport\(\s*["'](ws|node:)/);
    for (const name of ['@msgpack', 'ExtensionCodec', 'StreamConsumer', 'SessionHost', 'RegionAllocator']) expect(text).not.toContain(name);
  });
});
