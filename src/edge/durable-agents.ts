// Agents living in a Durable Object: a mesh node inside the object, joined to its relay over an in-memory link (as
// the Node relay's own agent host is, src/relay/agents.ts), with an AgentHost whose agents any node of the room can
// call by name and move in or out by live migration. What eviction would lose is in storage: the node's identity (so
// its id, which callers route to, outlives the instance) and every agent's state (agent-store.ts), written before a
// call's answer leaves. The node keeps no timers (no heartbeats, LoadInfo or idle checks), so the object can still
// hibernate between messages.
import { unpack } from '../wire/payload.js';
import { MeshNode } from '../mesh/node.js';
import { AgentHost, type AgentHostOptions } from '../mesh/agent-host.js';
import { restoreSnapshot } from '../mesh/snapshot.js';
import { loadIdentity, storageIdentityStore } from '../session/identity-store.js';
import { AgentMoves, linkLocal, serveDashboard } from '../relay/agents.js';
import type { Relay } from '../relay/relay.js';
import { AgentStore } from './agent-store.js';
import type { DurableStorage } from './workers-types.js';

/** Agents in the Durable Object relay (DurableRelayOptions.agents). */
export interface DurableAgentsOptions {
  /** How to build each agent kind the object may host (AgentHost.define): to restore, and to receive by migration. */
  kinds: Readonly<Record<string, () => object>>;
  /** Capabilities of the object's agent node, for placement. Default: ['durable-object']. */
  capabilities?: readonly string[];
  /**
   * Serve the module `dashboard` (`agents()`, `stats()`, `migrate(name, to)`: src/relay/agents.ts) to every node,
   * so agents can be moved out of the object from outside. Restrict who may call it with the relay's authorize
   * hook (a Grant). Default: false.
   */
  dashboard?: boolean;
  /** Options of the object's AgentHost (deadlines, chunk size, snapshot limit). Default: AgentHost's defaults. */
  host?: Readonly<Partial<AgentHostOptions>>;
}

/** Where the agent node's key pair is kept. */
const IDENTITY_KEY = 'agents-identity';

/** The agents a Durable Object hosts: its mesh node, its AgentHost, and their storage. */
export class DurableAgents {
  readonly node: MeshNode;
  readonly host: AgentHost;
  /** Agents that arrived since the object woke, and agents that left (for /metrics). */
  readonly moves: AgentMoves;
  readonly #unlink: () => void;

  private constructor(node: MeshNode, host: AgentHost, moves: AgentMoves, unlink: () => void) {
    this.node = node;
    this.host = host;
    this.moves = moves;
    this.#unlink = unlink;
  }

  /**
   * Starts the agent node with the identity kept in `storage`, restores every agent kept there, then links the node
   * to `relay`, so no call can reach it before its agents are back.
   */
  static async start(relay: Relay, storage: DurableStorage, options: Readonly<DurableAgentsOptions>): Promise<DurableAgents> {
    const identity = await loadIdentity(storageIdentityStore(storage, IDENTITY_KEY));
    const node = new MeshNode({
      identity, role: 'core', capabilities: options.capabilities ?? ['durable-object'], metadata: { name: 'durable object agents' },
      heartbeatIntervalMs: 0, loadIntervalMs: 0, idleTimeoutMs: 0,
    });
    const report = (error: unknown): void => console.error('[swarmwire] durable agents:', error);
    const store = new AgentStore(storage, report);
    const moves = new AgentMoves();
    const host = new AgentHost(node, options.host);
    host.onChange((change) => (store.onChange(change), moves.count(change)));
    for (const [kind, factory] of Object.entries(options.kinds)) host.define(kind, factory);
    for (const { name, record, state } of await store.load()) {
      const factory = options.kinds[record.kind];
      if (!factory) {
        report(new Error(`[swarmwire] agent "${name}" is kept as kind "${record.kind}", which options.agents.kinds does not define: not restored`));
        continue;
      }
      const agent = factory();
      restoreSnapshot(agent, unpack(state));
      host.expose(name, agent, { kind: record.kind, capabilities: record.capabilities });
    }
    if (options.dashboard) serveDashboard(node, host);
    moves.started = true;
    return new DurableAgents(node, host, moves, await linkLocal(relay, node));
  }

  close(): void {
    this.#unlink();
    this.host.close();
    this.node.close();
  }
}
