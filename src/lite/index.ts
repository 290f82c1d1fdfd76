// swarmwire/lite: the codec + one transport (WebSocket) + RPC, for pages and scripts that call agents and serve a
// few objects, in a fraction of the full SDK's size. Same wire contract (docs/protocol.md) — a lite client talks to
// full-SDK peers and relays — with what a small client can do without: no reconnects or acked replay, no streams,
// no proxy()/transfer(), no Map/Set/Date values (docs/architecture.md, "The lite profile"; README "Lite client").

// Connection: WebSocket + handshake + heartbeats
// Types named as the full SDK's are the full SDK's; lite's own (Lite…) are where lite takes or gives less.
export { connect, LiteConnection } from './connection.js';
export type { LiteConnectOptions, LiteServeLimits } from './connection.js';
export type { CloseInfo } from '../transport/transport.js';
export type { WebSocketConstructor } from '../transport/websocket.js';
// RPC
export { expose, withOptions, wrap } from './rpc.js';
export type { LiteExposeOptions, LiteRemote, LiteWrapOptions } from './rpc.js';
export type { CallOptions } from '../rpc/connection.js';
// MessagePack (the subset lite carries)
export { pack, unpack } from './msgpack.js';
export type { UnpackOptions } from './msgpack.js';
// Identities: a node's key pair (connect() makes a new one unless given one)
export { createIdentity, type Identity } from '../session/identity.js';
export { indexedDbIdentityStore, loadIdentity } from '../session/identity-store.js';
// Errors and the wire's numbers
export { SwarmwireError, WireError } from '../wire/errors.js';
export { RpcError, RpcErrorCode } from '../rpc/errors.js';
export { SessionError } from '../session/errors.js';
export { Status } from '../wire/constants.js';
