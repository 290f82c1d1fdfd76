// Turns the browser-side TypeScript of e2e/pages/ into scripts a page can load, at test start (nothing generated
// is committed). Each e2e/pages/<name>.ts becomes two files in the output folder:
//   <name>.js         ESM; `swarmwire` (and its /wire, /transport) stays an import, resolved by the page's import map to dist/ — the package as
//                     ESM users load it;
//   <name>.global.js  a classic script defining the global <camelCaseName>; `swarmwire` is the global that
//                     dist/swarmwire.global.js defines — the package as script-tag users load it.
// Shared test data (test/vectors.ts) is bundled in, so browsers check the very same table as the unit suite.
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Plugin, build } from 'esbuild';

/** Packages the page itself provides (import map or script tag), never bundled. */
const PROVIDED = ['swarmwire', 'swarmwire/wire', 'swarmwire/transport'];

const useScriptTagGlobal: Plugin = {
  name: 'swarmwire-global',
  setup(b) {
    // The script tag's global carries the layers as namespaces: swarmwire/wire is swarmwire.wire.
    b.onResolve({ filter: /^swarmwire(\/wire|\/transport)?$/ }, (args) => ({ path: args.path, namespace: 'swarmwire-global' }));
    b.onLoad({ filter: /.*/, namespace: 'swarmwire-global' }, (args) => ({
      loader: 'js',
      contents: `if (typeof globalThis.swarmwire !== 'object') throw new Error('load dist/swarmwire.global.js before this script');
module.exports = globalThis.swarmwire${args.path === 'swarmwire' ? '' : `.${args.path.slice('swarmwire/'.length)}`};`,
    }));
  },
};

/** "wire-checks" → "wireChecks": the global name of a page script's classic build. */
export function globalNameOf(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Builds every .ts file of `pagesDir` into `outDir` (see above). Returns the entry names. */
export async function bundlePageScripts(pagesDir: string, outDir: string): Promise<string[]> {
  const names = readdirSync(pagesDir).filter((f) => f.endsWith('.ts')).map((f) => basename(f, '.ts'));
  const common = { bundle: true, target: 'es2022', sourcemap: 'inline', logLevel: 'warning', platform: 'browser' } as const;
  await Promise.all(
    names.flatMap((name) => [
      build({ ...common, entryPoints: [join(pagesDir, `${name}.ts`)], outfile: join(outDir, `${name}.js`), format: 'esm', external: PROVIDED }),
      build({
        ...common,
        entryPoints: [join(pagesDir, `${name}.ts`)],
        outfile: join(outDir, `${name}.global.js`),
        format: 'iife',
        globalName: globalNameOf(name),
        plugins: [useScriptTagGlobal],
      }),
    ]),
  );
  return names;
}
