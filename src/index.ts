// swarmwire's public API. Layers, lowest first: core (wasm) → wire → transport → session → rpc → mesh.

// Loading the wasm core
export { init } from './core/wasm.js';
export type { CoreHandle, InitOptions, WasmSource } from './core/wasm.js';

// Wire contract: constants and errors
export { CHECKSUM_SIZE, Feature, HEADER_SIZE, MAGIC, MAX_PAYLOAD, MIN_PROTOCOL_VERSION, MIN_VERSION, MessageType, PROTOCOL_VERSION, Status, VERSION } from './wire/constants.js';
export type { Role } from './wire/constants.js';
export { SwarmwireError, WireError, WireErrorCode } from './wire/errors.js';

// Checksums and hashes
export { crc32c } from './wire/crc32c.js';
export { fnv1a32, fnv1a64 } from './wire/fnv.js';

// Headers: the friendly form, and the allocation-free form for hot paths
export { decodeHeader, encodeHeader, headerFields, isKnownType, readHeader, writeHeader } from './wire/header.js';
export type { FrameHeader, HeaderFields, HeaderInit } from './wire/header.js';

// Frames, payloads, byte streams
export { decodeBody, decodeFrame, decodeFrames, encodeFrame, frameSize } from './wire/frame.js';
export type { CodecOptions, Frame, FrameInit } from './wire/frame.js';
export { pack, unpack } from './wire/payload.js';
export { FrameReader } from './wire/framer.js';
export type { FrameReaderOptions } from './wire/framer.js';

// Handshake
export { negotiate, parseHello, parseHelloProof } from './wire/hello.js';
export type { Hello, HelloProofBody, Negotiated } from './wire/hello.js';

// Routed envelopes (forwarding through relays)
export { DEFAULT_TTL, parseRouted, routedBody } from './wire/routed.js';
export type { RoutedBody } from './wire/routed.js';

// Transports: the contract, and one factory per mechanism
export { BaseTransport, CloseCode, Priority, TransportError, TransportErrorCode } from './transport/transport.js';
export type { CloseInfo, Transport, TransportEvents, TransportKind, TransportState } from './transport/transport.js';
export { memoryPair } from './transport/memory.js';
export type { MemoryFaults, MemoryPairOptions, MemoryTransport } from './transport/memory.js';
export { acceptWebSocket, connectWebSocket, DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_MAX_MESSAGE_BYTES, WebSocketTransport } from './transport/websocket.js';
export type { ConnectWebSocketOptions, WebSocketConstructor, WebSocketLike, WebSocketOptions } from './transport/websocket.js';
export { listenWebSocket } from './transport/websocket-node.js';
export type { ListenWebSocketOptions, WebSocketListener, WebSocketRequest } from './transport/websocket-node.js';
export { DEFAULT_HANDSHAKE_LIMITS, HandshakeGate } from './transport/handshake-gate.js';
export type { GuardedSocket, HandshakeLimits, Pass, Refusal } from './transport/handshake-gate.js';
export { upgradeWebSocket } from './transport/websocket-deno.js';
export type { UpgradeWebSocketOptions } from './transport/websocket-deno.js';
export { backoffDelay, reconnecting, seededRandom } from './transport/backoff.js';
export type { BackoffOptions, ReconnectOptions } from './transport/backoff.js';

// Sessions: handshake, heartbeats, acked delivery across reconnects
export { Session, HANDSHAKE_MAX_PAYLOAD } from './session/session.js';
export { acceptHandshake } from './session/accept.js';
export { InitiatorHandshake, ResponderHandshake } from './session/handshake.js';
export type { LocalHello } from './session/handshake.js';
export type { AcceptHandshakeOptions, Accepted } from './session/accept.js';
export type { SessionEvents, SessionFrame, SessionOptions, SessionState } from './session/session.js';
export { connectSession } from './session/connect.js';
export type { ConnectOptions } from './session/connect.js';
export { SessionHost } from './session/host.js';
export type { HostOptions } from './session/host.js';
export { SessionError, SessionErrorCode } from './session/errors.js';
export type { ErrorBody, GoodbyeBody, Peer, PingBody } from './session/messages.js';

// The relay's logic (its Node server is the subpath export 'swarmwire/relay')
export { Relay, RELAY_MODULE } from './relay/relay.js';
export type { BroadcastBody, PeerInfo, RelayOptions, RelayStats } from './relay/relay.js';

// Web Worker links: shared-memory rings, with postMessage as the fallback (issue 3)
export { acceptWorker, connectWorker, linkWorkers, sharedMemoryAvailable } from './transport/worker.js';
export type { AcceptWorkerOptions, ConnectWorkerOptions, WorkerLike, WorkerPath, WorkerTransport } from './transport/worker.js';
export { DEFAULT_LANE_BYTES, RingTransport, ringPair } from './transport/ring.js';
export type { PortLike, RingOptions } from './transport/ring.js';
export type { ReactorOptions, WaitMode } from './transport/ring-reactor.js';
export { PostMessageTransport, postMessagePair } from './transport/postmessage.js';
export type { PostMessageOptions } from './transport/postmessage.js';

// RPC: Comlink-style typed proxies over any session or transport (expose / wrap, callbacks, streams, cancellation)
export { expose } from './rpc/expose.js';
export type { ExposeOptions } from './rpc/expose.js';
export { describe, withOptions, wrap } from './rpc/wrap.js';
export type { WrapOptions } from './rpc/wrap.js';
export { isProxyMarked, proxy, proxyMarker, releaseProxy, transfer } from './rpc/markers.js';
export type { ProxyMarked } from './rpc/markers.js';
export type { LocalArgument, ProxyMethods, Remote, RemoteFunction, RemoteObject, RemoteProperty, RemoteResult } from './rpc/types.js';
export { currentCall } from './rpc/context.js';
export type { CallContext } from './rpc/context.js';
export { registerErrorClass } from './rpc/error-codec.js';
export { RpcError, RpcErrorCode } from './rpc/errors.js';
export type { CallOptions, ServeLimits } from './rpc/connection.js';
export type { RpcChannel, RpcLink } from './rpc/channel.js';
export { ExtType, INITIAL_STREAM_CREDIT, Op, StreamKind } from './rpc/messages.js';
export type { MethodInfo, ModuleDescription, OpBody, RemoteErrorData, SerializedError, StreamHandleBody } from './rpc/messages.js';
export { comlinkEndpoint } from './rpc/comlink.js';
export type { ComlinkEndpoint, ComlinkEndpointOptions } from './rpc/comlink.js';

// Edge runtimes and scale-out: what other relay hosts plug into. The Durable Object relay ships in the Workers
// build ('swarmwire' under the workerd condition, or 'swarmwire/workers'); the Redis bridge in 'swarmwire/relay'.
export type { RelayPeer, RelayUplink, RoutedOut } from './relay/relay.js';

// WebTransport: the transport (browsers, Deno), Deno's server, WebSocket fallback, and relay certificates
export { acceptWebTransport, connectWebTransport, WebTransportTransport } from './transport/webtransport.js';
export type { ConnectWebTransportOptions, WebTransportConstructor, WebTransportLike, WebTransportOptions, WebTransportStreamLike } from './transport/webtransport.js';
export { listenWebTransport } from './transport/webtransport-deno.js';
export type { ListenWebTransportOptions, WebTransportListener } from './transport/webtransport-deno.js';
export { connectFallback } from './transport/fallback.js';
export type { ConnectFallbackOptions } from './transport/fallback.js';
export { generateCertificate } from './relay/certificate.js';
export type { CertificateOptions, GeneratedCertificate } from './relay/certificate.js';

// Hardening: fault injection for chaos tests, authentication hooks, limits
export { faulty, FaultyTransport } from './transport/faulty.js';
export type { FaultOptions, FaultStats } from './transport/faulty.js';
export { allowlist, sharedSecret } from './session/auth.js';
export type { Authorize, Grant, PeerIdentity } from './session/auth.js';

// Node identities: key pairs, the ids derived from them, and where to keep them
export { createIdentity, deriveNodeId, identityFromKeys, supportsEd25519 } from './session/identity.js';
export type { Identity, IdentityOptions, KeyAlgorithm } from './session/identity.js';
export { exportIdentity, fileIdentityStore, importIdentity, indexedDbIdentityStore, loadIdentity, storageIdentityStore } from './session/identity-store.js';
export type { IdentityRecord, IdentityStore, KeyValueStorage } from './session/identity-store.js';
export { originAllowed } from './transport/origin.js';
export type { OriginPolicy } from './transport/origin.js';

// The mesh: nodes addressed by id, routing through relays, discovery, load, agents and their migration
export { MeshNode } from './mesh/node.js';
export type { ConnectionStats, MeshFrame, MeshMessage, MeshNodeEvents, MeshNodeOptions, MeshPeer, NodeStats } from './mesh/node.js';
export { Router, bounce, routedOrigin } from './mesh/router.js';
export type { DirectPeer, RouteDecision } from './mesh/router.js';
export { MeshError, MeshErrorCode } from './mesh/errors.js';
export { idBytes, idHex } from './mesh/ids.js';
export { MAX_ROUTE_HOPS } from './mesh/messages.js';
export { MAX_KNOWN_PEERS, parseAgentQuery, parseDiscovery, parseLoadInfo, parseMigration, parseMigrationAck } from './mesh/parse.js';
export type { AgentLocation, AgentMigrationBody, AgentQueryBody, DiscoveryBody, KnownPeer, LoadInfoBody, MigrationAckBody, MovedData } from './mesh/messages.js';
export { AgentHost } from './mesh/agent-host.js';
export type { AgentHostOptions, AgentInfo, AgentExposeOptions, AgentProxy, SpawnOptions } from './mesh/agent-host.js';
export type { Agent } from './mesh/snapshot.js';
export { PeerLink, isRpcType } from './mesh/link.js';
export { compareLoad, leastLoaded } from './mesh/placement.js';
export type { Candidate } from './mesh/placement.js';

// Swarms of worker agent hosts: node control (LoadModule, UnloadModule, Stats), the page side and the worker side
export { construct, kindsOf, loadModule, nodeStats, serveControl, unloadModule } from './mesh/control.js';
export type { AgentKind, ControlOptions, ControlServer, RemoteStats } from './mesh/control.js';
export { parseModuleInfo, parseModuleRequest, parseStats } from './mesh/parse.js';
export type { AgentStatsBody, ConnectionStatsBody, LoadModuleBody, ModuleInfo, StatsBody, UnloadModuleBody } from './mesh/messages.js';
export { Swarm, defaultSwarmSize, startSwarm } from './mesh/swarm.js';
export type { SwarmEvents, SwarmLoss, SwarmMember, SwarmOptions } from './mesh/swarm.js';
export { startSwarmWorker } from './mesh/swarm-worker.js';
export type { SwarmWorker, SwarmWorkerOptions } from './mesh/swarm-worker.js';
