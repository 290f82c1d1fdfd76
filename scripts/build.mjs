// npm run build: the wasm core (asc), then bundles (esbuild) and declarations (tsc), all into dist/.
// Entries (package.json "exports"), for Node and Deno (platform neutral, one copy of every class across them):
//   dist/index.js             swarmwire: the root entry (loads ./swarmwire.wasm)
//   dist/wire.js              swarmwire/wire: the wire contract
//   dist/transport.js         swarmwire/transport: transports and server pieces
//   dist/node.js              swarmwire/node (and its old name swarmwire/relay): Node servers
//   dist/lite.js              swarmwire/lite: the slim client (codec + WebSocket + RPC)
//   dist/worker.js            swarmwire/worker: the worker entry (worker/index.ts: a swarm's agent host) for Node worker_threads
//   dist/cli.js               the `swarmwire` command (bin/swarmwire.mjs loads it); not an export
//   dist/inline.js            swarmwire/inline on Node and Deno: the wasm inlined (src/standalone.ts)
//   dist/deno.js              swarmwire/deno (and swarmwire/relay/deno): Deno servers; also a script, `deno run
//                             --unstable-net -A dist/deno.js` (its chunks import nothing but each other and node:*)
// For browsers, Web Workers and their bundlers (conditions browser, worker), nothing of Node's:
//   dist/browser.js, dist/wire-browser.js, dist/transport-browser.js  the three layer entries, sharing chunks
//   dist/inline-browser.js    swarmwire/inline for browsers (src/standalone.ts)
//   dist/lite-browser.js      swarmwire/lite
//   dist/worker-browser.js    swarmwire/worker
//   dist/swarmwire.global.js  IIFE for <script>, global `swarmwire` (src/standalone.ts), wasm inlined
//   dist/swarmwire.esm.js     the same as one ESM file with no import left, for CDNs
//   dist/worker.global.js     the worker entry as a classic script, for `new Worker(url)`
// For Cloudflare Workers (condition workerd), the core imported as a module:
//   dist/workers.js, dist/wire-workers.js, dist/transport-workers.js  sharing chunks
// And dist/swarmwire.wasm (the core; swarmwire/lite needs none) and dist/types/ (.d.ts).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { build as esbuild } from 'esbuild';
import { inlineConstants, LITE_TABLES } from './inline-constants.mjs';
import { LITE_MANGLE_PROPS } from './lite-mangle.mjs';

const root = new URL('..', import.meta.url).pathname;
const run = (bin, args) => execFileSync(`${root}node_modules/.bin/${bin}`, args, { cwd: root, stdio: 'inherit' });
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));

// Progress: `npm start` builds before the relay starts, and a silent half-minute on a slow machine looks like a hang.
const STEPS = 3;
const started = performance.now();
const timings = [];
const step = (what) => {
  timings.push([what, performance.now()]);
  process.stdout.write(`swarmwire build: [${timings.length}/${STEPS}] ${what}…\n`);
};
const finish = () => {
  const end = performance.now();
  const took = timings.map(([what, at], i) => `${what.split(' ')[0]} ${(((timings[i + 1]?.[1] ?? end) - at) / 1000).toFixed(1)} s`);
  process.stdout.write(`swarmwire build: done in ${((end - started) / 1000).toFixed(1)} s (${took.join(', ')}): ${bundles} bundles, the wasm core and the declarations in dist/\n`);
};
let bundles = 0;
const build = (options) => esbuild(options).then((result) => (bundles++, result));

step('wasm core (asc)');
rmSync(`${root}dist`, { recursive: true, force: true });
mkdirSync(`${root}dist`, { recursive: true });
run('asc', ['--config', 'asconfig.json', '--target', 'release']);
copyFileSync(`${root}build/swarmwire.wasm`, `${root}dist/swarmwire.wasm`);

step('bundles (esbuild)');
// The version is written in for the CLI's --version, which must not read package.json at run time (the Deno bundle).
const common = {
  bundle: true, target: 'es2022', sourcemap: true, legalComments: 'none', logLevel: 'warning',
  define: { __SWARMWIRE_VERSION__: JSON.stringify(version) },
};
// keepNames: class and function names survive bundling and minifying, so errors print as `MeshError`, not
// `MeshError2` (esbuild renames a class whose name clashes with the const it is assigned to) or `e` (minified).
// Only in the files that run as they are — Node's and Deno's, the script-tag and CDN files: it writes a top-level
// `__name(fn, "fn")` for every function and class, which another bundler cannot drop, so in the files that browsers'
// bundlers tree-shake (browser.js, lite-browser.js, worker-browser.js, inline-browser.js, workers.js) it would keep
// the whole SDK in every bundle (the codec alone went from 11 to 53 KB gzipped, measured).
const runsAsIs = { keepNames: true };

/** One self-contained file: `entry` (from the repository root) bundled into dist/`file`. */
const bundle = (entry, file, options) => build({ ...common, entryPoints: [`${root}${entry}`], outfile: `${root}dist/${file}`, ...options });

// Several entries with code splitting: 'swarmwire', its layer and runtime subpaths share one copy of every class
// (instanceof must hold across them) and one wasm core (init() from one entry serves the others).
await build({
  ...common,
  ...runsAsIs,
  // lite (swarmwire/lite) rides along so its errors are the same classes as the full SDK's (one RpcError).
  // cli (the `swarmwire` command) shares the relay's chunks rather than carrying a second copy of it.
  entryPoints: {
    index: `${root}src/index.ts`, wire: `${root}src/wire/index.ts`, transport: `${root}src/transport/index.ts`, node: `${root}src/node.ts`,
    deno: `${root}src/deno.ts`, worker: `${root}worker/index.ts`, lite: `${root}src/lite/index.ts`, cli: `${root}src/relay/cli.ts`,
  },
  outdir: `${root}dist`,
  chunkNames: '[name]-[hash]', // beside the entries: the loader finds ./swarmwire.wasm relative to its own file
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  // @redis/client: an optional peer dependency, imported by the Redis bridge only when it is used.
  external: ['ws', 'node:*', '@redis/client'],
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
const nodeOnly = replace('node-only', /^(ws|node:fs\/promises|node:worker_threads|node:http|node:os)$/, `const fail = () => { throw new Error('[swarmwire] this needs Node (ws, node:fs, node:http, node:os, node:worker_threads)'); };
class NodeOnly { constructor() { fail(); } }
export const parentPort = null, STATUS_CODES = {};
export { NodeOnly as WebSocket, NodeOnly as WebSocketServer, NodeOnly as Worker, fail as readFile, fail as createServer, fail as availableParallelism, fail as cpus }; export default NodeOnly;`);

// The script-tag build cannot fetch a sibling file reliably (it does not know its own URL), so the wasm rides along;
// so it does in the inline builds, for bundles that put no swarmwire.wasm next to themselves.
const inlineWasm = replace('inline-wasm', /\/wasm-source\.js$/, `const b64 = ${JSON.stringify(readFileSync(`${root}build/swarmwire.wasm`).toString('base64'))};
export function defaultWasm() {
  const bin = atob(b64), bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return WebAssembly.compile(bytes);
}`);
// An IIFE has no import.meta: swarms in a page name their worker script, so the Node default (dist/worker.js beside
// the module) is left out of the script-tag files.
const noShippedEntry = replace('no-shipped-entry', /\/swarm-entry\.js$/, `export function shippedWorkerEntry() {
  throw new Error('[swarmwire] startSwarm in a page: name the worker script ({ worker: "…/dist/worker.global.js" })');
}`);
await bundle('src/standalone.ts', 'swarmwire.global.js', { ...runsAsIs, format: 'iife', globalName: 'swarmwire', platform: 'browser', minify: true, plugins: [inlineWasm, noShippedEntry, nodeOnly] });
// The worker entry for browsers: one classic script, so `new Worker('…/worker.global.js')` needs no import map.
await bundle('worker/index.ts', 'worker.global.js', { ...runsAsIs, format: 'iife', platform: 'browser', minify: true, plugins: [inlineWasm, noShippedEntry, nodeOnly] });

// Browsers, Web Workers and their bundlers (export conditions `browser`, `worker`): the layer entries with nothing of
// Node's, sharing chunks so a WireError from swarmwire/wire is the one swarmwire throws.
await build({
  ...common,
  entryPoints: { browser: `${root}src/index.ts`, 'wire-browser': `${root}src/wire/index.ts`, 'transport-browser': `${root}src/transport/index.ts` },
  outdir: `${root}dist`, chunkNames: 'browser-[hash]', splitting: true, format: 'esm', platform: 'browser', plugins: [nodeOnly],
});

// The worker entry for Web Workers and their bundlers (swarmwire/worker under `browser`, `worker`): dist/worker.js
// reaches node:worker_threads and node:fs, which a browser bundler cannot resolve.
await bundle('worker/index.ts', 'worker-browser.js', { format: 'esm', platform: 'browser', plugins: [nodeOnly] });

// The file CDN users import by URL: one ESM file with no import left to resolve (MessagePack bundled, the wasm
// inlined), so it loads without an import map.
await bundle('src/standalone.ts', 'swarmwire.esm.js', { ...runsAsIs, format: 'esm', platform: 'browser', mainFields: ['module', 'main'], minify: true, plugins: [inlineWasm, nodeOnly] });
// swarmwire/inline for browsers' bundlers: browser.js with the wasm inlined, so a bundle needs no swarmwire.wasm
// copied beside it (esbuild leaves `new URL('./swarmwire.wasm', import.meta.url)` pointing next to the bundle).
await bundle('src/standalone.ts', 'inline-browser.js', { format: 'esm', platform: 'browser', plugins: [inlineWasm, nodeOnly] });
// swarmwire/inline on Node and Deno: the wasm inlined, so an app bundled into one file (esbuild --platform=node)
// needs no swarmwire.wasm beside it; its dependencies stay imports, as in dist/index.js.
await bundle('src/standalone.ts', 'inline.js', { ...runsAsIs, format: 'esm', platform: 'neutral', external: ['ws', 'node:*'], plugins: [inlineWasm] });

// swarmwire/lite for browsers and their bundlers (conditions `browser`, `worker`): one file with nothing of Node's.
// Browsers and Web Workers all have a WebSocket global, so lite's loader of `ws` (Node 20's WebSocket) gives way to a
// stub: the Node-only stand-in it would bring cost lite 0.27 KB gzipped (measured).
const noNodeWebSocket = replace('no-node-websocket', /\/node-websocket\.js$/, `export async function nodeWebSocket() {
  throw new Error('[swarmwire] no WebSocket global, and swarmwire/lite for browsers does not load the ws package');
}`);
// Lite's size budget (12 KB): the wire's numbers and codes written in where they are read, as const enums would be
// (scripts/inline-constants.mjs; −1.05 KB gzipped, measured). Only here: the other files keep the tables' reads.
const inlined = await inlineConstants(root, LITE_TABLES);
// And two build settings (−0.18 KB gzipped, measured): mangleProps shortens the property names that never leave this
// file (scripts/lite-mangle.mjs says which, and why they may); minifySyntax writes the modules' top-level constants in
// where they are read (HEADER_SIZE, MAGIC, MAX_PAYLOAD…: a bundle turns them into `var`s, which a user's minifier must
// keep). Identifiers and whitespace stay as they are: the file remains readable, and a user's bundler minifies it.
await bundle('src/lite/index.ts', 'lite-browser.js', { format: 'esm', platform: 'browser', minifySyntax: true, mangleProps: LITE_MANGLE_PROPS, plugins: [inlined, noNodeWebSocket, nodeOnly] });

// Workers: the layer entries sharing chunks, the core imported as a module that wrangler / workerd compile.
const wasmModule = replace('wasm-module', /\/wasm-source\.js$/, `import wasm from './swarmwire.wasm';
export function defaultWasm() { return Promise.resolve(wasm); }`);
// workerd builds a module graph it can see whole: an import() of a computed specifier fails the upload, so loading an
// agent module by URL (LoadModule without importModule) says why instead.
const noImportByUrl = replace('no-import-by-url', /\/import-url\.js$/, `export function importByUrl(url) {
  return Promise.reject(new Error('[swarmwire] Cloudflare Workers cannot import ' + url + ' by URL: pass importModule'));
}`);
await build({
  ...common,
  entryPoints: { workers: `${root}src/edge/workers.ts`, 'wire-workers': `${root}src/wire/index.ts`, 'transport-workers': `${root}src/transport/index.ts` },
  outdir: `${root}dist`, chunkNames: 'workers-[hash]', splitting: true, format: 'esm', platform: 'neutral',
  external: ['./swarmwire.wasm'], plugins: [wasmModule, noImportByUrl, nodeOnly],
});

// keepNames' helper gives every named function an own `name` property, made for every instance of a closure: an
// arrow function in a class field or an object literal becomes `__name(() => …, "onOpen")`, and defining the name
// gives each such closure a property array of its own. On a relay that came to ~4 KB per connected peer (16
// closures of its session and socket at ~250 bytes each, in a heap snapshot at 2,000 peers:
// bench/relay-scale.bench.mjs). The helper below names only what has a `prototype` — classes and `function`s, the
// names errors and stack traces print (a class esbuild renamed, MeshError2 → MeshError: test/built-names.test.ts)
// — and leaves arrow functions as V8 made them (anonymous in a stack trace, as they are in the source's call).
// Only the unminified files carry the helper in this form; the minified ones (script tag, CDN) are for browsers,
// which hold one connection.
const NAME_HELPER = 'var __name = (target, value) => __defProp(target, "name", { value, configurable: true });';
const CHEAP_NAME_HELPER = 'var __name = (target, value) => target.name === value || !("prototype" in target) ? target : __defProp(target, "name", { value, configurable: true });';
for (const file of readdirSync(`${root}dist`).filter((f) => f.endsWith('.js'))) {
  const text = readFileSync(`${root}dist/${file}`, 'utf8');
  if (text.includes(NAME_HELPER)) writeFileSync(`${root}dist/${file}`, text.replace(NAME_HELPER, CHEAP_NAME_HELPER));
}

step('declarations (tsc)');
run('tsc', ['-p', 'tsconfig.build.json']);
// The script-tag build's types: what it puts on globalThis.
// The worker entry's types: it exports nothing; importing it (or starting it as a worker) runs it.
writeFileSync(`${root}dist/types/worker-entry.d.ts`, `// swarmwire/worker: the worker entry. startSwarm() starts it as a worker: an agent host that loads the modules
// its parent names. A worker script of your own calls startSwarmWorker({ agents }) from 'swarmwire' instead.
export {};
`);
writeFileSync(`${root}dist/types/global.d.ts`, `// swarmwire/global: the script-tag build sets globalThis.swarmwire.
import type * as Swarmwire from './standalone.js';
declare global {
  var swarmwire: typeof Swarmwire;
}
export {};
`);
finish();
