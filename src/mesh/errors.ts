import { Status } from '../wire/constants.js';
import { SwarmwireError, named } from '../wire/errors.js';

// Typed as SwarmwireError's class (it adds no member): left to inference, the declaration spelled out Error's
// statics, and @types/node's among them (NodeJS.CallSite), which projects without Node's types cannot read.
/** A mesh operation failed: no route, a closed node, an agent that cannot be found, called or moved. */
export const MeshError: typeof SwarmwireError = /* @__PURE__ */ named(class MeshError extends SwarmwireError {}, 'MeshError');
export type MeshError = InstanceType<typeof MeshError>;

export const MeshErrorCode = {
  /** The node is closed. */
  CLOSED: 'SW_ERR_MESH_CLOSED',
  /** No connection and no relay leads to the destination. */
  NO_ROUTE: 'SW_ERR_MESH_NO_ROUTE',
  /** A relay dropped a routed frame: TTL exhausted, or the destination unknown there. */
  UNDELIVERABLE: 'SW_ERR_MESH_UNDELIVERABLE',
  /** No node knows the agent. */
  AGENT_NOT_FOUND: 'SW_ERR_AGENT_NOT_FOUND',
  /** The agent left this node: the error's `movedTo` (hex node id) says where it went. Callers follow it. */
  AGENT_MOVED: 'SW_ERR_AGENT_MOVED',
  /** A listener of a MeshNode event threw (reported on the node's 'error' event). */
  LISTENER_FAILED: 'SW_ERR_MESH_LISTENER',
  /** A migration failed and was rolled back: the agent runs where it was. */
  MIGRATION_FAILED: 'SW_ERR_MIGRATION_FAILED',
  /**
   * A node refused to take an agent (a migration or a spawn into it) from this sender: its host's `admit` said no,
   * as a relay's agent host says to every node its operator has not allowed (`acceptAgents`).
   */
  MIGRATION_REFUSED: 'SW_ERR_MIGRATION_REFUSED',
  /** No node has the capabilities asked for. */
  NO_PLACEMENT: 'SW_ERR_NO_PLACEMENT',
  /** An argument is not what the API takes (bad node id, duplicate agent name). */
  BAD_ARGUMENT: 'SW_ERR_MESH_ARGUMENT',
  /** A chunked snapshot announces, or brings, more bytes than the receiver allows (or than it announced). */
  SNAPSHOT_TOO_LARGE: 'SW_ERR_SNAPSHOT_TOO_LARGE',
  /**
   * A chunked snapshot would take its sender past its share of the receiver's snapshot budget (its other snapshots
   * in progress hold it): refused before anything is kept; the sender may try again once those are done.
   */
  SNAPSHOT_BUSY: 'SW_ERR_SNAPSHOT_BUSY',
  /** A snapshot chunk out of order, repeated, inconsistent with the chunks before it, or without a first chunk. */
  SNAPSHOT_SEQUENCE: 'SW_ERR_SNAPSHOT_SEQUENCE',
  /** A chunked snapshot was not complete by its deadline: what had arrived was dropped. */
  SNAPSHOT_EXPIRED: 'SW_ERR_SNAPSHOT_EXPIRED',
  /**
   * A node refused to load or unload a module (LoadModule, UnloadModule), or the import failed; the error's status
   * says why (ModuleNotFound, Unauthorized, ExecutionError, InvalidFrame).
   */
  MODULE: 'SW_ERR_MESH_MODULE',
  /** A node did not answer a LoadModule, UnloadModule or Stats within the deadline. */
  TIMEOUT: 'SW_ERR_MESH_TIMEOUT',
  /** A swarm's worker could not be started or linked (its script failed, it did not answer, its relay refused it). */
  WORKER_FAILED: 'SW_ERR_SWARM_WORKER',
  /** A Hello's capabilities and metadata take more than the node's maxPeerInfoBytes: the handshake is refused, nothing is kept. */
  PEER_INFO_TOO_LARGE: 'SW_ERR_MESH_PEER_INFO_TOO_LARGE',
} as const;
export type MeshErrorCode = (typeof MeshErrorCode)[keyof typeof MeshErrorCode];

// Built when an error is made, not at import (a bundle without the mesh keeps none of it).
const statusOf = (code: MeshErrorCode): Status => ({
  SW_ERR_MESH_CLOSED: Status.ExecutionError,
  SW_ERR_MESH_NO_ROUTE: Status.ModuleNotFound,
  SW_ERR_MESH_UNDELIVERABLE: Status.Timeout,
  SW_ERR_AGENT_NOT_FOUND: Status.ModuleNotFound,
  SW_ERR_AGENT_MOVED: Status.ModuleNotFound,
  SW_ERR_MESH_LISTENER: Status.ExecutionError,
  SW_ERR_MIGRATION_FAILED: Status.ExecutionError,
  SW_ERR_MIGRATION_REFUSED: Status.Unauthorized,
  SW_ERR_NO_PLACEMENT: Status.ModuleNotFound,
  SW_ERR_MESH_ARGUMENT: Status.InvalidFrame,
  SW_ERR_SNAPSHOT_TOO_LARGE: Status.PayloadTooLarge,
  SW_ERR_SNAPSHOT_BUSY: Status.QuotaExceeded,
  SW_ERR_SNAPSHOT_SEQUENCE: Status.InvalidFrame,
  SW_ERR_SNAPSHOT_EXPIRED: Status.Timeout,
  SW_ERR_MESH_MODULE: Status.ExecutionError,
  SW_ERR_MESH_TIMEOUT: Status.Timeout,
  SW_ERR_SWARM_WORKER: Status.ExecutionError,
  // A final refusal of the handshake (REFUSALS): the peer would send the same Hello again.
  SW_ERR_MESH_PEER_INFO_TOO_LARGE: Status.Unauthorized,
} satisfies Record<MeshErrorCode, Status>)[code];

/** @internal */
export function meshError(code: MeshErrorCode, message: string, status: Status = statusOf(code)): MeshError {
  return new MeshError(code, status, message);
}
