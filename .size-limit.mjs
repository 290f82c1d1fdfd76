// npm run size: what a user ships, minified and gzipped, next to the RPC libraries it is compared with — all
// measured in the same run. The limits guard against growth: today's figures plus ~0.5 KB. The target (issue 7: JavaScript +
// wasm ≤ 12 KB for codec + one transport + RPC) is swarmwire/lite's, not the full SDK's — see README "Size".
// `node scripts/size-why.mjs '{ names }'` lists what each source file adds to such a bundle.
const esm = (config) => ({ ...config, format: 'esm', logLevel: 'error' });
const codec = 'encodeFrame, decodeFrame, decodeBody';
const client = `${codec}, connectWebSocket, connectSession`;
// dist/browser.js is what browsers' bundlers pick (export condition `browser`): it has nothing of Node's to ignore.
const browser = 'dist/browser.js';

// Each shipped file whole. The minified ones (script tag, CDN) as they are; the others bundled with the chunks they
// import and minified, their dependencies (ws, node:*) not counted. Since the MessagePack codec became swarmwire's own
// (src/wire/msgpack/), it is inside every file: the files that left @msgpack/msgpack out grew by it (~0.6–0.9 KB),
// those that inlined @msgpack/msgpack shrank (script tag −4 KB, Deno relay −4.7 KB).
const asShipped = (file, limit) => ({ name: `shipped: dist/${file} (as shipped)`, path: `dist/${file}`, disablePlugins: ['@size-limit/esbuild'], gzip: true, limit });
const whole = (file, limit) => ({
  name: `shipped: dist/${file} (whole, minified)`, path: `dist/${file}`, gzip: true, limit,
  modifyEsbuildConfig: (config) => ({ ...config, format: 'esm', platform: 'neutral', logLevel: 'error', external: ['ws', 'node:*', './swarmwire.wasm'] }),
});
// +1.5 KB on the whole files that export the server side, for issue 13's pre-handshake limits (the handshake gate,
// the WebSocket frame watch and listenWebSocket's own HTTP server: ~1.2 KB) and its other holes (measured against
// main: +1.1 to +1.7 KB).
// +5–6 KB on the whole files that export the root, for issue 16's worker swarms (startSwarm, startSwarmWorker and
// node control: LoadModule, UnloadModule, Stats; ~1,000 lines), measured against main. The worker entries
// (worker.global.js, worker-browser.js) grew from an echo to an agent host — mesh node, agent host, RPC, session,
// and the WebSocket client to join a relay: 11.5 → 49 KB and 7.7 → 43 KB. relay.js and cli.js +1.2 KB: the
// dashboard starts a swarm and serves its agent module.
const shipped = [
  asShipped('swarmwire.global.js', '68 KB'),
  asShipped('swarmwire.esm.js', '67.9 KB'),
  asShipped('worker.global.js', '49.4 KB'),
  whole('browser.js', '61.3 KB'),
  whole('inline-browser.js', '64.1 KB'),
  whole('worker-browser.js', '43.8 KB'), // +0.1 KB: the ring border as objects in src/core (issue 15: RingEnd, Bell)
  whole('lite-browser.js', '13.7 KB'),
  whole('index.js', '64.8 KB'),
  whole('inline.js', '67.6 KB'),
  whole('lite.js', '17.2 KB'),
  whole('worker.js', '62.8 KB'),
  whole('relay.js', '53.1 KB'),
  whole('relay-deno.js', '38.6 KB'),
  whole('workers.js', '63.5 KB'),
  whole('cli.js', '57.5 KB'),
];

export default [
  // +0.9 KB on the two RPC client limits for what RPC gained after its core (issue 5): deadline lanes instead of a
  // timer per call, ref finalizers, the concurrency limit, streams capped and answered when too large; +0.3 KB
  // measured after the ring (issue 3) merged beside it.
  // +0.2 KB on the two RPC client limits for hardening (issue 8): checked control-frame bodies, requireChecksum,
  // maxUnackedBytes, MessagePack collections bounded by their bytes (~0.1 KB gzipped, measured).
  // −3.8 KB on the client limits when the MessagePack codec became swarmwire's own (src/wire/msgpack/, issues 13 and
  // 15) instead of @msgpack/msgpack (5.9 KB on its own).
  // +0.35 / +0.35 / +0.2 KB on the three client rows for issue 13 (measured against main): the WebSocket close
  // deadline and Critical frames ahead of a stalled backlog, RPC writes opt-in and built-in prototypes cut off.
  // +2.2 KB on the client limits, and ~4–5 KB on the whole shipped files, for node identities (issue 13: WebCrypto
  // key pairs, the four-step handshake with its proofs, authorization grants, trusted relays), as measured on the
  // identity branch (the client with RPC: 24.6 → 26.7 KB).
  { name: 'swarmwire client: codec + WebSocket transport + session + RPC + init()', path: browser, import: `{ init, ${client}, expose, wrap }`, gzip: true, limit: '27.5 KB', modifyEsbuildConfig: esm },
  // init() is optional (JavaScript fallbacks): a client that never calls it ships neither the loader nor the wasm.
  { name: 'swarmwire client with RPC, without init()', path: browser, import: `{ ${client}, expose, wrap }`, gzip: true, limit: '26.4 KB', modifyEsbuildConfig: esm },
  { name: 'swarmwire client without RPC', path: browser, import: `{ init, ${client} }`, gzip: true, limit: '19.1 KB', modifyEsbuildConfig: esm },
  // swarmwire/lite (src/lite/): the codec + WebSocket + RPC, with the full SDK's MessagePack codec (without the RPC
  // extension types) and no session layer beyond the handshake (README "Lite client"). It has no wasm: JavaScript is
  // the whole of it. The identity handshake (issue 13, a must: the full SDK's InitiatorHandshake, WebCrypto keys and
  // proofs) cost lite 2.15 KB (10.54 → 12.69 KB, measured with the CRC already gone); leaving out CHECKSUM (the
  // JavaScript CRC-32C, init() and its 1.15 KB wasm) gave back 0.47 KB of JavaScript (11.01 → 10.54 KB); +0.09 KB
  // for frames right behind HelloDone kept, and errors that say why (a connect failure the runtime gives no reason
  // for; a function passed as a value); +0.16 KB for issue 13's reachability rules (RPC's walk stops at built-in
  // prototypes); −0.34 KB found in lite without dropping a feature or a word of an error: the browser build no longer
  // carries the Node-only stand-in for `ws` (−0.27 KB: browsers have a WebSocket global), frames named as the
  // header's fields and copied by spreading (−0.04), payloads read with the plain policy directly (−0.03), node ids
  // as hex by the wire layer's idHex (−0.01). So lite is 0.59 KB over issue 7's 12 KB until issue 15 rebuilds it on
  // the shared session core; the limit is today's figure, so it can only shrink.
  // Issue 15 (one protocol core) added 0.29 KB to lite: its Goodbye and Error bodies are read by the session layer's
  // checked readers (a malformed Goodbye is a violation, as everywhere: the conformance suite found lite lenient), a
  // COMPRESSED frame nobody agreed to is refused, and requests are served by the RPC layer's one dispatcher (+0.1 KB
  // over lite's own copy). The full SDK's client rows grew 0.16 KB for the session core's indirection.
  { name: 'swarmwire/lite: connect + wrap + expose (codec + WebSocket + RPC)', path: 'dist/lite-browser.js', import: '{ connect, wrap, expose }', gzip: true, limit: '12.95 KB', modifyEsbuildConfig: esm },
  // Loaded by init(), on its own request: the CRC tables are computed at init, not shipped. The shared-memory ring
  // (assembly/ring.ts, issue 3) adds ~0.3 KB.
  { name: 'swarmwire wasm core', path: 'dist/swarmwire.wasm', disablePlugins: ['@size-limit/esbuild'], gzip: true, limit: '2.5 KB' },
  { name: 'swarmwire codec only', path: browser, import: `{ ${codec} }`, gzip: true, limit: '7.5 KB', modifyEsbuildConfig: esm },
  // Every JavaScript file the package ships, whole (all its exports kept), as a runtime or a CDN loads it — not what a
  // tree-shaking bundler keeps of it (the rows above). The limits are today's figures plus ~2 %.
  ...shipped,
  { name: 'peer: birpc', path: 'node_modules/birpc/dist/index.mjs', import: '*', gzip: true, modifyEsbuildConfig: esm },
  { name: 'peer: comlink', path: 'node_modules/comlink/dist/esm/comlink.mjs', import: '*', gzip: true, modifyEsbuildConfig: esm },
  { name: 'peer: socket.io-client', path: 'node_modules/socket.io-client/build/esm/index.js', import: '{ io }', gzip: true, modifyEsbuildConfig: esm },
  { name: 'peer: capnweb', path: 'node_modules/capnweb/dist/index.js', import: '{ newWebSocketRpcSession }', gzip: true, modifyEsbuildConfig: esm },
];
