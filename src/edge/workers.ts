// The Cloudflare Workers entry: what `import … from 'swarmwire'` gives under the `workerd` export condition (and
// 'swarmwire/workers'). The whole SDK, plus the Durable Object relay. scripts/build.mjs swaps the wasm loader for a static
// `import … from './swarmwire.wasm'`: workerd refuses to compile wasm from bytes, so the core must arrive as a
// module the runtime compiled, and init() with no arguments uses it.
export * from '../index.js';

// The relay as a Durable Object
export { SwarmwireRelay } from './durable-relay.js';
export type { DurableRelayOptions } from './durable-relay.js';
export type { NodeRecord } from './durable-peer.js';
export { DurableAgents } from './durable-agents.js';
export type { DurableAgentsOptions } from './durable-agents.js';
export { BRIDGE_ERROR, BRIDGE_HEADER } from './bridge.js';
export type { BridgeOptions } from './bridge.js';
export { AgentStore, PART_BYTES } from './agent-store.js';
export type { AgentRecord, KeptAgent } from './agent-store.js';
export type { DurableObjectIdLike, DurableObjectNamespaceLike, DurableObjectStateLike, DurableObjectStubLike, DurableStorage, HibernatableWebSocket } from './workers-types.js';
