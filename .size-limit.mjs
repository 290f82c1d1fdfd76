// npm run size: what a user ships, minified and gzipped, next to the RPC libraries it is compared with — all
// measured in the same run. The limits guard against growth from today's figures; the target (issue 7: JavaScript +
// wasm ≤ 12 KB) is not met yet — see README "Size".
const esm = (config) => ({ ...config, format: 'esm', logLevel: 'error' });
const client = '{ init, encodeFrame, decodeFrame, decodeBody, connectWebSocket, connectSession }';
const clientRpc = '{ init, encodeFrame, decodeFrame, decodeBody, connectWebSocket, connectSession, expose, wrap }';
// dist/browser.js is what browsers' bundlers pick (export condition `browser`): it has nothing of Node's to ignore.
const browser = 'dist/browser.js';

export default [
  // RPC grew by ~1.6 KB (gzip) after the core: the fast codec for simple values (about 2× calls/s), deadline lanes,
  // ref finalizers, the concurrency limit, error classes of every layer. Module-level state is /* @__PURE__ */, so
  // the client without RPC got smaller (19.0 → 17.6 KB).
  { name: 'swarmwire client: codec + WebSocket transport + session + RPC', path: browser, import: clientRpc, gzip: true, limit: '26.5 KB', modifyEsbuildConfig: esm },
  { name: 'swarmwire client without RPC', path: browser, import: client, gzip: true, limit: '19 KB', modifyEsbuildConfig: esm },
  { name: 'swarmwire wasm core', path: 'dist/swarmwire.wasm', disablePlugins: ['@size-limit/esbuild'], gzip: true, limit: '15.5 KB' },
  { name: 'swarmwire codec only', path: browser, import: '{ encodeFrame, decodeFrame, decodeBody }', gzip: true, modifyEsbuildConfig: esm },
  { name: 'peer: birpc', path: 'node_modules/birpc/dist/index.mjs', import: '*', gzip: true, modifyEsbuildConfig: esm },
  { name: 'peer: comlink', path: 'node_modules/comlink/dist/esm/comlink.mjs', import: '*', gzip: true, modifyEsbuildConfig: esm },
  { name: 'peer: socket.io-client', path: 'node_modules/socket.io-client/build/esm/index.js', import: '{ io }', gzip: true, modifyEsbuildConfig: esm },
  { name: 'peer: capnweb', path: 'node_modules/capnweb/dist/index.js', import: '{ newWebSocketRpcSession }', gzip: true, modifyEsbuildConfig: esm },
];
