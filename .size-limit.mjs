// npm run size: what a user ships, minified and gzipped, next to the RPC libraries it is compared with — all
// measured in the same run. The limits guard against growth: today's figures plus ~0.5 KB. The target (issue 7: JavaScript +
// wasm ≤ 12 KB for codec + one transport + RPC) is met by swarmwire/lite, not by the full SDK — see README "Size".
// `node scripts/size-why.mjs '{ names }'` lists what each source file adds to such a bundle.
const esm = (config) => ({ ...config, format: 'esm', logLevel: 'error' });
const codec = 'encodeFrame, decodeFrame, decodeBody';
const client = `${codec}, connectWebSocket, connectSession`;
// dist/browser.js is what browsers' bundlers pick (export condition `browser`): it has nothing of Node's to ignore.
const browser = 'dist/browser.js';

// Each shipped file whole. The minified ones (script tag, CDN) as they are; the others bundled with the chunks they
// import and minified, their dependencies (@msgpack/msgpack, ws, node:*) not counted.
const asShipped = (file, limit) => ({ name: `shipped: dist/${file} (as shipped)`, path: `dist/${file}`, disablePlugins: ['@size-limit/esbuild'], gzip: true, limit });
const whole = (file, limit) => ({
  name: `shipped: dist/${file} (whole, minified)`, path: `dist/${file}`, gzip: true, limit,
  modifyEsbuildConfig: (config) => ({ ...config, format: 'esm', platform: 'neutral', logLevel: 'error', external: ['@msgpack/msgpack', 'ws', 'node:*', './swarmwire.wasm'] }),
});
// +1.5 KB on the whole files that export the server side for issue 13's pre-handshake limits (the handshake gate and
// the WebSocket frame watch, listenWebSocket's own HTTP server: ~1.2 KB) and its other holes (measured against main).
const shipped = [
  asShipped('swarmwire.global.js', '61 KB'),
  asShipped('swarmwire.esm.js', '61 KB'),
  asShipped('worker.global.js', '11.5 KB'),
  whole('browser.js', '48.6 KB'),
  whole('inline-browser.js', '52.3 KB'),
  whole('worker-browser.js', '7.6 KB'),
  whole('lite-browser.js', '11.1 KB'),
  whole('index.js', '51.2 KB'),
  whole('inline.js', '54.7 KB'),
  whole('lite.js', '13.4 KB'),
  whole('worker.js', '50.2 KB'),
  whole('relay.js', '45.9 KB'),
  whole('relay-deno.js', '36.1 KB'),
  whole('workers.js', '51 KB'),
  whole('cli.js', '49.1 KB'),
];

export default [
  // +0.9 KB on the two RPC client limits for what RPC gained after its core (issue 5): deadline lanes instead of a
  // timer per call, ref finalizers, the concurrency limit, streams capped and answered when too large; +0.3 KB
  // measured after the ring (issue 3) merged beside it.
  // +0.2 KB on the two RPC client limits for hardening (issue 8): checked control-frame bodies, requireChecksum,
  // maxUnackedBytes, MessagePack collections bounded by their bytes (~0.1 KB gzipped, measured).
  // +0.5 KB on the three client limits for issue 13 (measured +0.35 / +0.35 / +0.2 KB): the WebSocket close
  // deadline and Critical frames ahead of a stalled backlog, writes opt-in and built-in prototypes cut off in RPC.
  { name: 'swarmwire client: codec + WebSocket transport + session + RPC + init()', path: browser, import: `{ init, ${client}, expose, wrap }`, gzip: true, limit: '28.5 KB', modifyEsbuildConfig: esm },
  // init() is optional (JavaScript fallbacks): a client that never calls it ships neither the loader nor the wasm.
  { name: 'swarmwire client with RPC, without init()', path: browser, import: `{ ${client}, expose, wrap }`, gzip: true, limit: '27.5 KB', modifyEsbuildConfig: esm },
  { name: 'swarmwire client without RPC', path: browser, import: `{ init, ${client} }`, gzip: true, limit: '20.5 KB', modifyEsbuildConfig: esm },
  // Loaded by init(), on its own request: the CRC tables are computed at init, not shipped. The shared-memory ring
  // (assembly/ring.ts, issue 3) adds ~0.3 KB.
  // swarmwire/lite (src/lite/): the codec + WebSocket + RPC within issue 7's 12 KB, with its own MessagePack subset
  // instead of @msgpack/msgpack and no session layer beyond the handshake (README "Lite client").
  { name: 'swarmwire/lite: connect + wrap + expose (codec + WebSocket + RPC)', path: 'dist/lite-browser.js', import: '{ connect, wrap, expose }', gzip: true, limit: '12 KB', modifyEsbuildConfig: esm },
  // With init() lite's wasm core (CRC-32C only, the entry after) comes on its own request: JavaScript + wasm must
  // stay within 12 KB, so this limit is 12 KB minus the wasm's limit.
  { name: 'swarmwire/lite with init()', path: 'dist/lite-browser.js', import: '{ init, connect, wrap, expose }', gzip: true, limit: '10.8 KB', modifyEsbuildConfig: esm },
  { name: 'swarmwire/lite wasm core (CRC-32C only)', path: 'dist/swarmwire-lite.wasm', disablePlugins: ['@size-limit/esbuild'], gzip: true, limit: '1.2 KB' },
  { name: 'swarmwire wasm core', path: 'dist/swarmwire.wasm', disablePlugins: ['@size-limit/esbuild'], gzip: true, limit: '2.5 KB' },
  { name: 'swarmwire codec only', path: browser, import: `{ ${codec} }`, gzip: true, limit: '11.5 KB', modifyEsbuildConfig: esm },
  // Every JavaScript file the package ships, whole (all its exports kept), as a runtime or a CDN loads it — not what a
  // tree-shaking bundler keeps of it (the rows above). The limits are today's figures plus ~2 %.
  ...shipped,
  { name: 'peer: birpc', path: 'node_modules/birpc/dist/index.mjs', import: '*', gzip: true, modifyEsbuildConfig: esm },
  { name: 'peer: comlink', path: 'node_modules/comlink/dist/esm/comlink.mjs', import: '*', gzip: true, modifyEsbuildConfig: esm },
  { name: 'peer: socket.io-client', path: 'node_modules/socket.io-client/build/esm/index.js', import: '{ io }', gzip: true, modifyEsbuildConfig: esm },
  { name: 'peer: capnweb', path: 'node_modules/capnweb/dist/index.js', import: '{ newWebSocketRpcSession }', gzip: true, modifyEsbuildConfig: esm },
];
