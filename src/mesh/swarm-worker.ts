// The worker side of a swarm (swarm.ts): inside a Web Worker or a worker_threads Worker, a mesh node with an agent
// host that its parent starts, links to and owns. The shipped worker entry (worker/index.ts) is this with no kinds
// of its own: its parent brings them with LoadModule. A worker script of one's own registers classes at start:
// `startSwarmWorker({ agents: { Counter } })`.
//
// Start-up, over postMessage (swarm-messages.ts): listening → start → ready; then the parent links with
// connectWorker() and the mesh session runs over that link (the ring, or postMessage without shared memory). The
// worker serves the control frames (LoadModule, UnloadModule from its owner only; Stats from anyone), lets its owner
// move its agents (module `swarm-worker`), and tells its owner which agents it hosts whenever that changes (module
// `swarm-owner`), so the owner can say which agents died with it.
import { createIdentity } from '../session/identity.js';
import { connectWebSocket } from '../transport/websocket.js';
import { acceptWorker } from '../transport/worker.js';
import { expose } from '../rpc/expose.js';
import { wrap } from '../rpc/wrap.js';
import { AgentHost } from './agent-host.js';
import { type AgentKind, type ControlServer, construct, serveControl } from './control.js';
import { MeshNode } from './node.js';
import { OWNER_MODULE, SWARM_TAG, SWARM_VERSION, type SwarmMessage, WORKER_MODULE, type WorkerStart, swarmMessage } from './swarm-messages.js';

export interface SwarmWorkerOptions {
  /** Agent kinds this worker defines from the start, by kind name: classes or factories (see AgentKind). Default: none. */
  agents: Readonly<Record<string, AgentKind>>;
}

/** A started swarm worker. */
export interface SwarmWorker {
  readonly node: MeshNode;
  readonly host: AgentHost;
  /** The node that started this worker. */
  readonly owner: string;
  readonly index: number;
  /** The control frames' server (its modules). */
  readonly control: ControlServer;
}

/** The thread's line to its parent: the worker global in browsers, parentPort in Node. */
interface ParentScope {
  post(message: SwarmMessage): void;
  on(listener: (data: unknown) => void): () => void;
}

const isNode = (): boolean => typeof process !== 'undefined' && !!process.versions?.node && !('Deno' in globalThis);

/** The browser worker's scope, at once: a listener set now hears the parent's first message. */
function browserScope(): ParentScope | undefined {
  if (isNode()) return undefined;
  const g = globalThis as unknown as { postMessage?: (m: unknown) => void; addEventListener?: (t: string, l: (e: MessageEvent) => void) => void; removeEventListener?: (t: string, l: (e: MessageEvent) => void) => void };
  if (typeof g.addEventListener !== 'function' || typeof g.postMessage !== 'function') throw new Error('[swarmwire] startSwarmWorker() runs inside a worker');
  return {
    post: (m) => g.postMessage!(m),
    on: (l) => {
      const listener = (e: MessageEvent): void => l(e.data);
      g.addEventListener!('message', listener);
      return () => g.removeEventListener!('message', listener);
    },
  };
}

/** Node's parentPort, which keeps messages until a listener is set. */
async function nodeScope(): Promise<ParentScope> {
  const { parentPort } = await import('node:worker_threads');
  if (!parentPort) throw new Error('[swarmwire] startSwarmWorker() runs inside a worker');
  return { post: (m) => parentPort.postMessage(m), on: (l) => (parentPort.on('message', l), () => void parentPort.off('message', l)) };
}

/**
 * Runs this worker as a member of the swarm that started it (startSwarm()): resolves once it is linked and ready,
 * with its node and agent host. Call it at the top of the worker script, before any await (a browser delivers the
 * parent's first message only to listeners already set; the parent waits for this one's 'listening').
 */
export function startSwarmWorker(options: Readonly<Partial<SwarmWorkerOptions>> = {}): Promise<SwarmWorker> {
  const now = browserScope();
  return (now ? Promise.resolve(now) : nodeScope()).then((scope) => new Promise<SwarmWorker>((resolve, reject) => {
    const tag = { swarmwire: SWARM_TAG, v: SWARM_VERSION } as const;
    /** Roles of the sibling links announced and not yet handed over, in order. */
    const roles: boolean[] = [];
    let started = false;
    scope.on((data) => {
      const m = swarmMessage(data);
      if (m?.t === 'link') roles.push(m.dial);
      else if (m?.t === 'start' && !started) {
        started = true;
        start(m, options, roles, (id) => scope.post({ ...tag, t: 'accepting', id })).then((worker) => {
          scope.post({ ...tag, t: 'ready' });
          resolve(worker);
        }, (error: unknown) => {
          scope.post({ ...tag, t: 'failed', error: String((error as Error)?.message ?? error) });
          reject(error);
        });
      }
    });
    scope.post({ ...tag, t: 'listening' });
  }));
}

async function start(m: WorkerStart, options: Readonly<Partial<SwarmWorkerOptions>>, roles: boolean[], accepting: (id: string) => void): Promise<SwarmWorker> {
  const node = new MeshNode({
    identity: await createIdentity(),
    // core: the owner (core too, and trusted as if this node had dialled it) and a relay tell it whenever what they
    // reach changes, so it knows its siblings and the relay's peers; edge nodes hear only their first Discovery.
    role: 'core', capabilities: m.capabilities, metadata: { name: m.name, swarm: String(m.index) }, trustedRelays: [m.owner],
    // Links to the owner and to siblings need neither heartbeats nor an idle timeout: the owner watches the thread
    // itself (exit, Web Lock), and a busy agent must not look like a dead worker. The relay link sets its own.
    heartbeatIntervalMs: 0, idleTimeoutMs: 0, loadIntervalMs: m.loadIntervalMs,
  });
  const host = new AgentHost(node, { callTimeoutMs: m.callTimeoutMs, migrationTimeoutMs: m.migrationTimeoutMs });
  for (const [kind, make] of Object.entries(options.agents ?? {})) host.define(kind, () => construct(make, host));
  const control = serveControl(host, { owners: [m.owner] });
  const ownerLink = node.link(m.owner);
  expose({ migrate: (name: string, to: string) => host.migrate(name, to) }, ownerLink, { name: WORKER_MODULE });
  reportAgents(host, wrap<{ agents(added: string[], removed: string[]): void }>(ownerLink, { name: OWNER_MODULE, timeoutMs: m.callTimeoutMs }));
  await acceptWorker((transport) => {
    // The owner's own links are accepted; a sibling link was announced with its role just before it.
    const linked = roles.shift() === true ? node.connect(() => transport, { reconnect: false, heartbeatIntervalMs: 0 }) : node.accept(transport);
    linked.catch(() => {}); // a link that fails to open is the owner's to retry
  }, { wait: m.wait });
  const linked = new Promise<void>((resolve) => {
    const off = node.on('connected', (peer) => peer.id === m.owner && (off(), resolve()));
  });
  accepting(node.idHex);
  await linked; // no deadline here: the owner has one, and ends this worker when it passes
  if (m.relay !== undefined) {
    const relay = m.relay;
    await node.connect(() => connectWebSocket(relay), { heartbeatIntervalMs: m.heartbeatIntervalMs });
  }
  return { node, host, owner: m.owner, index: m.index, control };
}

/**
 * Tells the owner which agents went live here and which left, once per task (the link keeps the reports in order;
 * a restarted worker starts from nothing, and so does its slot at the owner).
 */
function reportAgents(host: AgentHost, owner: { agents(added: string[], removed: string[]): Promise<void> }): void {
  const added = new Set<string>();
  const removed = new Set<string>();
  let queued = false;
  host.onChange(({ event, name }) => {
    if (event === 'called') return; // a call changes no name
    const [into, outOf] = event === 'active' ? [added, removed] : [removed, added];
    outOf.delete(name);
    into.add(name);
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      const [went, left] = [[...added], [...removed]];
      added.clear();
      removed.clear();
      owner.agents(went, left).catch(() => {}); // the owner is gone, or restarting this worker
    });
  });
}
