// npm run build: the wasm core (asc), then bundles (esbuild) and declarations (tsc), all into dist/.
//   dist/index.js             ESM, for bundlers, Node, Deno and browsers with an import map (loads ./swarmwire.wasm)
//   dist/relay.js             ESM, Node only: the relay server (swarmwire/relay, and the `swarmwire relay` command)
//   dist/swarmwire.wasm       the core
//   dist/swarmwire.global.js  IIFE for <script>, global `swarmwire`, wasm and MessagePack inlined
//   dist/worker.js            ESM worker entry (worker/index.ts) for Node worker_threads: swarmwire/worker
//   dist/worker.global.js     the same entry as a classic script, for `new Worker(url)` in browsers
//   dist/types/               .d.ts
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const run = (bin, args) => execFileSync(`${root}node_modules/.bin/${bin}`, args, { cwd: root, stdio: 'inherit' });

rmSync(`${root}dist`, { recursive: true, force: true });
mkdirSync(`${root}dist`, { recursive: true });
run('asc', ['--config', 'asconfig.json', '--target', 'release']);
copyFileSync(`${root}build/swarmwire.wasm`, `${root}dist/swarmwire.wasm`);

const common = { bundle: true, target: 'es2022', sourcemap: true, legalComments: 'none', logLevel: 'warning' };

// Several entries with code splitting: 'swarmwire' and 'swarmwire/relay' share one copy of every class
// (instanceof must hold across them).
await build({
  ...common,
  entryPoints: { index: `${root}src/index.ts`, relay: `${root}src/relay/node.ts`, worker: `${root}worker/index.ts` },
  outdir: `${root}dist`,
  chunkNames: '[name]-[hash]', // beside the entries: the loader finds ./swarmwire.wasm relative to its own file
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  external: ['@msgpack/msgpack', 'ws', 'node:*'],
});

// The script-tag build cannot fetch a sibling file reliably (it does not know its own URL), so the wasm rides along.
const inlineWasm = {
  name: 'inline-wasm',
  setup(b) {
    b.onResolve({ filter: /\/wasm-source\.js$/ }, () => ({ path: 'inline-wasm-source', namespace: 'inline' }));
    b.onLoad({ filter: /.*/, namespace: 'inline' }, () => ({
      loader: 'js',
      contents: `const b64 = ${JSON.stringify(readFileSync(`${root}build/swarmwire.wasm`).toString('base64'))};
export function defaultWasm() {
  const bin = atob(b64), bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return WebAssembly.compile(bytes);
}`,
    }));
  },
};
// Script-tag builds: one classic script each, wasm inlined. `node:*` is only reached through dynamic imports on Node.
const classic = (entry, outfile, globalName) => build({
  ...common, entryPoints: [`${root}${entry}`], outfile: `${root}dist/${outfile}`, format: 'iife', globalName,
  platform: 'browser', minify: true, external: ['ws', 'node:*'], plugins: [inlineWasm],
});
await classic('src/index.ts', 'swarmwire.global.js', 'swarmwire');
// The worker entry for browsers, so `new Worker('…/worker.global.js')` needs no import map.
await classic('worker/index.ts', 'worker.global.js', undefined);

run('tsc', ['-p', 'tsconfig.build.json']);
