// swarmwire/deno: the servers that need Deno (Deno.serve, Deno.QuicEndpoint). dist/deno.js also runs as a script,
// `deno run --unstable-net -A …/dist/deno.js`: its chunks import nothing but each other, so no resolution is needed.
// The relay's logic itself (Relay) is runtime-neutral and in the root entry.

// The relay server: WebSocket and WebTransport on one port number
export { startDenoRelay } from './relay/deno.js';
export type { DenoRelayOptions, DenoRelayServer } from './relay/deno.js';

// A server of one's own: Deno.serve requests upgraded to WebSocket transports, a WebTransport endpoint
export { upgradeWebSocket } from './transport/websocket-deno.js';
export type { UpgradeWebSocketOptions } from './transport/websocket-deno.js';
export { listenWebTransport } from './transport/webtransport-deno.js';
export type { ListenWebTransportOptions, WebTransportListener } from './transport/webtransport-deno.js';
