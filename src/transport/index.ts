// swarmwire/transport: the transport layer, for custom transports and custom servers. A transport moves whole
// frames and nothing else (docs/architecture.md "Transports"); the root entry has the connect* functions most
// programs need, this one the classes behind them, the server sides and the pieces to build a new transport with.
// Node's WebSocket server is in swarmwire/node, Deno's upgrades and WebTransport server in swarmwire/deno.

// The contract, its errors and codes
export { BaseTransport, CloseCode, Priority, TransportError, TransportErrorCode } from './transport.js';
export type { CloseInfo, Transport, TransportEvents, TransportKind, TransportState } from './transport.js';

// In-process pairs, with faults on demand
export { MemoryTransport, memoryPair } from './memory.js';
export type { MemoryFaults, MemoryPairOptions } from './memory.js';
export { FaultyTransport, faulty } from './faulty.js';
export type { FaultOptions, FaultStats } from './faulty.js';

// WebSocket: both sides; the limits a server applies before any handshake
export { DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_MAX_MESSAGE_BYTES, WebSocketTransport, acceptWebSocket, connectWebSocket } from './websocket.js';
export type { ConnectWebSocketOptions, WebSocketConstructor, WebSocketLike, WebSocketOptions } from './websocket.js';
export { DEFAULT_HANDSHAKE_LIMITS, HandshakeGate } from './handshake-gate.js';
export type { GuardedSocket, HandshakeLimits, Pass, Refusal, Refusals } from './handshake-gate.js';
export { originAllowed } from './origin.js';
export type { OriginPolicy } from './origin.js';

// WebTransport: both sides, the fallback to WebSocket, and the short-lived certificates browsers accept by hash
export { WebTransportTransport, acceptWebTransport, connectWebTransport } from './webtransport.js';
export type { ConnectWebTransportOptions, WebTransportConstructor, WebTransportLike, WebTransportOptions, WebTransportStreamLike } from './webtransport.js';
export { connectFallback } from './fallback.js';
export type { ConnectFallbackOptions } from './fallback.js';
export { generateCertificate } from './certificate.js';
export type { CertificateOptions, GeneratedCertificate } from './certificate.js';

// Workers: shared-memory rings and the postMessage fallback
export { acceptWorker, connectWorker, linkWorkers, sharedMemoryAvailable } from './worker.js';
export type { AcceptWorkerOptions, ConnectWorkerOptions, WorkerLike, WorkerPath, WorkerTransport } from './worker.js';
export { DEFAULT_LANE_BYTES, RingTransport, ringPair } from './ring.js';
export type { PortLike, RingOptions } from './ring.js';
export type { ReactorOptions, WaitMode } from './ring-reactor.js';
export { PostMessageTransport, postMessagePair } from './postmessage.js';
export type { PostMessageOptions } from './postmessage.js';

// Reconnecting: exponential backoff with full jitter
export { backoffDelay, reconnecting, seededRandom } from './backoff.js';
export type { BackoffOptions, ReconnectOptions } from './backoff.js';
