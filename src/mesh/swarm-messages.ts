// What a swarm (swarm.ts) and its workers (swarm-worker.ts) say to each other over postMessage before, and beside,
// their mesh session, and the names of the RPC modules each serves the other. Shapes and names only: no behaviour.
//
//   worker → parent  { t: 'listening' }        its message listener is set (a worker loads at its own pace)
//   parent → worker  { t: 'start', … }         who owns it, its name, the relay to join, its limits
//   worker → parent  { t: 'accepting', id }    its node listens for links: link to it now
//   worker → parent  { t: 'ready' }            linked to its parent, and joined the relay if asked
//                    { t: 'failed', error }    it could not start (at any step)
//   parent → worker  { t: 'link', dial }       the next link it is handed is to a sibling: dial it, or accept
// The relay is joined after the parent's link is up, so that the parent is the first route the worker learnt:
// between two workers, frames take the parent's ring rather than the relay's socket.
import type { WaitMode } from '../transport/ring-reactor.js';

/** Every swarm message carries this tag and version, so a worker's other messages are left alone. */
export const SWARM_TAG = 'swarmwire-swarm';
export const SWARM_VERSION = 1;

/** The RPC module a worker serves its owner: migrate(name, to) for agents hosted there. */
export const WORKER_MODULE = 'swarm-worker';
/** The RPC module the owner serves each worker: agents(added, removed), the worker's report of what changed there. */
export const OWNER_MODULE = 'swarm-owner';

interface Tagged {
  swarmwire: typeof SWARM_TAG;
  v: typeof SWARM_VERSION;
}

export interface WorkerListening extends Tagged {
  t: 'listening';
}

export interface WorkerStart extends Tagged {
  t: 'start';
  /** The owner's node id (hex): the only node that may load modules and migrate agents here; trusted to forward. */
  owner: string;
  index: number;
  /** The node's metadata name. */
  name: string;
  capabilities: string[];
  /** A relay's WebSocket URL to join, if any. */
  relay?: string;
  /** How the worker's rings wait. */
  wait: WaitMode;
  /** LoadInfo interval, ms. */
  loadIntervalMs: number;
  /** Heartbeat of the relay link, ms (links to the owner and siblings have none: the worker watch is their liveness). */
  heartbeatIntervalMs: number;
  callTimeoutMs: number;
  migrationTimeoutMs: number;
}

export type WorkerReady = Tagged & ({ t: 'accepting'; id: string } | { t: 'ready' } | { t: 'failed'; error: string });

export interface WorkerLinkRole extends Tagged {
  t: 'link';
  /** True: run the connecting side of the handshake on the next link handed over; false: accept it. */
  dial: boolean;
}

export type SwarmMessage = WorkerListening | WorkerStart | WorkerReady | WorkerLinkRole;

/** The message `data` if it is a swarm message, else undefined. */
export function swarmMessage(data: unknown): SwarmMessage | undefined {
  const m = data as Partial<Tagged> | null;
  return typeof m === 'object' && m !== null && m.swarmwire === SWARM_TAG && m.v === SWARM_VERSION ? (m as SwarmMessage) : undefined;
}
