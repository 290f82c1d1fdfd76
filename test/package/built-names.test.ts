// Error classes keep their names in the built files Node and Deno run as they are (esbuild's keepNames): an error
// prints as `MeshError: …`, not `MeshError2: …` (the split build renames a class whose name clashes with the const
// it is assigned to). The browser files are checked in Chromium (e2e/bundler.e2e.test.ts).
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';

const dist = new URL('../../dist/', import.meta.url);

/** Every export of `file` whose name ends in Error and that constructs like a SwarmwireError. */
async function errorClasses(file: string): Promise<[string, new (code: string, status: number, message: string) => Error][]> {
  const module = (await import(new URL(file, dist).href)) as Record<string, unknown>;
  return Object.entries(module).filter((e): e is [string, new (code: string, status: number, message: string) => Error] => /Error$/.test(e[0]) && typeof e[1] === 'function');
}

describe.each([
  ['index.js', ['MeshError', 'RpcError', 'SessionError', 'SwarmwireError', 'TransportError', 'WireError']],
  ['inline.js', ['MeshError', 'RpcError', 'SessionError', 'SwarmwireError', 'TransportError', 'WireError']],
  ['lite.js', ['RpcError', 'SessionError', 'SwarmwireError', 'WireError']],
  ['relay.js', ['RedisError']],
])('dist/%s', (file, expected) => {
  it('exports its error classes under their own names, and each instance says that name', async () => {
    const classes = await errorClasses(file);
    expect(classes.map(([name]) => name)).toEqual(expect.arrayContaining(expected));
    for (const [name, Class] of classes) {
      const error = new Class('SW_ERR_TEST', 1, 'a test');
      expect({ name: error.name, constructor: error.constructor.name, Class: Class.name }).toEqual({ name, constructor: name, Class: name });
      expect(inspect(error).split('\n')[0]).toMatch(new RegExp(`^${name}: `));
    }
  });
});
