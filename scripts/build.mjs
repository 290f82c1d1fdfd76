// npm run build: the wasm core (asc), then bundles (esbuild) and declarations (tsc), all into dist/.
//   dist/index.js             ESM, for bundlers, Node, Deno and browsers with an import map (loads ./swarmwire.wasm)
//   dist/lite.js              ESM, swarmwire/lite: the slim client (codec + WebSocket + RPC, no @msgpack/msgpack)
//   dist/lite-browser.js      the same for browsers and their bundlers (export conditions browser, worker): nothing of Node's
//   dist/relay.js             ESM, Node only: the relay server (swarmwire/relay, and the `swarmwire relay` command)
//   dist/relay-deno.js        ESM, Deno only, self-contained: the relay with WebTransport (deno run --unstable-net -A)
//   dist/swarmwire.wasm       the core
//   dist/swarmwire-lite.wasm  swarmwire/lite's core: CRC-32C only, unshared memory
//   dist/swarmwire.global.js  IIFE for <script>, global `swarmwire`, wasm and MessagePack inlined
//   dist/workers.js           ESM for Cloudflare Workers (export condition workerd): imports the wasm as a module
//   dist/browser.js           ESM for browsers and their bundlers (export conditions browser, worker): nothing of Node's
//   dist/worker.js            ESM worker entry (worker/index.ts) for Node worker_threads: swarmwire/worker
//   dist/worker.global.js     the same entry as a classic script, for `new Worker(url)` in browsers
//   dist/types/               .d.ts
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const run = (bin, args) => execFileSync(`${root}node_modules/.bin/${bin}`, args, { cwd: root, stdio: 'inherit' });

rmSync(`${root}dist`, { recursive: true, force: true });
mkdirSync(`${root}dist`, { recursive: true });
run('asc', ['--config', 'asconfig.json', '--target', 'release']);
copyFileSync(`${root}build/swarmwire.wasm`, `${root}dist/swarmwire.wasm`);
// swarmwire/lite's core: the CRC-32C kernel alone, on a memory of its own (assembly/lite.ts).
run('asc', ['--config', 'asconfig.lite.json', '--target', 'release']);
copyFileSync(`${root}build/swarmwire-lite.wasm`, `${root}dist/swarmwire-lite.wasm`);

const common = { bundle: true, target: 'es2022', sourcemap: true, legalComments: 'none', logLevel: 'warning' };

// Several entries with code splitting: 'swarmwire' and 'swarmwire/relay' share one copy of every class
// (instanceof must hold across them).
await build({
  ...common,
  // lite (swarmwire/lite) rides along so its errors are the same classes as the full SDK's (one RpcError).
  entryPoints: { index: `${root}src/index.ts`, relay: `${root}src/relay/node.ts`, worker: `${root}worker/index.ts`, lite: `${root}src/lite/index.ts` },
  outdir: `${root}dist`,
  chunkNames: '[name]-[hash]', // beside the entries: the loader finds ./swarmwire.wasm relative to its own file
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  external: ['@msgpack/msgpack', 'ws', 'node:*'],
});

// The Deno relay is one self-contained file (MessagePack inlined) so `deno run` needs no node_modules resolution.
await build({
  ...common,
  entryPoints: [`${root}src/relay/deno.ts`],
  outfile: `${root}dist/relay-deno.js`,
  format: 'esm',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  external: ['ws', 'node:*'], // only reached through dynamic imports on Node
});

/** An esbuild plugin that replaces the modules matching `filter` with `contents`. */
const replace = (name, filter, contents) => ({
  name,
  setup(b) {
    b.onResolve({ filter }, () => ({ path: name, namespace: name }));
    b.onLoad({ filter: /.*/, namespace: name }, () => ({ loader: 'js', contents }));
  },
});
// Node-only modules, reached through dynamic imports on Node alone. Left in, bundlers for browsers and wrangler
// would try to resolve them (and fail); the stand-ins say what went wrong if anything ever calls them.
const nodeOnly = replace('node-only', /^(ws|node:fs\/promises|node:worker_threads|node:http)$/, `const fail = () => { throw new Error('[swarmwire] this needs Node (ws, node:fs, node:http, node:worker_threads)'); };
class NodeOnly { constructor() { fail(); } }
export const parentPort = null, STATUS_CODES = {};
export { NodeOnly as WebSocket, NodeOnly as WebSocketServer, fail as readFile, fail as createServer }; export default NodeOnly;`);

// The script-tag build cannot fetch a sibling file reliably (it does not know its own URL), so the wasm rides along.
const inlineWasm = replace('inline-wasm', /\/wasm-source\.js$/, `const b64 = ${JSON.stringify(readFileSync(`${root}build/swarmwire.wasm`).toString('base64'))};
export function defaultWasm() {
  const bin = atob(b64), bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return WebAssembly.compile(bytes);
}`);
await build({
  ...common,
  entryPoints: [`${root}src/index.ts`],
  outfile: `${root}dist/swarmwire.global.js`,
  format: 'iife',
  globalName: 'swarmwire',
  platform: 'browser',
  minify: true,
  plugins: [inlineWasm, nodeOnly],
});
// The worker entry for browsers: one classic script, so `new Worker('…/worker.global.js')` needs no import map.
await build({
  ...common,
  entryPoints: [`${root}worker/index.ts`],
  outfile: `${root}dist/worker.global.js`,
  format: 'iife',
  platform: 'browser',
  minify: true,
  plugins: [inlineWasm, nodeOnly],
});

// Browsers, Web Workers and their bundlers (export conditions `browser`, `worker`): one ESM file with nothing of Node's.
await build({
  ...common,
  entryPoints: [`${root}src/index.ts`],
  outfile: `${root}dist/browser.js`,
  format: 'esm',
  platform: 'browser',
  external: ['@msgpack/msgpack'],
  plugins: [nodeOnly],
});

// swarmwire/lite for browsers and their bundlers (conditions `browser`, `worker`): one file with nothing of Node's.
await build({
  ...common,
  entryPoints: [`${root}src/lite/index.ts`],
  outfile: `${root}dist/lite-browser.js`,
  format: 'esm',
  platform: 'browser',
  plugins: [nodeOnly],
});

// Workers: one file (no shared chunks), the core imported as a module that wrangler / workerd compile.
const wasmModule = replace('wasm-module', /\/wasm-source\.js$/, `import wasm from './swarmwire.wasm';
export function defaultWasm() { return Promise.resolve(wasm); }`);
await build({
  ...common,
  entryPoints: [`${root}src/edge/workers.ts`],
  outfile: `${root}dist/workers.js`,
  format: 'esm',
  platform: 'neutral',
  external: ['@msgpack/msgpack', './swarmwire.wasm'],
  plugins: [wasmModule, nodeOnly],
});

run('tsc', ['-p', 'tsconfig.build.json']);
// The script-tag build's types: what it puts on globalThis.
// The worker entry's types: it exports nothing; importing it (or starting it as a worker) runs it.
writeFileSync(`${root}dist/types/worker-entry.d.ts`, `// swarmwire/worker: the worker entry. Start it as a worker; it answers connectWorker() and echoes.
export {};
`);
writeFileSync(`${root}dist/types/global.d.ts`, `// swarmwire/global: the script-tag build sets globalThis.swarmwire.
import type * as Swarmwire from './index.js';
declare global {
  var swarmwire: typeof Swarmwire;
}
export {};
`);
