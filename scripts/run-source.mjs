// node scripts/run-source.mjs <script.mjs> [args…]: runs a script against the source, as the unit tests do —
// `swarmwire` and its subpaths resolve to src/, and `../src/….ts` imports work — with no `npm run build`. esbuild
// bundles the script and the source it reaches into one file (packages stay imports), which then runs here.
// `npm run fuzz` uses it: the fuzz targets reach internals no entry exports.
import { rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { wasmFresh } from './wasm-fresh.mjs';

const root = new URL('..', import.meta.url).pathname;
const [script, ...args] = process.argv.slice(2);
if (!script) throw new Error('usage: node scripts/run-source.mjs <script.mjs> [args…]');

const entries = {
  'swarmwire/relay/deno': 'src/deno.ts', 'swarmwire/relay': 'src/node.ts', 'swarmwire/node': 'src/node.ts', 'swarmwire/deno': 'src/deno.ts',
  'swarmwire/wire': 'src/wire/index.ts', 'swarmwire/transport': 'src/transport/index.ts', 'swarmwire/lite': 'src/lite/index.ts',
  'swarmwire/workers': 'src/edge/workers.ts', 'swarmwire/inline': 'src/standalone.ts', swarmwire: 'src/index.ts',
};
const source = {
  name: 'swarmwire-source',
  setup(b) {
    b.onResolve({ filter: /^swarmwire(\/.*)?$/ }, (a) => (entries[a.path] ? { path: `${root}${entries[a.path]}` } : undefined));
    // init() finds the core asc compiled into build/ (as in the unit tests, test/fixtures/wasm-source.ts).
    b.onResolve({ filter: /^\.\/wasm-source\.js$/ }, () => ({ path: 'wasm-source', namespace: 'swarmwire-source' }));
    b.onLoad({ filter: /.*/, namespace: 'swarmwire-source' }, () => ({
      resolveDir: `${root}src/core`, loader: 'js',
      contents: `import { fetchWasm } from './fetch-wasm.ts';
export const defaultWasm = () => fetchWasm(new URL(${JSON.stringify(pathToFileURL(`${root}build/swarmwire.wasm`).href)}));`,
    }));
  },
};

wasmFresh();
// Beside the script, so the script's own import.meta.url-relative paths (fixtures, README.md) still hold.
const path = resolve(script);
const out = join(dirname(path), `.${basename(path, '.mjs')}.source.mjs`);
await build({
  entryPoints: [path], outfile: out, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external',
  plugins: [source], logLevel: 'warning', sourcemap: 'inline',
});
process.argv = [process.argv[0], path, ...args];
try {
  await import(pathToFileURL(out).href);
} finally {
  rmSync(out, { force: true });
}
