// swarmwire/node: the servers that need Node (node:http, the ws package). `npx swarmwire relay` runs startRelay.
// The relay's logic itself (Relay) is runtime-neutral and in the root entry.

// The relay server: status page, SDK files, WebSocket at /ws, its own agent host
export { startRelay } from './relay/node.js';
export type { RelayServer, RelayServerOptions } from './relay/node.js';
export type { AcceptAgents } from './relay/agents.js'; // who may move agents into its agent host

// Scale-out: relays linked through Redis (streams for acked frames, pub/sub for the rest)
export { bridgeRedis } from './relay/redis-bridge.js';
export type { RedisBridge, RedisBridgeOptions } from './relay/redis-bridge.js';
export { RedisError, RedisErrorCode } from './relay/redis-client.js'; // what bridgeRedis() rejects with
export type { RedisConnectOptions, RedisTlsOptions } from './relay/redis-client.js';

// A WebSocket server of one's own, with the pre-handshake limits (README "Reliability")
export { listenWebSocket } from './transport/websocket-node.js';
export type { ListenWebSocketOptions, WebSocketListener, WebSocketRequest } from './transport/websocket-node.js';
