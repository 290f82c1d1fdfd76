// The relay's own agent host: a mesh node inside the relay process, joined to the relay over an in-memory link, so
// agents can live in (and migrate to) the relay's Node process. It serves the dashboard module the status page
// calls: the agents hosted here, the node's figures, and migrations started from the page.
import { memoryPair } from '../transport/memory.js';
import { expose } from '../rpc/expose.js';
import { MeshNode } from '../mesh/node.js';
import { type AgentChange, AgentHost } from '../mesh/agent-host.js';
import { idHex } from '../mesh/ids.js';
import type { Relay } from './relay.js';

/** The demo agent of the dashboard: a counter whose state is one number. */
export class Counter {
  count = 0;
  /** Adds `by` (default 1) and returns the new count. */
  increment(by = 1): number {
    this.count += by;
    return this.count;
  }
  get(): number {
    return this.count;
  }
}

/** The relay process's agent host. */
export interface RelayAgents {
  readonly node: MeshNode;
  readonly host: AgentHost;
  /** Agents that went live here after arriving from another node, and agents that migrated away (for /metrics). */
  readonly moves: { readonly arrived: number; readonly left: number };
  close(): void;
}

/**
 * Counts a relay's agent host's arrivals and departures for /metrics, fed its onChange. Agents exposed while the host
 * starts (restored from storage) go live before `started` is set; every 'active' after it is an arrival (a migration
 * or a spawn from another node).
 */
export class AgentMoves {
  arrived = 0;
  left = 0;
  started = false;

  count({ event }: AgentChange): void {
    if (event === 'left') this.left++;
    else if (event === 'active' && this.started) this.arrived++;
  }
}

/**
 * Which nodes may move (or spawn) agents into the relay's agent host: true (any peer), false (none), the node ids
 * allowed (32 hex digits), or a function of the id the peer proved in its handshake.
 */
export type AcceptAgents = boolean | readonly string[] | ((id: string) => boolean);

/** The agent host's admit hook for `accept`; undefined admits every node. */
export function admitAgents(accept: AcceptAgents): ((from: string) => boolean) | undefined {
  if (accept === true) return undefined;
  if (accept === false) return () => false;
  if (typeof accept === 'function') return (from) => accept(from) === true;
  const ids = new Set(accept.map((id) => id.toLowerCase()));
  return (from) => ids.has(from);
}

/** How long the agent host waits before linking to its relay again after the link ended. */
const RELINK_DELAY_MS = 100;

/**
 * Starts a mesh node (role core, capability "node") inside the relay process and links it to `relay` (linkLocal),
 * serving the dashboard module on every link. Agents move in only from the nodes `accept` names (default: none):
 * anyone can reach this node through the relay, and every agent it takes lives in the relay's own memory.
 */
export async function startRelayAgents(relay: Relay, accept: AcceptAgents = false): Promise<RelayAgents> {
  const node = await MeshNode.create({ role: 'core', capabilities: ['node'], metadata: { name: 'relay process' }, loadIntervalMs: 1_000, idleTimeoutMs: 0 });
  const moves = new AgentMoves();
  const admit = admitAgents(accept);
  const host = new AgentHost(node, admit ? { admit } : {});
  // Its senders reach it through the relay: a peer that leaves the relay gives back its share of the snapshot budget.
  relay.host.onLeave((id) => host.forget(id));
  host.onChange((change) => moves.count(change));
  host.define('Counter', () => new Counter());
  serveDashboard(node, host);
  const unlink = await linkLocal(relay, node);
  moves.started = true;
  return {
    node,
    host,
    moves,
    close() {
      unlink();
      host.close();
      node.close();
    },
  };
}

/**
 * Serves the module `dashboard` on every link of `node`: `agents()` (the agents hosted), `stats()` (the node's
 * figures) and `migrate(name, to)`. Whoever may call it can move the agents away: restrict it with a Grant.
 */
export function serveDashboard(node: MeshNode, host: AgentHost): void {
  const dashboard = {
    agents: () => host.agents(),
    stats: () => node.stats(),
    migrate: (name: string, to: string) => host.migrate(name, to),
  };
  const serve = (link: Parameters<Parameters<MeshNode['onLink']>[0]>[0]) => void expose(dashboard, link, { name: 'dashboard' });
  node.onLink(serve);
  for (const link of node.links()) serve(link);
}

/**
 * Joins `node`, a mesh node in the relay's own process, to `relay` over an in-memory link; the node reads the relay's
 * routes live (Relay.shareRoutes) instead of from its announcements. The link is never dropped as slow
 * (Relay.acceptLocal) and, if it ends anyway (a heartbeat lost while the process was busy), the node links again:
 * without it the agents hosted there would be cut off for good. Resolves once linked, with a function that stops
 * relinking.
 */
export async function linkLocal(relay: Relay, node: MeshNode): Promise<() => void> {
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // One memory link per connection: the relay's side is a new session each time (the old one ended with it).
  const link = async (): Promise<void> => {
    const [a, b] = memoryPair();
    const accepted = relay.acceptLocal(b);
    accepted.catch(() => {}); // awaited below, unless connecting fails first
    await node.connect(() => a, { reconnect: false });
    await accepted;
  };
  const relink = (): void => {
    timer = undefined;
    if (closed) return;
    link().catch(() => {
      if (!closed) timer ??= setTimeout(relink, RELINK_DELAY_MS);
    });
  };
  const relayId = idHex(relay.nodeId);
  node.on('disconnected', (peer) => {
    if (peer === relayId && !closed) timer ??= setTimeout(relink, RELINK_DELAY_MS);
  });
  // Every node the relay reaches is reached through it: the node reads the relay's routes where they are, rather
  // than being sent the whole peer list on every change and keeping a route per peer (issue 17).
  node.router.follow(relayId, relay.shareRoutes(node.idHex));
  await link();
  return () => {
    closed = true;
    clearTimeout(timer);
  };
}
