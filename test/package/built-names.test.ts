// Error classes keep their names in every built file: an error prints as `MeshError: …`, not `MeshError2: …` (esbuild
// renames a class whose name clashes with the const it is assigned to) or a minified letter. The files Node and
// Deno run as they are get esbuild's keepNames; the files browsers' bundlers tree-shake (browser.js,
// lite-browser.js) cannot, so named() sets each class's own name — which also survives a user's minifier (the last
// case: browser.js bundled and minified as an app would).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const dist = new URL('../../dist/', import.meta.url);

/** Every export of `file` whose name ends in Error and that constructs like a SwarmwireError. */
async function errorClasses(file: string): Promise<[string, new (code: string, status: number, message: string) => Error][]> {
  const module = (await import(file.startsWith('/') ? `file://${file}` : new URL(file, dist).href)) as Record<string, unknown>;
  return Object.entries(module).filter((e): e is [string, new (code: string, status: number, message: string) => Error] => /Error$/.test(e[0]) && typeof e[1] === 'function');
}

describe.each([
  ['index.js', ['MeshError', 'RpcError', 'SessionError', 'SwarmwireError', 'TransportError', 'WireError']],
  ['inline.js', ['MeshError', 'RpcError', 'SessionError', 'SwarmwireError', 'TransportError', 'WireError']],
  ['lite.js', ['RpcError', 'SessionError', 'SwarmwireError', 'WireError']],
  ['node.js', ['RedisError']],
  ['browser.js', ['MeshError', 'RpcError', 'SessionError', 'SwarmwireError', 'TransportError', 'WireError']],
  ['lite-browser.js', ['RpcError', 'SessionError', 'SwarmwireError', 'WireError']],
])('dist/%s', (file, expected) => {
  it('exports its error classes under their own names, and each instance says that name', async () => {
    const classes = await errorClasses(file);
    expect(classes.map(([name]) => name)).toEqual(expect.arrayContaining(expected));
    for (const [name, Class] of classes) {
      const error = new Class('SW_ERR_TEST', 1, 'a test');
      expect({ name: error.name, constructor: error.constructor.name, Class: Class.name }).toEqual({ name, constructor: name, Class: name });
      expect(inspect(error).split('\n')[0]).toMatch(new RegExp(`^${name}: `));
      expect(typeof (error as { recoverable?: unknown }).recoverable).toBe('boolean');
    }
  });
});

describe('dist/browser.js bundled and minified, as an app would', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swarmwire-names-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every error class\'s name, on the class and on its instances', async () => {
    const entry = join(dir, 'entry.js');
    writeFileSync(entry, `export { MeshError, RpcError, SessionError, SwarmwireError, TransportError, WireError } from ${JSON.stringify(new URL('browser.js', dist).pathname)};`);
    const out = join(dir, 'app.js');
    await build({ entryPoints: [entry], outfile: out, bundle: true, minify: true, format: 'esm', platform: 'browser', logLevel: 'error' });
    const classes = await errorClasses(out);
    expect(classes.map(([name]) => name).sort()).toEqual(['MeshError', 'RpcError', 'SessionError', 'SwarmwireError', 'TransportError', 'WireError']);
    for (const [name, Class] of classes) {
      const error = new Class('SW_ERR_TEST', 1, 'a test');
      expect({ name: error.name, constructor: error.constructor.name, Class: Class.name }).toEqual({ name, constructor: name, Class: name });
    }
  });
});
