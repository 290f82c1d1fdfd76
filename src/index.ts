// swarmwire: what the README teaches, name by name (README "The API, name by name"). Connect, serve, call agents;
// the building blocks below them are in subpath entries, by layer and by runtime:
//   swarmwire/wire       the wire contract: frames, headers, MessagePack, CRC-32C, hashes (src/wire/index.ts)
//   swarmwire/transport  transports and what custom hosts build on (src/transport/index.ts)
//   swarmwire/node       Node servers: the relay, the Redis bridge, a WebSocket server (src/node.ts)
//   swarmwire/deno       Deno servers: the relay with WebTransport, upgrades (src/deno.ts)
//   swarmwire/workers    Cloudflare Workers: the Durable Object relay (src/edge/workers.ts)
//   swarmwire/worker     the entry a Web Worker or worker thread runs (worker/index.ts)
//   swarmwire/lite       the small client, with the same names where it does the same (src/lite/index.ts)
// Everything else is internal: not exported, free to change.

// The wasm core (optional: faster CRC-32C on large frames; needed for shared-memory rings)
export { init } from './core/wasm.js';
export type { CoreHandle, InitOptions, WasmSource } from './core/wasm.js';

// Connecting: one call for a URL, or a session over any transport
export { connect, connectSession } from './session/connect.js';
export type { ConnectOptions, ConnectSessionOptions, RetryInfo } from './session/connect.js';
export { connectWebSocket } from './transport/websocket.js';
export type { ConnectWebSocketOptions, WebSocketConstructor } from './transport/websocket.js';
export { connectWebTransport } from './transport/webtransport.js';
export type { ConnectWebTransportOptions } from './transport/webtransport.js';
export { connectFallback } from './transport/fallback.js';
export type { ConnectFallbackOptions } from './transport/fallback.js';
export { memoryPair } from './transport/memory.js';
export type { MemoryPairOptions } from './transport/memory.js';
export type { CloseInfo, Transport, TransportKind, TransportState } from './transport/transport.js';

// Web Workers and worker threads: shared-memory rings, postMessage where memory cannot be shared
export { acceptWorker, connectWorker, linkWorkers, sharedMemoryAvailable } from './transport/worker.js';
export type { AcceptWorkerOptions, ConnectWorkerOptions, WorkerLike, WorkerTransport } from './transport/worker.js';

// Sessions: the handshake, heartbeats, acked delivery across reconnects; serving them
export { Session } from './session/session.js';
export type { SessionEvents, SessionFrame, SessionOptions, SessionState } from './session/session.js';
export { SessionHost } from './session/host.js';
export type { HostOptions } from './session/host.js';
export type { Clock } from './core/clock.js';
// What sessions carry: frames of a message type, with MessagePack bodies (the rest of the codec: swarmwire/wire)
export { MessageType } from './wire/constants.js';
export { decodeBody } from './wire/frame.js';
export type { Frame, FrameInit } from './wire/frame.js';

// Identity and trust: key pairs, the node ids derived from them, where to keep them, who may connect
export { createIdentity } from './session/identity.js';
export type { Identity, IdentityOptions, KeyAlgorithm } from './session/identity.js';
export { exportIdentity, fileIdentityStore, importIdentity, indexedDbIdentityStore, loadIdentity, storageIdentityStore } from './session/identity-store.js';
export type { IdentityRecord, IdentityStore, KeyValueStorage } from './session/identity-store.js';
export { allowlist, sharedSecret } from './session/auth.js';
export type { Authorize, Grant, PeerIdentity } from './session/auth.js';

// RPC: Comlink-style typed proxies over any session or transport
export { expose } from './rpc/expose.js';
export type { ExposeOptions } from './rpc/expose.js';
export { describe, withOptions, wrap } from './rpc/wrap.js';
export type { WrapOptions } from './rpc/wrap.js';
export { finalizer, proxy, proxyMarker, releaseProxy, transfer, transferHandlers } from './rpc/markers.js';
export type { ProxyMarked, TransferHandler } from './rpc/markers.js';
export type { LocalArgument, ProxyMethods, Remote, RemoteConstructor, RemoteFunction, RemoteObject, RemoteProperty, RemoteResult } from './rpc/types.js';
export { currentCall } from './rpc/context.js';
export type { CallContext } from './rpc/context.js';
export { registerErrorClass } from './rpc/error-codec.js';
export type { CallOptions, ServeLimits } from './rpc/connection.js';
export type { RpcChannel, RpcLink } from './rpc/channel.js';
export type { MethodInfo, ModuleDescription } from './rpc/messages.js';
export { comlinkEndpoint } from './rpc/comlink.js';
export type { ComlinkEndpoint, ComlinkEndpointOptions, ComlinkMessageEvent } from './rpc/comlink.js';

// The mesh: nodes addressed by id, routing through relays, agents and their live migration
export { MeshNode } from './mesh/node.js';
export type { ConnectionStats, MeshFrame, MeshMessage, MeshNodeEvents, MeshNodeOptions, MeshPeer, NodeStats } from './mesh/node.js';
export { AgentHost } from './mesh/agent-host.js';
export type { Agent } from './mesh/snapshot.js';
export type { AgentExposeOptions, AgentChange, AgentHostOptions, AgentInfo, AgentProxy, SpawnOptions } from './mesh/agent-host.js';

// Swarms of worker agent hosts (Web Workers, worker_threads): startSwarm() on the page's side, startSwarmWorker() in a
// worker script of one's own (the shipped swarmwire/worker runs it). Node control underneath (LoadModule,
// UnloadModule, Stats: src/mesh/control.ts) stays internal.
export { Swarm, startSwarm } from './mesh/swarm.js';
export type { SwarmEvents, SwarmLoss, SwarmMember, SwarmOptions } from './mesh/swarm.js';
export { startSwarmWorker } from './mesh/swarm-worker.js';
export type { SwarmWorker, SwarmWorkerOptions } from './mesh/swarm-worker.js';
export type { AgentKind, RemoteStats } from './mesh/control.js';
export type { ModuleInfo } from './mesh/messages.js';

// Observability: one trace across every hop (W3C Trace Context on the wire), reported to OpenTelemetry
export { traceWithOpenTelemetry } from './rpc/otel.js';
export type { OpenTelemetryApi, OpenTelemetryOptions } from './rpc/otel.js';
export { setTracer } from './rpc/tracing.js';
export type { SpanHandle, SpanInfo, Tracer } from './rpc/tracing.js';
export type { TraceContext } from './wire/trace.js';
// Observability: a relay's metrics, as Prometheus text (what /metrics serves) or through an OpenTelemetry Meter
export { relayMetrics } from './relay/metrics.js';
export type { RelayMetricsSources } from './relay/metrics.js';
export { relayMetricsWithOpenTelemetry } from './relay/metrics-otel.js';
export type { OpenTelemetryMeter } from './relay/metrics-otel.js';
export type { CallLatencySnapshot } from './relay/call-latency.js';
export type { HistogramSnapshot } from './relay/histogram.js';

// The relay's logic, for any server (startRelay in swarmwire/node and startDenoRelay in swarmwire/deno wrap it)
export { Relay, RELAY_MODULE } from './relay/relay.js';
export type { PeerInfo, RelayOptions, RelayStats } from './relay/relay.js';

// Debug logging: DEBUG=swarmwire:* (Node, Deno), localStorage.debug (browsers), or configureDebug()
export { configureDebug } from './core/debug.js';
export type { DebugEvent, DebugLogger, DebugOptions } from './core/debug.js';

// Errors: one class per layer, each with a stable code and the Status an Error frame carries
export { SwarmwireError, WireError, WireErrorCode } from './wire/errors.js';
export { TransportError, TransportErrorCode } from './transport/transport.js';
export { SessionError, SessionErrorCode } from './session/errors.js';
export { RpcError, RpcErrorCode } from './rpc/errors.js';
export { MeshError, MeshErrorCode } from './mesh/errors.js';
export { Status } from './wire/constants.js';
export { CloseCode, Priority } from './transport/codes.js';
