// Payload shapes of the mesh's own frames (docs/protocol.md, "The mesh"). Types and defaults only: no behaviour.
import type { Role } from '../wire/constants.js';
import type { AgentInfo } from './agent-host.js';
import type { ConnectionStats, NodeStats } from './node.js';

/** Largest number of hops a route may announce; longer ones would be dropped by the TTL anyway. */
export const MAX_ROUTE_HOPS = 15;

/** One node another node knows of, as Discovery and DiscoveryResponse list them. */
export interface KnownPeer {
  /** The node's 16-byte id. */
  id: Uint8Array;
  role: Role;
  capabilities: string[];
  /** Relays between the announcing node and this one: 0 for its direct peers. */
  hops: number;
}

/**
 * Discovery (112) and DiscoveryResponse (113) share one shape. Discovery asks the receiver for its own (it is sent
 * acked when a link opens, and again when the sender's peer set changes); a DiscoveryResponse answers it, with the
 * Discovery's request_id, or is pushed unasked (acked, with a fresh request_id) to relay and core peers when the
 * sender's peer set changes.
 */
export interface DiscoveryBody {
  role: Role;
  capabilities: string[];
  /** The nodes the sender can reach, except through the receiver (split horizon). */
  peers: KnownPeer[];
}

/** LoadInfo (114), sent periodically and best effort to every direct peer. Absent fields are not measurable there. */
export interface LoadInfoBody {
  /** Agents hosted. */
  agents: number;
  /** Frames waiting across the node's connections: sent acked and not yet acknowledged. */
  queue: number;
  /** Event-loop lag, ms: how late the last load timer fired. */
  lagMs: number;
  /** CPU use of the process over the last interval, 0–1 per core (Node, Deno). */
  cpu?: number;
  /** Memory in use, bytes (resident set in Node/Deno, JS heap in Chromium). */
  memory?: number;
  /** Sender's clock when measured, ms. */
  timestamp: number;
}

/** AgentQuery (115): where does the agent `name` live now? Answered with a Response carrying an AgentLocation. */
export interface AgentQueryBody {
  name: string;
}

/** The answer to an AgentQuery. */
export interface AgentLocation {
  name: string;
  /** The node hosting the agent as far as the answering node knows, or null when it does not know. */
  node: Uint8Array | null;
}

/**
 * AgentMigration (116), sent acked. `phase` 'transfer' carries the agent (the destination restores it, holds calls
 * for it, and answers MigrationAck); 'commit' makes the restored agent the live one; 'abort' tells the destination
 * to drop it (the source rolled back). A state too large for one frame travels as 'chunk' frames instead of the
 * 'transfer' (src/mesh/chunks.ts): the last chunk then acts as the transfer.
 */
export interface AgentMigrationBody {
  /** Chosen by the source; pairs the MigrationAck with its migration. */
  migrationId: number;
  phase: 'transfer' | 'commit' | 'abort' | 'chunk';
  name: string;
  /** The factory the destination builds the agent with (AgentHost.define). */
  kind: string;
  /** 'transfer' only: the agent's snapshot() result, or its own enumerable data properties. */
  state?: unknown;
  /** 'transfer' and the last 'chunk': capabilities a node needs to host the agent. */
  capabilities?: string[];
  /** 'chunk' only: this chunk's place, from 0. */
  index?: number;
  /** 'chunk' only: how many chunks the state was cut into (the same in every chunk). */
  count?: number;
  /** 'chunk' only: the MessagePack encoding's length of the whole state, bytes (the same in every chunk). */
  bytes?: number;
  /** 'chunk' only: bytes [index × chunk size, …) of the state's MessagePack encoding. */
  data?: Uint8Array;
}

/** An AgentMigration 'chunk', its fields checked (parseMigration). */
export type ChunkBody = AgentMigrationBody & { phase: 'chunk'; index: number; count: number; bytes: number; data: Uint8Array };

/**
 * MigrationAck (117): the destination restored the agent (ok) or could not (ok false, with why). It answers the
 * 'transfer', and again the 'commit' (phase 'commit': the agent is live at the destination now).
 */
export interface MigrationAckBody {
  migrationId: number;
  name: string;
  ok: boolean;
  message?: string;
  /** Which message this answers: absent (or 'transfer') the transfer, 'commit' the commit. */
  phase?: 'transfer' | 'commit';
}

/** `data` of the Error a node answers for an agent that has moved: the caller re-sends there. */
export interface MovedData {
  movedTo: Uint8Array;
}

/**
 * LoadModule (32): import the ES module at `url` and define the agent kinds it exports (each exported class or
 * factory, under its export name). Sent acked, by a node's owner only; answered with a Response carrying a ModuleInfo.
 */
export interface LoadModuleBody {
  url: string;
}

/**
 * UnloadModule (33): stop the agents of the kinds the module at `url` defined, and forget those kinds. Sent acked,
 * by a node's owner only; answered with a Response carrying a ModuleInfo with `stopped`.
 */
export interface UnloadModuleBody {
  url: string;
}

/** What a node says of a module it loaded (or unloaded). */
export interface ModuleInfo {
  url: string;
  /** The agent kinds the module defines (defined, for LoadModule; forgotten, for UnloadModule). */
  kinds: string[];
  /** UnloadModule only: the agents that were stopped. */
  stopped?: string[];
}

/** One connection as a Stats answer lists it: ConnectionStats with the peer's id as bin(16). */
export type ConnectionStatsBody = Omit<ConnectionStats, 'peer'> & { peer: Uint8Array };

/** One hosted agent as a Stats answer lists it (AgentHost.agents()). */
export type AgentStatsBody = AgentInfo;

/**
 * Stats (48) has an empty payload; it is answered with a Response carrying this: the node's counters (MeshNode.stats()
 * with ids as bin(16)), the agents it hosts and the modules it loaded.
 */
export type StatsBody = Omit<NodeStats, 'id' | 'connections'> & {
  id: Uint8Array;
  connections: ConnectionStatsBody[];
  agents: AgentStatsBody[];
  modules: ModuleInfo[];
};
