// swarmwire/lite as a user's resolver and bundler see it: the file each condition picks, and that neither build
// pulls in @msgpack/msgpack, the session or the full RPC layer, or anything of Node's for browsers. Lite ships no
// wasm: since it stopped offering CHECKSUM it has nothing to load (no init(), no crc32c, no swarmwire-lite.wasm).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as lite from 'swarmwire/lite';
import { LITE_MANGLED } from '../../scripts/lite-mangle.mjs';

const root = new URL('../..', import.meta.url).pathname;

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
    const inputs = await bundle(`export { connect, wrap, expose, createIdentity, loadIdentity, indexedDbIdentityStore } from 'swarmwire/lite';`, [...conditions], platform);
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
    // Nor the Node-only stand-in for `ws` (browsers have a WebSocket global; it cost lite 0.27 KB).
    expect(text).not.toContain('this needs Node');
  });

  it('the browser build lets a bundle that only packs leave out the Error codec (its table of classes is a pure call)', async () => {
    const result = await build({
      stdin: { contents: `import { pack, unpack } from '${root}dist/lite-browser.js'; console.log(pack, unpack);`, resolveDir: root },
      bundle: true, minify: true, write: false, format: 'esm', platform: 'browser', logLevel: 'silent',
    });
    expect(result.outputFiles[0]!.text).toContain('cannot send'); // (pack's own words are in)
    expect(result.outputFiles[0]!.text).not.toContain('AggregateError');
  });

  it('the browser build shortens the property names that never leave it (scripts/lite-mangle.mjs), and only there', () => {
    const property = (name: string): RegExp => new RegExp(`[.]${name}\\b|\\b${name}:`);
    const browser = readFileSync(`${root}dist/lite-browser.js`, 'utf8');
    expect(LITE_MANGLED.filter((name) => property(name).test(browser))).toEqual([]);
    expect(browser).toMatch(property('requestId')); // (what is not listed keeps its name)
    // Nor is one read by a computed name (`x["transmit"]`, `"transmit" in x`), which mangling would not follow.
    const names = LITE_MANGLED.join('|');
    expect(browser).not.toMatch(new RegExp(`\\[\\s*["'\`](${names})["'\`]\\s*\\]|["'\`](${names})["'\`]\\s+in\\b`));
    const node = readFileSync(`${root}dist/lite.js`, 'utf8') + readdirSync(`${root}dist`).filter((f) => /^chunk-.*\.js$/.test(f)).map((f) => readFileSync(`${root}dist/${f}`, 'utf8')).join('');
    expect(node).toMatch(property('moduleHi'));
  });

  it('the browser build, where no WebSocket global exists, refuses connect() in words that say so', async () => {
    const global = globalThis as { WebSocket?: unknown };
    const saved = global.WebSocket;
    delete global.WebSocket;
    try {
      const { connect } = await import(`${root}dist/lite-browser.js`) as typeof lite;
      const e = await connect('ws://127.0.0.1:9/').then(() => undefined, (error: lite.SwarmwireError) => error);
      // (dist/lite-browser.js is a file of its own: its SwarmwireError is not dist/lite.js's class, but has its name)
      expect([e?.name, e?.code, e?.message]).toEqual(['SwarmwireError', 'SW_ERR_CONNECT_FAILED', '[swarmwire] no WebSocket class: pass options.WebSocket or install `ws`']);
      expect((e?.cause as Error).message).toBe('[swarmwire] no WebSocket global, and swarmwire/lite for browsers does not load the ws package');
    } finally {
      if (saved) global.WebSocket = saved;
    }
  });

  it('exports identities and no wasm loader: no init(), no crc32c, no swarmwire-lite.wasm', () => {
    expect(Object.keys(lite)).toEqual(expect.arrayContaining(['connect', 'createIdentity', 'loadIdentity', 'indexedDbIdentityStore']));
    expect(Object.keys(lite).filter((name) => /init|crc/i.test(name))).toEqual([]);
    const { exports } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, unknown> };
    expect(Object.keys(exports).filter((key) => key.endsWith('.wasm'))).toEqual(['./swarmwire.wasm']);
    expect(existsSync(`${root}dist/swarmwire-lite.wasm`)).toBe(false);
  });
});
