// A swarm: N workers (Web Workers in a page, worker_threads on Node), each a mesh node hosting agents, started and
// owned by one node of this thread. The workers run startSwarmWorker() (the shipped entry does); each is linked to
// the owner by connectWorker() — the shared-memory ring where it can be, postMessage where it cannot — and, if asked,
// joins a relay, so any node of the mesh reaches its agents. Agent kinds come from modules every worker imports
// (LoadModule), or from the worker script itself. Spawns go to the least-loaded worker; a worker that dies is
// started again, and the swarm says which agents died with it.
//
// Worker-to-worker frames pass through the owner (it forwards: role core, and the workers trust it; they are core
// too, so it tells them whenever its peers change), or, with `direct`, over a link between every pair of workers
// (linkWorkers(): the owner is then off their path).
import { TransportErrorCode } from '../transport/transport.js';
import type { WaitMode } from '../transport/ring-reactor.js';
import { type WorkerLike, type WorkerPath, type WorkerTransport, connectWorker, linkWorkers } from '../transport/worker.js';
import { expose } from '../rpc/expose.js';
import { wrap } from '../rpc/wrap.js';
import { AgentHost, type AgentProxy, type SpawnOptions } from './agent-host.js';
import { type RemoteStats, loadModule, nodeStats, unloadModule } from './control.js';
import { MeshError, meshError, MeshErrorCode } from './errors.js';
import { idBytes } from './ids.js';
import type { ModuleInfo } from './messages.js';
import { MeshNode } from './node.js';
import { type Candidate, leastLoaded } from './placement.js';
import { shippedWorkerEntry } from './swarm-entry.js';
import { OWNER_MODULE, SWARM_TAG, SWARM_VERSION, type SwarmMessage, WORKER_MODULE, swarmMessage } from './swarm-messages.js';

export interface SwarmOptions {
  /**
   * Workers to start. Default: `navigator.hardwareConcurrency − 1` in browsers, `os.availableParallelism() − 1` on
   * Node — a core left for this thread —, and at least 1.
   */
  size: number;
  /**
   * The worker script: its URL (started as a classic Web Worker, or a worker_threads Worker on Node), or a function
   * making the worker for each index (module workers, bundlers). It must run startSwarmWorker(); the shipped entry
   * does (`dist/worker.global.js` for pages). Default: the shipped entry on Node; pages must name it.
   */
  worker: string | URL | ((index: number) => WorkerLike);
  /** ES module(s) whose exported classes (or factories) every worker defines as agent kinds. Default: none. */
  module: string | URL | ReadonlyArray<string | URL>;
  /** WebSocket URL of a relay every worker joins, so agents in the swarm are callable from any node. Default: none. */
  relay: string;
  /**
   * The node the workers link to; it forwards between them unless `direct`, so its role should be core (or relay),
   * and it should not close idle links (`idleTimeoutMs: 0`). Default: a new node, role core, no idle timeout.
   */
  node: MeshNode;
  /** The agent host spawns and calls go through. Default: a new AgentHost on `node`. */
  host: AgentHost;
  /** Capabilities of every worker (placement). Default: ['worker']. */
  capabilities: readonly string[];
  /** Link every pair of workers directly (n·(n−1)/2 links), so worker-to-worker calls skip this thread. Default: false. */
  direct: boolean;
  /** Which path the links take: 'auto' (the ring where shared memory can be posted), 'ring' or 'postmessage'. Default: 'auto'. */
  path: WorkerPath;
  /** Bytes of each ring lane of owner ↔ worker links (a frame may be half a lane). Default: 1 MiB. */
  laneBytes: number;
  /** Bytes of each ring lane of worker ↔ worker links (`direct`). Default: 256 KiB. */
  directLaneBytes: number;
  /** How workers' rings wait: 'async' keeps their event loops free (timers, the relay's socket); 'block' wakes faster. Default: 'async'. */
  wait: WaitMode;
  /** Start workers again when they die. Default: true. */
  restart: boolean;
  /** Deadline for a worker to start, link and load its modules, ms. Default: 20,000. */
  startTimeoutMs: number;
  /** Deadline of a call through the swarm's host, and of calls in the workers, ms. Default: 10,000. */
  callTimeoutMs: number;
  /** Deadline of each migration phase, here and in the workers, ms. Default: 5,000. */
  migrationTimeoutMs: number;
  /** LoadInfo interval of the workers, ms (placement reads it). Default: 1,000. */
  loadIntervalMs: number;
}

/** A live worker of the swarm. */
export interface SwarmMember {
  readonly index: number;
  /** Its node id (hex). */
  readonly id: string;
  /** The path of its link to the owner. */
  readonly kind: 'ring' | 'postmessage';
  /** The agents it hosts, as it last reported them. */
  readonly agents: readonly string[];
  /** The Worker object (a Web Worker, or a worker_threads Worker). */
  readonly worker: WorkerLike;
}

/** A worker that died, and the agents that died with it. */
export interface SwarmLoss {
  index: number;
  /** The dead worker's node id. */
  id: string;
  agents: string[];
  reason: string;
}

export interface SwarmEvents {
  /** A worker died; `agents` were hosted there (their state is gone). */
  lost: [loss: SwarmLoss];
  /** A worker took the place of one that died. */
  restart: [member: SwarmMember];
  /** A worker could not be started again (it is retried with backoff). */
  error: [error: MeshError];
}

/** One worker thread and how to talk to it, for both kinds of worker. */
interface Thread {
  readonly handle: WorkerLike;
  post(message: SwarmMessage): void;
  onMessage(listener: (data: unknown) => void): () => void;
  /** Node's 'exit', or a Web Worker's 'error' (a script that failed to load or threw at the top). */
  onFailure(listener: (why: string) => void): () => void;
  terminate(): void;
}

interface Slot {
  index: number;
  thread: Thread;
  id: string;
  kind: 'ring' | 'postmessage';
  agents: Set<string>;
  /** Spawns sent there and not yet settled: they count against it in placement. */
  spawning: number;
  dead: boolean;
  offs: Array<() => void>;
}

type Listener<E extends keyof SwarmEvents> = (...args: SwarmEvents[E]) => void;

const isNode = (): boolean => typeof process !== 'undefined' && !!process.versions?.node && !('Deno' in globalThis);

/** Workers a swarm starts by default: one per core but one, at least 1. */
export async function defaultSwarmSize(): Promise<number> {
  if (isNode()) {
    const os = await import('node:os');
    return Math.max(1, (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length) - 1);
  }
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, (cores ?? 2) - 1);
}

/** `url` as an absolute URL a worker can import: relative to the page, or on Node to the working directory. */
function absolute(url: string | URL): string {
  if (url instanceof URL) return url.href;
  const base = (globalThis as { location?: { href: string } }).location?.href ?? (isNode() ? `file://${process.cwd()}/` : undefined);
  try {
    return new URL(url, base).href;
  } catch {
    throw meshError(MeshErrorCode.BAD_ARGUMENT, `swarm: ${JSON.stringify(url)} is not a URL (give an absolute URL, or a URL object)`);
  }
}

/** A Node worker_threads Worker or a Web Worker, behind one face. */
function threadOf(handle: WorkerLike): Thread {
  const node = handle as WorkerLike & { on?(e: string, l: (...a: unknown[]) => void): unknown; off?(e: string, l: (...a: unknown[]) => void): unknown; terminate(): unknown };
  if (typeof node.on === 'function') {
    const listen = (event: string, listener: (...a: unknown[]) => void): (() => void) => {
      node.on!(event, listener);
      return () => void node.off?.(event, listener);
    };
    return {
      handle, post: (m) => handle.postMessage(m),
      onMessage: (l) => listen('message', l),
      onFailure: (l) => {
        const offExit = listen('exit', (code) => l(`exited with code ${String(code)}`));
        const offError = listen('error', (e) => l(`threw: ${String((e as Error)?.message ?? e)}`));
        return () => (offExit(), offError());
      },
      terminate: () => void Promise.resolve(node.terminate()).catch(() => {}),
    };
  }
  const web = handle as unknown as Worker;
  const listen = <K extends 'message' | 'error'>(event: K, listener: (e: WorkerEventMap[K]) => void): (() => void) => {
    web.addEventListener(event, listener);
    return () => web.removeEventListener(event, listener);
  };
  return {
    handle, post: (m) => web.postMessage(m),
    onMessage: (l) => listen('message', (e) => l(e.data)),
    onFailure: (l) => listen('error', (e) => l(`failed: ${e.message || 'the script did not load or threw at the top (see the console)'}`)),
    terminate: () => web.terminate(),
  };
}

/** Makes the thread for worker `index`. */
async function spawnThread(worker: SwarmOptions['worker'] | undefined, index: number): Promise<Thread> {
  const name = `swarmwire worker ${index}`;
  if (typeof worker === 'function') return threadOf(worker(index));
  if (isNode()) {
    const { Worker } = await import('node:worker_threads');
    const url = worker === undefined ? shippedWorkerEntry() : new URL(absolute(worker));
    return threadOf(new Worker(url, { name }) as unknown as WorkerLike);
  }
  if (worker === undefined) throw meshError(MeshErrorCode.BAD_ARGUMENT, 'startSwarm: name the worker script in a page, e.g. { worker: \'/node_modules/swarmwire/dist/worker.global.js\' }');
  return threadOf(new Worker(absolute(worker), { name }) as unknown as WorkerLike);
}

/** Starts a swarm (see SwarmOptions) and resolves once every worker is linked and has loaded the modules. */
export async function startSwarm(options: Readonly<Partial<SwarmOptions>> = {}): Promise<Swarm> {
  const size = options.size ?? await defaultSwarmSize();
  if (!Number.isInteger(size) || size < 1) throw meshError(MeshErrorCode.BAD_ARGUMENT, `startSwarm: size must be a whole number ≥ 1, not ${size}`);
  const node = options.node ?? await MeshNode.create({ role: 'core', metadata: { name: 'swarm owner' }, idleTimeoutMs: 0 });
  const swarm = new Swarm(node, options);
  try {
    await swarm.grow(size);
  } catch (error) {
    await swarm.close();
    throw error;
  }
  return swarm;
}

export class Swarm {
  /** The node the workers are linked to. */
  readonly node: MeshNode;
  /** The agent host spawns and calls go through. */
  readonly host: AgentHost;
  readonly #options: Readonly<Partial<SwarmOptions>>;
  readonly #ownsNode: boolean;
  readonly #ownsHost: boolean;
  readonly #slots: Array<Slot | undefined> = [];
  readonly #modules: string[];
  readonly #listeners: { [E in keyof SwarmEvents]: Array<Listener<E>> } = { lost: [], restart: [], error: [] };
  /** Sibling links are made one at a time: each worker matches the roles it was told to the links it is handed, in order. */
  #pairing: Promise<void> = Promise.resolve();
  readonly #restarts = new Map<number, { failures: number; timer?: ReturnType<typeof setTimeout> }>();
  readonly #offNode: () => void;
  #closed = false;

  /** @internal use startSwarm() */
  constructor(node: MeshNode, options: Readonly<Partial<SwarmOptions>>) {
    this.node = node;
    this.#ownsNode = options.node === undefined;
    this.host = options.host ?? new AgentHost(node, { callTimeoutMs: options.callTimeoutMs ?? 10_000, migrationTimeoutMs: options.migrationTimeoutMs ?? 5_000 });
    this.#ownsHost = options.host === undefined;
    this.#options = options;
    const modules = options.module === undefined ? [] : Array.isArray(options.module) ? options.module : [options.module as string | URL];
    this.#modules = modules.map(absolute);
    this.#offNode = node.on('disconnected', (peer, info) => {
      const slot = this.#slots.find((s) => s?.id === peer);
      if (slot && !slot.dead && !this.#closed) void this.#relink(slot, info.reason);
    });
  }

  /** The live workers, by index (a dead one is missing until it is started again). */
  get workers(): SwarmMember[] {
    return this.#slots.filter((s): s is Slot => s !== undefined && !s.dead).map((s) => ({ index: s.index, id: s.id, kind: s.kind, agents: [...s.agents], worker: s.thread.handle }));
  }

  /** The modules every worker loads (absolute URLs). */
  get modules(): string[] {
    return [...this.#modules];
  }

  /** Listens for `lost`, `restart` or `error` (SwarmEvents); returns the function that stops listening. */
  on<E extends keyof SwarmEvents>(event: E, listener: (...args: SwarmEvents[E]) => void): () => void {
    const list = this.#listeners[event] as Array<Listener<E>>;
    list.push(listener);
    return () => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /**
   * Builds an agent of `kind` named `name` on the least-loaded worker (fewest agents, then least lag), or on
   * `options.on`, and resolves with that worker's node id once the agent is live there.
   */
  async spawn(kind: string, name: string, options: Readonly<Partial<SpawnOptions>> = {}): Promise<string> {
    const slot = options.on !== undefined ? this.#slots.find((s) => s !== undefined && s.id === options.on && !s.dead) : this.#place(options.capabilities ?? []);
    if (!slot) throw meshError(MeshErrorCode.NO_PLACEMENT, options.on !== undefined ? `swarm: ${options.on} is not a live worker of this swarm` : `swarm: no live worker has the capabilities [${(options.capabilities ?? []).join(', ')}]`);
    slot.spawning++;
    try {
      const at = await this.host.spawn(kind, name, { ...options, on: slot.id });
      slot.agents.add(name); // its report follows; placement must not wait for it
      return at;
    } finally {
      slot.spawning--;
    }
  }

  /** Calls `method` of the agent `name`, wherever it lives (see AgentHost.call). */
  call(name: string, method: string, args: readonly unknown[] = []): Promise<unknown> {
    return this.host.call(name, method, args);
  }

  /** A proxy whose methods call the agent `name` (see AgentHost.proxy). */
  proxy<T extends object>(name: string): AgentProxy<T> {
    return this.host.proxy<T>(name);
  }

  /**
   * Moves the agent `name` — hosted by a worker of the swarm, or by the swarm's own host — to the node `to` (any
   * node that can host its kind), and resolves with `to` once it is live there.
   */
  async migrate(name: string, to: string): Promise<string> {
    if (this.host.agents().some((a) => a.name === name)) return this.host.migrate(name, to);
    // Where the workers' reports put it, else where the mesh says it is; a report may lag behind a move the
    // destination has not told of yet, so a worker that no longer has it sends us to ask the mesh.
    let slot = this.#live().find((s) => s.agents.has(name)) ?? this.#slotOf(await this.host.locate(name));
    for (let tries = 0; slot && tries < 2; tries++) {
      const worker = wrap<{ migrate(name: string, to: string): string }>(this.node.link(slot.id), { name: WORKER_MODULE, timeoutMs: 3 * (this.#options.migrationTimeoutMs ?? 5_000) });
      try {
        const at = await worker.migrate(name, to);
        slot.agents.delete(name);
        this.#slotOf(at)?.agents.add(name);
        return at;
      } catch (error) {
        if ((error as { code?: unknown }).code !== MeshErrorCode.AGENT_NOT_FOUND) throw error;
        slot.agents.delete(name);
        slot = this.#slotOf(await this.host.locate(name, slot.id));
      }
    }
    throw meshError(MeshErrorCode.AGENT_NOT_FOUND, `swarm: agent "${name}" is not hosted by this swarm`);
  }

  #slotOf(id: string | undefined): Slot | undefined {
    return id === undefined ? undefined : this.#live().find((s) => s.id === id);
  }

  /** Loads the module at `url` in every worker (and in workers started later); resolves with its kinds. */
  async load(url: string | URL): Promise<string[]> {
    const href = absolute(url);
    const live = this.#live();
    const results = await Promise.allSettled(live.map((s) => loadModule(this.node, s.id, href, this.#startTimeoutMs())));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // All or nothing: the workers that did load it forget it again.
      await Promise.allSettled(live.filter((_, i) => results[i]!.status === 'fulfilled').map((s) => unloadModule(this.node, s.id, href)));
      throw failed.reason;
    }
    if (!this.#modules.includes(href)) this.#modules.push(href);
    return (results[0] as PromiseFulfilledResult<ModuleInfo> | undefined)?.value.kinds ?? [];
  }

  /** Unloads the module at `url` from every worker, stopping the agents of its kinds; resolves with their names. */
  async unload(url: string | URL): Promise<string[]> {
    const href = absolute(url);
    const at = this.#modules.indexOf(href);
    if (at >= 0) this.#modules.splice(at, 1);
    const infos = await Promise.all(this.#live().map(async (s) => {
      const info = await unloadModule(this.node, s.id, href);
      for (const a of info.stopped ?? []) s.agents.delete(a);
      return info;
    }));
    return infos.flatMap((i) => i.stopped ?? []);
  }

  /** Every live worker's figures (Stats): counters, connections, agents, modules. */
  stats(): Promise<Array<RemoteStats & { index: number }>> {
    return Promise.all(this.#live().map(async (s) => ({ ...(await nodeStats(this.node, s.id)), index: s.index })));
  }

  /** Stops every worker (their agents end with them) and, if the swarm made them, its host and node. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#offNode();
    for (const r of this.#restarts.values()) clearTimeout(r.timer);
    for (const slot of this.#slots) if (slot) this.#stop(slot);
    if (this.#ownsHost) this.host.close();
    if (this.#ownsNode) this.node.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Starts `count` workers, then links them to each other with `direct`. @internal */
  async grow(count: number): Promise<void> {
    const first = this.#slots.length;
    const slots = await Promise.all(Array.from({ length: count }, (_, i) => this.#start(first + i)));
    for (const slot of slots) this.#slots[slot.index] = slot;
    if (this.#options.direct) for (const slot of slots) await this.#pairWithSiblings(slot, slots.filter((s) => s.index < slot.index));
  }

  #live(): Slot[] {
    return this.#slots.filter((s): s is Slot => s !== undefined && !s.dead);
  }

  #startTimeoutMs(): number {
    return this.#options.startTimeoutMs ?? 20_000;
  }

  #place(capabilities: readonly string[]): Slot | undefined {
    const caps = this.#options.capabilities ?? ['worker'];
    const loads = new Map(this.node.peers().map((p) => [p.id, p.load]));
    const live = this.#live();
    const candidates: Candidate[] = live.map((s) => {
      const load = loads.get(s.id);
      return { id: s.id, capabilities: caps, load: { agents: s.agents.size + s.spawning, queue: load?.queue ?? 0, lagMs: load?.lagMs ?? 0, timestamp: load?.timestamp ?? 0 } };
    });
    const best = leastLoaded(candidates, capabilities);
    return live.find((s) => s.id === best);
  }

  /** Starts worker `index`: thread, start-up messages, link, modules. Rejects (and ends the thread) on any failure. */
  async #start(index: number): Promise<Slot> {
    const o = this.#options;
    const thread = await spawnThread(o.worker, index);
    const deadline = this.#startTimeoutMs();
    const offs: Array<() => void> = [];
    let failed: ((error: Error) => void) | undefined;
    const failure = new Promise<never>((_, reject) => (failed = reject));
    failure.catch(() => {});
    const timer = setTimeout(() => failed!(new Error(`did not start within ${deadline} ms`)), deadline);
    offs.push(thread.onFailure((why) => failed!(new Error(why))));
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    let id: string | undefined;
    const started = async (): Promise<Slot> => {
      id = await new Promise<string>((resolve, reject) => {
        offs.push(thread.onMessage((data) => {
          const m = swarmMessage(data);
          if (m?.t === 'listening') {
            thread.post({
              swarmwire: SWARM_TAG, v: SWARM_VERSION, t: 'start', owner: this.node.idHex, index, name: `worker ${index}`,
              capabilities: [...(o.capabilities ?? ['worker'])], ...(o.relay !== undefined ? { relay: o.relay } : {}), wait: o.wait ?? 'async',
              loadIntervalMs: o.loadIntervalMs ?? 1_000, heartbeatIntervalMs: 5_000, callTimeoutMs: o.callTimeoutMs ?? 10_000,
              migrationTimeoutMs: o.migrationTimeoutMs ?? 5_000,
            });
          } else if (m?.t === 'accepting') resolve(m.id);
          else if (m?.t === 'ready') ready();
          else if (m?.t === 'failed') (id === undefined ? reject : failed!)(new Error(m.error));
        }));
      });
      const transport = await connectWorker(thread.handle, { path: o.path ?? 'auto', laneBytes: o.laneBytes, connectTimeoutMs: deadline });
      const slot: Slot = { index, thread, id, kind: transport.kind, agents: new Set(), spawning: 0, dead: false, offs: [] };
      this.#watch(slot, transport);
      await this.node.connect(() => transport, { reconnect: false, heartbeatIntervalMs: 0, expectPeer: idBytes(id) });
      await isReady; // the worker joined the relay, if asked
      slot.offs.push(expose({ agents: (added: unknown, removed: unknown) => applyReport(slot.agents, added, removed) }, this.node.link(id), { name: OWNER_MODULE }));
      for (const url of this.#modules) await loadModule(this.node, id, url, deadline);
      return slot;
    };
    try {
      return await Promise.race([started(), failure]);
    } catch (error) {
      thread.terminate();
      throw error instanceof MeshError ? error : meshError(MeshErrorCode.WORKER_FAILED, `swarm: worker ${index} ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
      for (const off of offs) off();
    }
  }

  /** Watches a worker's liveness: Node's 'exit', or the link ending because the thread is gone (the Web Lock). */
  #watch(slot: Slot, transport: WorkerTransport): void {
    slot.offs.push(transport.on('close', (info) => {
      if (info.error?.code === TransportErrorCode.PEER_GONE) this.#died(slot, info.reason);
    }));
    slot.offs.push(slot.thread.onFailure((why) => {
      if (why.startsWith('exited')) this.#died(slot, why);
    }));
  }

  /** The link to a live worker ended (an idle or a broken session): link again, or count it dead. */
  async #relink(slot: Slot, why: string): Promise<void> {
    const o = this.#options;
    try {
      const transport = await connectWorker(slot.thread.handle, { path: o.path ?? 'auto', laneBytes: o.laneBytes, connectTimeoutMs: this.#startTimeoutMs() });
      if (slot.dead || this.#closed) return transport.close();
      this.#watch(slot, transport);
      await this.node.connect(() => transport, { reconnect: false, heartbeatIntervalMs: 0, expectPeer: idBytes(slot.id) });
    } catch (error) {
      this.#died(slot, `its link ended (${why}) and could not be made again: ${(error as Error).message}`);
    }
  }

  #died(slot: Slot, reason: string): void {
    if (slot.dead || this.#closed) return;
    this.#stop(slot);
    this.#emit('lost', { index: slot.index, id: slot.id, agents: [...slot.agents], reason });
    if (this.#options.restart !== false) this.#scheduleRestart(slot.index);
  }

  #stop(slot: Slot): void {
    slot.dead = true;
    for (const off of slot.offs.splice(0)) off();
    this.node.disconnect(slot.id, 'swarm: worker stopped');
    slot.thread.terminate();
  }

  /** Starts worker `index` again: at once the first time, then with backoff while it keeps failing to start. */
  #scheduleRestart(index: number): void {
    const state = this.#restarts.get(index) ?? { failures: 0 };
    this.#restarts.set(index, state);
    const delay = state.failures === 0 ? 0 : Math.min(10_000, 100 * 2 ** (state.failures - 1));
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (this.#closed) return;
      this.#start(index).then(async (slot) => {
        if (this.#closed) return this.#stop(slot);
        this.#slots[index] = slot;
        state.failures = 0;
        if (this.#options.direct) await this.#pairWithSiblings(slot, this.#live().filter((s) => s !== slot));
        this.#emit('restart', this.workers.find((w) => w.index === index)!);
      }).catch((error: unknown) => {
        if (this.#closed) return;
        state.failures++;
        this.#emit('error', error instanceof MeshError ? error : meshError(MeshErrorCode.WORKER_FAILED, String(error)));
        this.#scheduleRestart(index);
      });
    }, delay);
  }

  /** Links `slot` to each of `siblings` directly, one link at a time across the swarm. */
  #pairWithSiblings(slot: Slot, siblings: readonly Slot[]): Promise<void> {
    const o = this.#options;
    const run = async (): Promise<void> => {
      for (const sibling of siblings) {
        if (slot.dead || sibling.dead) continue;
        // The newer worker dials; each learns its role just before the link reaches it (same channel, in order).
        slot.thread.post({ swarmwire: SWARM_TAG, v: SWARM_VERSION, t: 'link', dial: true });
        sibling.thread.post({ swarmwire: SWARM_TAG, v: SWARM_VERSION, t: 'link', dial: false });
        await linkWorkers(slot.thread.handle, sibling.thread.handle, { path: o.path ?? 'auto', laneBytes: o.directLaneBytes ?? 256 * 1024, connectTimeoutMs: this.#startTimeoutMs() });
      }
    };
    const next = this.#pairing.then(run);
    this.#pairing = next.catch(() => {});
    return next;
  }

  #emit<E extends keyof SwarmEvents>(event: E, ...args: SwarmEvents[E]): void {
    for (const l of this.#listeners[event].slice() as Array<Listener<E>>) {
      try {
        l(...args);
      } catch {
        // a listener's failure is its own
      }
    }
  }
}

/**
 * A worker's report of what changed among its agents since its last one (names that went live, names that left or
 * were removed). Deltas, not the whole list, so spawning N agents costs N short reports, not lists of 1…N names.
 */
function applyReport(agents: Set<string>, added: unknown, removed: unknown): void {
  for (const name of Array.isArray(removed) ? removed : []) if (typeof name === 'string') agents.delete(name);
  for (const name of Array.isArray(added) ? added : []) if (typeof name === 'string') agents.add(name);
}
