// Agents on a mesh node: objects exposed under a name, called from any node, and moved between nodes while calls
// keep flowing. Calls are the RPC layer's (expose/wrap) over the node's per-peer links: each agent is exposed, as
// a module named after it, through a facade that waits while the agent moves and says where it went.
//
// Migration, on the source:  prepare (new calls wait; calls already running finish) → snapshot → AgentMigration
// 'transfer' (acked) → the destination restores and answers MigrationAck → 'commit' (acked) → the calls that waited
// are handed over (forwarded to the destination, their replies relayed back), and later calls are redirected (an
// Error carrying `movedTo`, which callers follow). A failure or timeout before the commit rolls back: 'abort' to
// the destination, and the waiting calls run where they were. A call is only ever re-sent after a node said it did
// not run it, so none runs twice. migrate() and spawn() resolve once the destination confirmed the commit (a second
// MigrationAck, phase 'commit'): by then the agent is live there, so whoever learns of the move from their answer —
// by another path than the commit took — finds it there, and can move it on at once.
import { MessageType, Status } from '../wire/constants.js';
import { decodeBody } from '../wire/frame.js';
import { unpack } from '../wire/payload.js';
import { fnv1a32, fnv1a64 } from '../wire/fnv.js';
import { expose } from '../rpc/expose.js';
import { describe, wrap } from '../rpc/wrap.js';
import type { ModuleDescription } from '../rpc/messages.js';
import { RpcErrorCode } from '../rpc/errors.js';
import { type SpanHandle, tracer } from '../rpc/tracing.js';
import { MeshError, meshError, MeshErrorCode } from './errors.js';
import { idBytes, idHex, idKey } from './ids.js';
import type { PeerLink } from './link.js';
import type { AgentLocation, AgentMigrationBody, AgentQueryBody, ChunkBody, MigrationAckBody } from './messages.js';
import { DEFAULT_CHUNK_BYTES, SnapshotAssembler, transferFrames } from './chunks.js';
import { parseAgentQuery, parseMigration, parseMigrationAck } from './parse.js';
import type { ErrorBody } from '../session/messages.js';
import { SwarmwireError } from '../wire/errors.js';
import type { MeshMessage, MeshNode } from './node.js';
import { type Candidate, leastLoaded } from './placement.js';
import { type Agent, methodsOf, restoreSnapshot, takeSnapshot } from './snapshot.js';
import { createDebug } from '../core/debug.js';
import { type ClockTimer, unref } from '../core/clock.js';

const debug = /* @__PURE__ */ createDebug('swarmwire:mesh');

/** Proxies for agents on other nodes kept for calls (each a few hundred bytes). */
const REMOTES_KEPT = 1024;

export interface AgentHostOptions {
  /** Deadline of one call, ms (each hop of a redirect gets a fresh one). Default: 10,000. */
  callTimeoutMs: number;
  /** Deadline of each migration phase (running calls to finish; the destination to answer), ms. Default: 5,000. */
  migrationTimeoutMs: number;
  /** How long locate() waits for AgentQuery answers, ms. Default: 2,000. */
  queryTimeoutMs: number;
  /** Redirects a call follows before it gives up. Default: 8. */
  maxRedirects: number;
  /**
   * A state whose MessagePack encoding is larger moves in chunks of this many bytes (src/mesh/chunks.ts), so it
   * fits every hop's payload limit. Default: DEFAULT_CHUNK_BYTES (120 KiB).
   */
  chunkBytes: number;
  /** Bytes of chunked states this node assembles at once; a larger incoming agent is refused. Default: 32 MiB. */
  maxSnapshotBytes: number;
  /**
   * Bytes of chunked states one sending node may have in progress here at once, within maxSnapshotBytes (so one
   * peer cannot hold the whole budget); past it a state is refused with SNAPSHOT_BUSY. Default: 16 MiB.
   */
  maxSnapshotBytesPerSender: number;
  /**
   * Whether node `from` (32 hex digits, the id its relay or link authenticated) may move or spawn agents into this
   * host. Asked at the first frame of each incoming agent, before any of its state is kept; a refusal is answered
   * MigrationAck ok false, `SW_ERR_MIGRATION_REFUSED`. Default: every node may.
   */
  admit: (from: string) => boolean;
}

/**
 * What an AgentHost's onChange listeners are told: an agent went live here ('active': exposed, spawned, or arrived by
 * migration), one of its calls ended ('called', whether it returned or threw, so its state may have changed), it moved
 * away ('left'), or it was removed ('removed').
 */
export interface AgentChange {
  event: 'active' | 'called' | 'left' | 'removed';
  name: string;
  kind: string;
  capabilities: readonly string[];
  agent: object;
}

export interface AgentExposeOptions {
  /** The factory name other nodes rebuild the agent with. Default: the agent's constructor name. */
  kind: string;
  /** Capabilities a node needs to host the agent (placement). Default: []. */
  capabilities: readonly string[];
}

export interface SpawnOptions extends Omit<AgentExposeOptions, 'kind'> {
  /** Initial state, given to restore(). Default: none. */
  state: unknown;
  /** The node to spawn on. Default: the least-loaded node with the capabilities. */
  on: string;
}

/** One hosted agent, as agents() lists it. */
export interface AgentInfo {
  name: string;
  kind: string;
  /** 'incoming': restored here, waiting for its source's commit. */
  state: 'active' | 'migrating' | 'incoming';
  capabilities: string[];
  /** Calls served here. */
  calls: number;
  /** Calls running now. */
  running: number;
  /** Calls waiting for a migration to end. */
  waiting: number;
}

/** A remote view of an agent: every method returns a promise. */
export type AgentProxy<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

interface Hosted {
  name: string;
  kind: string;
  moduleId: bigint;
  agent: Agent & Record<string, unknown>;
  methods: Map<number, string>;
  capabilities: string[];
  state: AgentInfo['state'];
  /** For an incoming agent: its migration and source. */
  incoming?: { id: number; from: string; timer: ClockTimer };
  calls: number;
  running: number;
  /** Calls waiting for the state to change. */
  waiting: Array<() => void>;
  /** Migrations waiting for running calls to finish. */
  drained: Array<() => void>;
}

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
  timer: ClockTimer;
}

export class AgentHost implements Disposable {
  readonly node: MeshNode;
  /** What each agent name is exposed as: a facade of its methods (kept after it leaves, to redirect callers). */
  readonly #facades = new Map<bigint, { name: string; facade: object }>();
  readonly #exposed = new Map<PeerLink, Map<bigint, () => void>>();
  readonly #callTimeoutMs: number;
  readonly #migrationTimeoutMs: number;
  readonly #queryTimeoutMs: number;
  readonly #maxRedirects: number;
  readonly #factories = new Map<string, () => object>();
  readonly #hosted = new Map<bigint, Hosted>();
  /** Where agents that left this node went. */
  readonly #moved = new Map<bigint, string>();
  /** Where agents were last seen, by name. */
  readonly #where = new Map<string, string>();
  /** Proxies for agents on other nodes, by `${node} ${name}`, oldest first (see #remote). */
  readonly #remotes = new Map<string, Record<string, (...args: unknown[]) => Promise<unknown>>>();
  /** MigrationAcks awaited, by migration id: the transfer's, then the commit's. */
  readonly #acks = new Map<number, Waiter<MigrationAckBody> & { dest: string; phase: 'transfer' | 'commit' }>();
  readonly #queries = new Map<number, (node: string | null) => void>();
  /** Agents sent to each node since its last LoadInfo: spawns in a burst spread out instead of piling onto one node. */
  readonly #placed = new Map<string, number>();
  readonly #off: Array<() => void>;
  readonly #listeners: Array<(change: AgentChange) => void> = [];
  #nextMigration = 1;
  readonly #chunkBytes: number;
  /** Incoming states in chunks; #chunkTimer drops those past their deadline. */
  readonly #chunks: SnapshotAssembler;
  #chunkTimer: ClockTimer | undefined;
  readonly #admit: ((from: string) => boolean) | undefined;

  constructor(node: MeshNode, options: Readonly<Partial<AgentHostOptions>> = {}) {
    this.node = node;
    this.#callTimeoutMs = options.callTimeoutMs ?? 10_000;
    this.#migrationTimeoutMs = options.migrationTimeoutMs ?? 5_000;
    this.#queryTimeoutMs = options.queryTimeoutMs ?? 2_000;
    this.#maxRedirects = options.maxRedirects ?? 8;
    this.#chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.#chunks = new SnapshotAssembler({ maxBytes: options.maxSnapshotBytes, maxBytesPerSender: options.maxSnapshotBytesPerSender, deadlineMs: 2 * this.#migrationTimeoutMs });
    this.#admit = options.admit;
    this.#off = [
      node.on('message', (m) => this.#onMessage(m)),
      node.on('disconnected', (peer) => this.forget(peer)),
      node.onLink((link) => this.#exposeAll(link)),
      node.on('load', (peer) => this.#placed.delete(peer)),
    ];
    for (const link of node.links()) this.#exposeAll(link);
    node.countAgents(() => this.#hosted.size);
  }

  /**
   * Tells this node how to build agents of `kind`, which it needs to receive them by migration or spawn: the
   * factory makes a blank agent, then restore() (or Object.assign) gives it its state.
   */
  define(kind: string, factory: () => object): void {
    this.#factories.set(kind, factory);
  }

  /** Forgets the factory of `kind` (agents of that kind hosted here keep running). Returns whether there was one. */
  undefine(kind: string): boolean {
    return this.#factories.delete(kind);
  }

  /** The kinds this node can build (define(), and the kinds of agents it hosted). */
  kinds(): string[] {
    return [...this.#factories.keys()];
  }

  /** Hosts `agent` here under `name`. Throws MeshError BAD_ARGUMENT if the name is taken on this node. */
  expose(name: string, agent: object, options: Readonly<Partial<AgentExposeOptions>> = {}): void {
    const kind = options.kind ?? (agent.constructor?.name || 'Object');
    this.#host(name, kind, agent, [...(options.capabilities ?? [])], 'active');
  }

  /** Builds an agent of `kind` on the least-loaded capable node (or `on`) and resolves with that node's id. */
  async spawn(kind: string, name: string, options: Readonly<Partial<SpawnOptions>> = {}): Promise<string> {
    const capabilities = [...(options.capabilities ?? [])];
    if (options.on === undefined) await this.node.discover(undefined, this.#queryTimeoutMs); // fresh routes, for placement
    const dest = options.on ?? this.place(capabilities);
    if (dest === this.node.idHex) {
      const factory = this.#factories.get(kind);
      if (!factory) throw meshError(MeshErrorCode.BAD_ARGUMENT, `no factory for agent kind "${kind}" on this node`);
      const agent = factory();
      if (options.state !== undefined) restoreSnapshot(agent, options.state);
      this.#host(name, kind, agent, capabilities, 'active');
      return dest;
    }
    const id = this.#nextMigration++;
    await this.#exchange(dest, 'transfer', { migrationId: id, phase: 'transfer', name, kind, state: options.state, capabilities });
    const committed = this.#exchange(dest, 'commit', { migrationId: id, phase: 'commit', name, kind });
    this.#where.set(name, dest);
    this.#placed.set(dest, (this.#placed.get(dest) ?? 0) + 1);
    await committed;
    return dest;
  }

  /**
   * Calls `method` of the agent `name` through the RPC layer, wherever it lives, following it when it has moved
   * (at most maxRedirects times). Rejects with MeshError AGENT_NOT_FOUND or NO_ROUTE, RpcError (TIMEOUT after
   * callTimeoutMs, METHOD_NOT_FOUND), or the error the method threw, rebuilt as the RPC layer does.
   */
  async call(name: string, method: string, args: readonly unknown[] = []): Promise<unknown> {
    if (!tracer) return this.#follow(name, undefined, (to) => this.#remote(to, name, method, args));
    // One span across the hops of a redirect: each hop's RPC call starts inside it, so they nest under it.
    const span = tracer.internal(`swarmwire agent ${name}.${method}`, { 'rpc.system': 'swarmwire', 'rpc.service': name, 'rpc.method': method });
    try {
      const result = await span.run(() => this.#follow(name, span, (to) => span.run(() => this.#remote(to, name, method, args))));
      span.end();
      return result;
    } catch (error) {
      span.end(error);
      throw error;
    }
  }

  /**
   * The methods of the agent `name` (each with its least argument count, `fn.length`), asked of the node hosting
   * it wherever that is, as call() finds it: `{ module, methods: [{ name, params }], properties: [] }`. Rejects as
   * call() does.
   */
  describe(name: string): Promise<ModuleDescription> {
    return this.#follow(name, undefined, (to) => describe(wrap(this.node.link(to), { name, timeoutMs: this.#callTimeoutMs })));
  }

  /** Runs `ask` against the node hosting `name`, following it when it has moved (see call()); `span` hears of redirects. */
  async #follow<T>(name: string, span: SpanHandle | undefined, ask: (to: string) => Promise<T>): Promise<T> {
    let to = await this.locate(name);
    for (let redirects = 0; to !== undefined && redirects <= this.#maxRedirects; redirects++) {
      try {
        return await ask(to);
      } catch (error) {
        const e = error as { code?: unknown; movedTo?: unknown; absentFrom?: unknown };
        if (e.code === MeshErrorCode.AGENT_MOVED && typeof e.movedTo === 'string') {
          span?.event('redirect', { 'swarmwire.moved_to': e.movedTo });
          to = e.movedTo;
          this.#where.set(name, to);
          continue;
        }
        // Only `to` saying it does not host the agent sends us elsewhere: an AGENT_NOT_FOUND the method itself
        // threw (an agent calling another that is nowhere) is its answer, and the call ran.
        const absent = e.code === RpcErrorCode.MODULE_NOT_FOUND || (e.code === MeshErrorCode.AGENT_NOT_FOUND && e.absentFrom === to);
        if (!absent) throw error;
        // That node does not have it (and did not run the call): ask again, unless nobody knows better.
        this.#where.delete(name);
        const again = await this.locate(name, to);
        if (again === to) break;
        to = again;
      }
    }
    // A node linked to nobody can find no agent: the likelier mistake is a missing connect(), so say that too.
    const alone = this.node.peers().length === 0 ? ' (this node is connected to no other: connect() it to a relay or a peer first)' : '';
    throw meshError(MeshErrorCode.AGENT_NOT_FOUND, `no node hosts agent "${name}"${alone}`);
  }

  /**
   * One call through the RPC layer to the node `to`. The proxy for an agent on a node is kept (a node's links last
   * as long as the node): making one per call — its Proxy, its closures, the name's hash — cost as much as the call's
   * own work here. The oldest are dropped past REMOTES_KEPT.
   */
  #remote(to: string, name: string, method: string, args: readonly unknown[]): Promise<unknown> {
    const key = `${to} ${name}`;
    let remote = this.#remotes.get(key);
    if (!remote) {
      remote = wrap<Record<string, (...args: unknown[]) => Promise<unknown>>>(this.node.link(to), { name, timeoutMs: this.#callTimeoutMs });
      this.#remotes.set(key, remote);
      if (this.#remotes.size > REMOTES_KEPT) this.#remotes.delete(this.#remotes.keys().next().value!);
    }
    return remote[method]!(...args);
  }

  /** A proxy whose methods call the agent `name` (see call()). */
  proxy<T extends object>(name: string): AgentProxy<T> {
    return new Proxy({}, {
      get: (_t, method) => (typeof method === 'string' && method !== 'then' ? (...args: unknown[]) => this.call(name, method, args) : undefined),
    }) as AgentProxy<T>;
  }

  /**
   * Where the agent `name` lives: this node, a node it moved to, the last place seen, or else the first answer to
   * an AgentQuery sent to every known node. Resolves undefined when nobody knows within queryTimeoutMs.
   */
  async locate(name: string, notAt?: string): Promise<string | undefined> {
    const known = this.#knownLocation(name);
    if (known !== undefined && known !== notAt) return known;
    await this.node.discovered(this.#queryTimeoutMs); // a link that just opened may not have told its routes yet
    const targets = this.node.peers().map((p) => p.id).filter((id) => id !== notAt);
    if (targets.length === 0) return undefined;
    const found = await new Promise<string | undefined>((resolve) => {
      let left = targets.length;
      const ids: number[] = [];
      const done = (value: string | undefined): void => {
        this.node.clock.clearTimeout(timer);
        for (const id of ids) this.#queries.delete(id);
        resolve(value);
      };
      const timer = this.node.clock.setTimeout(() => done(undefined), this.#queryTimeoutMs);
      for (const target of targets) {
        try {
          const id = this.node.send(target, { type: MessageType.AgentQuery, body: { name } satisfies AgentQueryBody });
          ids.push(id);
          this.#queries.set(id, (node) => {
            if (node !== null && node !== notAt) done(node);
            else if (--left === 0) done(undefined);
          });
        } catch {
          if (--left === 0) done(undefined);
        }
      }
    });
    if (found !== undefined) this.#where.set(name, found);
    return found;
  }

  /**
   * Moves the agent `name` from this node to `to` (default: the least-loaded other node with its capabilities)
   * and resolves with the destination's id. On failure the agent keeps running here and this rejects with
   * MeshError MIGRATION_FAILED (or MIGRATION_REFUSED: the destination takes no agents from this node; AGENT_NOT_FOUND, NO_PLACEMENT).
   */
  async migrate(name: string, to?: string): Promise<string> {
    const h = this.#hosted.get(fnv1a64(name));
    if (!h || h.state === 'incoming') throw meshError(MeshErrorCode.AGENT_NOT_FOUND, `agent "${name}" is not hosted on this node`);
    if (h.state === 'migrating') throw meshError(MeshErrorCode.MIGRATION_FAILED, `agent "${name}" is already migrating`);
    const dest = to === undefined ? this.place(h.capabilities, [this.node.idHex]) : idKey(to);
    if (dest === this.node.idHex) return dest;
    h.state = 'migrating';
    const id = this.#nextMigration++;
    let committed: Promise<void>;
    try {
      await this.#drain(h);
      await this.#exchange(dest, 'transfer', { migrationId: id, phase: 'transfer', name, kind: h.kind, state: takeSnapshot(h.agent), capabilities: h.capabilities });
      committed = this.#exchange(dest, 'commit', { migrationId: id, phase: 'commit', name, kind: h.kind });
      committed.catch(() => {}); // awaited below, after the hand-over
    } catch (error) {
      try {
        this.node.send(dest, { type: MessageType.AgentMigration, ack: true, trace: tracer?.active(), body: { migrationId: id, phase: 'abort', name, kind: h.kind } satisfies AgentMigrationBody });
      } catch {
        // the destination drops an uncommitted agent on its own deadline
      }
      h.state = 'active';
      wake(h);
      if (debug.on) debug.log('migration rolled back', { agent: name, to: dest, error }, tracer?.active()?.traceId);
      throw error instanceof MeshError && (error.code === MeshErrorCode.MIGRATION_FAILED || error.code === MeshErrorCode.MIGRATION_REFUSED) ? error
        : meshError(MeshErrorCode.MIGRATION_FAILED, `migration of "${name}" to ${dest} rolled back: ${(error as Error).message}`);
    }
    this.#hosted.delete(h.moduleId);
    this.#moved.set(h.moduleId, dest);
    this.#where.set(name, dest);
    this.#placed.set(dest, (this.#placed.get(dest) ?? 0) + 1);
    this.#changed(h, 'left');
    if (debug.on) debug.log('migrated', { agent: name, to: dest }, tracer?.active()?.traceId);
    wake(h); // the calls that waited are handed over (#invoke forwards them)
    try {
      await committed;
    } catch (error) {
      // Past the commit there is nothing to roll back: the agent was handed over, and the destination may still
      // make it live (the commit is acked, so it arrives unless the link is gone for good).
      throw meshError(MeshErrorCode.MIGRATION_FAILED, `agent "${name}" was handed over to ${dest}, which did not confirm it is live: ${(error as Error).message}`);
    }
    return dest;
  }

  /**
   * Stops hosting the agent `name` here: it is forgotten, and calls to it answer AGENT_NOT_FOUND. Only an agent that
   * is not moving can be removed. Returns false when no such agent is hosted here.
   */
  remove(name: string): boolean {
    const moduleId = fnv1a64(name);
    const h = this.#hosted.get(moduleId);
    if (!h) return false;
    if (h.state !== 'active') throw meshError(MeshErrorCode.BAD_ARGUMENT, `agent "${name}" is ${h.state === 'migrating' ? 'migrating' : 'arriving'}: it cannot be removed now`);
    this.#hosted.delete(moduleId);
    this.#facades.delete(moduleId);
    for (const stops of this.#exposed.values()) {
      stops.get(moduleId)?.();
      stops.delete(moduleId);
    }
    if (this.#where.get(name) === this.node.idHex) this.#where.delete(name);
    this.#changed(h, 'removed');
    return true;
  }

  /**
   * Calls `listener`, synchronously, with every change of an agent hosted here (see AgentChange): one exposed,
   * spawned or arriving for good, a call that ended, one leaving or removed. A Durable Object writes the agent's
   * state before the call's answer leaves; a swarm worker reports its agents. Returns a function that stops it.
   */
  onChange(listener: (change: AgentChange) => void): () => void {
    this.#listeners.push(listener);
    return () => {
      const at = this.#listeners.indexOf(listener);
      if (at >= 0) this.#listeners.splice(at, 1);
    };
  }



  /**
   * The least-loaded node (this one included) with all `capabilities`, from the peers' latest LoadInfo (plus the
   * agents this host sent each one since). Throws
   * MeshError NO_PLACEMENT when none has them.
   */
  place(capabilities: readonly string[] = [], exclude: readonly string[] = []): string {
    const candidates: Candidate[] = [{ id: this.node.idHex, capabilities: this.node.capabilities, load: this.node.load() }];
    for (const p of this.node.peers()) {
      const extra = this.#placed.get(p.id) ?? 0;
      candidates.push(p.load ? { id: p.id, capabilities: p.capabilities, load: { ...p.load, agents: p.load.agents + extra } } : { id: p.id, capabilities: p.capabilities });
    }
    const best = leastLoaded(candidates.filter((c) => !exclude.includes(c.id)), capabilities);
    if (best === undefined) throw meshError(MeshErrorCode.NO_PLACEMENT, `no node has the capabilities [${capabilities.join(', ')}]`);
    return best;
  }

  /** The agents hosted here. */
  agents(): AgentInfo[] {
    return [...this.#hosted.values()].map((h) => ({
      name: h.name, kind: h.kind, state: h.state, capabilities: [...h.capabilities], calls: h.calls, running: h.running, waiting: h.waiting.length,
    }));
  }

  /** Stops serving and rejects pending calls and migrations. The node stays open. */
  close(): void {
    for (const off of this.#off) off();
    for (const stops of this.#exposed.values()) for (const stop of stops.values()) stop();
    this.#exposed.clear();
    for (const [id, w] of this.#acks) {
      this.node.clock.clearTimeout(w.timer);
      w.reject(meshError(MeshErrorCode.CLOSED, 'the agent host closed'));
      this.#acks.delete(id);
    }
    for (const h of this.#hosted.values()) this.node.clock.clearTimeout(h.incoming?.timer);
    this.node.clock.clearTimeout(this.#chunkTimer);
    this.#chunks.clear();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #host(name: string, kind: string, agent: object, capabilities: string[], state: Hosted['state']): Hosted {
    const moduleId = fnv1a64(name);
    if (this.#hosted.has(moduleId)) throw meshError(MeshErrorCode.BAD_ARGUMENT, `an agent named "${name}" is already hosted here`);
    const methods = new Map(methodsOf(agent).map((m) => [fnv1a32(m), m] as const));
    const h: Hosted = { name, kind, moduleId, agent: agent as Hosted['agent'], methods, capabilities, state, calls: 0, running: 0, waiting: [], drained: [] };
    this.#hosted.set(moduleId, h);
    const facade: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
    for (const method of methods.values()) {
      const fn = (...args: unknown[]): Promise<unknown> => this.#invoke(moduleId, name, method, args);
      // The agent's own arity, so describe() lists it and a call with fewer arguments is refused (SW_ERR_RPC_ARITY) as
      // any exposed function's is, before it waits for a migration or is handed over.
      facade[method] = Object.defineProperty(fn, 'length', { value: (agent as Record<string, () => unknown>)[method]!.length });
    }
    this.#facades.set(moduleId, { name, facade });
    for (const link of this.#exposed.keys()) this.#exposeOn(link, moduleId, name, facade);
    if (state === 'active') {
      this.#moved.delete(moduleId);
      this.#where.set(name, this.node.idHex);
      this.#changed(h, 'active');
    }
    if (!this.#factories.has(kind)) {
      // Lets this node take the agent back later without a define(): a fresh object of the same prototype.
      const proto = Object.getPrototypeOf(agent) as object | null;
      this.#factories.set(kind, () => Object.create(proto) as object);
    }
    return h;
  }

  #changed(h: Hosted, event: AgentChange['event']): void {
    if (this.#listeners.length === 0) return;
    const change: AgentChange = { event, name: h.name, kind: h.kind, capabilities: h.capabilities, agent: h.agent };
    for (const listener of this.#listeners.slice()) {
      try {
        listener(change);
      } catch {
        // a listener's failure is its own; the host carries on
      }
    }
  }

  #knownLocation(name: string): string | undefined {
    const moduleId = fnv1a64(name);
    const h = this.#hosted.get(moduleId);
    if (h) return h.incoming ? h.incoming.from : this.node.idHex;
    // The last place seen (kept current by redirects and queries) before where this node once sent it.
    return this.#where.get(name) ?? this.#moved.get(moduleId);
  }

  /** Resolves once no call of `h` runs; rejects after migrationTimeoutMs. */
  #drain(h: Hosted): Promise<void> {
    if (h.running === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = this.node.clock.setTimeout(() => {
        h.drained.splice(h.drained.indexOf(done), 1);
        reject(meshError(MeshErrorCode.MIGRATION_FAILED, `${h.running} call(s) of "${h.name}" still running after ${this.#migrationTimeoutMs} ms`));
      }, this.#migrationTimeoutMs);
      const done = (): void => {
        this.node.clock.clearTimeout(timer);
        resolve();
      };
      h.drained.push(done);
    });
  }

  /**
   * Sends a 'transfer' or 'commit' and waits for the MigrationAck answering it; rejects unless it says ok within
   * migrationTimeoutMs.
   */
  #exchange(dest: string, phase: 'transfer' | 'commit', body: AgentMigrationBody): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = this.node.clock.setTimeout(() => {
        this.#acks.delete(body.migrationId);
        reject(meshError(MeshErrorCode.MIGRATION_FAILED, `no MigrationAck${phase === 'commit' ? ' of the commit' : ''} from ${dest} within ${this.#migrationTimeoutMs} ms`));
      }, this.#migrationTimeoutMs);
      this.#acks.set(body.migrationId, {
        dest, phase, timer, reject,
        resolve: (ack) => {
          if (ack.ok) return resolve();
          // A destination that takes no agents from this node says so with its code: the caller can tell it from a failure.
          const code = ack.message?.startsWith(MeshErrorCode.MIGRATION_REFUSED) ? MeshErrorCode.MIGRATION_REFUSED : MeshErrorCode.MIGRATION_FAILED;
          reject(meshError(code, `${dest} refused agent "${body.name}": ${ack.message ?? 'no reason'}`));
        },
      });
      try {
        for (const frame of transferFrames(body, this.#chunkBytes)) this.node.send(dest, { type: MessageType.AgentMigration, ack: true, trace: tracer?.active(), body: frame });
      } catch (error) {
        this.node.clock.clearTimeout(timer);
        this.#acks.delete(body.migrationId);
        reject(error);
      }
    });
  }

  /** Serves every agent (and every agent that left, to redirect) on a new peer link. */
  #exposeAll(link: PeerLink): void {
    if (!this.#exposed.has(link)) this.#exposed.set(link, new Map());
    for (const [moduleId, { name, facade }] of this.#facades) this.#exposeOn(link, moduleId, name, facade);
  }

  #exposeOn(link: PeerLink, moduleId: bigint, name: string, facade: object): void {
    const stops = this.#exposed.get(link)!;
    stops.get(moduleId)?.();
    stops.set(moduleId, expose(facade, link, { name }));
  }

  /**
   * A call that reached this node: run it, or wait while the agent moves, then hand it over to its new home (and
   * relay the answer); an agent that left earlier answers AGENT_MOVED with `movedTo`.
   */
  async #invoke(moduleId: bigint, name: string, method: string, args: unknown[]): Promise<unknown> {
    let h = this.#hosted.get(moduleId);
    while (h && h.state !== 'active') {
      const waitingOn = h;
      await new Promise<void>((resolve) => waitingOn.waiting.push(resolve));
      h = this.#hosted.get(moduleId);
      if (h !== waitingOn) {
        const dest = this.#moved.get(moduleId);
        if (dest !== undefined) return this.#remote(dest, name, method, args);
      }
    }
    if (!h || this.#facades.get(moduleId)?.name !== name) {
      const dest = this.#moved.get(moduleId);
      if (dest !== undefined) throw Object.assign(meshError(MeshErrorCode.AGENT_MOVED, `agent "${name}" moved to ${dest}`), { movedTo: dest });
      throw Object.assign(meshError(MeshErrorCode.AGENT_NOT_FOUND, `agent "${name}" is not on node ${this.node.idHex}`), { absentFrom: this.node.idHex });
    }
    const fn = h.agent[method];
    if (typeof fn !== 'function') throw meshError(MeshErrorCode.BAD_ARGUMENT, `agent "${name}" has no method "${method}"`);
    h.running++;
    h.calls++;
    try {
      return await (fn as (...args: unknown[]) => unknown).apply(h.agent, args);
    } finally {
      if (--h.running === 0) for (const d of h.drained.splice(0)) d();
      this.#changed(h, 'called'); // before the answer leaves: a migration waiting on the drain resumes later
    }
  }

  #onMessage({ from, frame }: MeshMessage): void {
    try {
      switch (frame.type) {
        case MessageType.AgentQuery: {
          const { name } = parseAgentQuery(decodeBody(frame));
          const at = this.#knownLocation(name);
          this.node.send(from, { type: MessageType.Response, requestId: frame.requestId, body: { name, node: at === undefined ? null : idBytes(at) } satisfies AgentLocation });
          return;
        }
        case MessageType.Response: {
          const query = this.#queries.get(Number(frame.requestId));
          if (query) {
            const { node } = decodeBody<AgentLocation>(frame);
            query(node instanceof Uint8Array && node.length === 16 ? idHex(node) : null);
          }
          return;
        }
        case MessageType.Error: {
          this.#queries.get(Number(frame.requestId))?.(null);
          return;
        }
        case MessageType.AgentMigration: {
          const body = parseMigration(decodeBody(frame));
          if (!tracer) return this.#onMigration(from, body);
          // A span of its own on this node, linked to the sender's: the move is one story told by two nodes.
          const span = tracer.internal(`swarmwire migration ${body.phase}`, { 'swarmwire.agent': body.name, 'swarmwire.migration_id': body.migrationId, 'swarmwire.from': from }, frame.trace && [frame.trace]);
          try {
            span.run(() => this.#onMigration(from, body));
          } finally {
            span.end();
          }
          return;
        }
        case MessageType.MigrationAck: {
          const ack = parseMigrationAck(decodeBody(frame));
          const w = this.#acks.get(ack.migrationId);
          if (!w || w.dest !== from || (ack.phase ?? 'transfer') !== w.phase) return;
          this.#acks.delete(ack.migrationId);
          this.node.clock.clearTimeout(w.timer);
          w.resolve(ack);
        }
      }
    } catch (error) {
      // A malformed mesh message: its sender hears why (the migration or query it belongs to ends at its deadline).
      if (frame.type === MessageType.Response || frame.type === MessageType.Error) return;
      const status = error instanceof SwarmwireError ? error.status : Status.ExecutionError;
      try {
        this.node.send(from, { type: MessageType.Error, requestId: frame.requestId, body: { status, message: (error as Error).message } satisfies ErrorBody });
      } catch {
        // the sender is gone
      }
    }
  }

  /**
   * Drops the chunked states node `from` has in progress here (their share of maxSnapshotBytes is free again): it
   * left. Called on this node's own 'disconnected'; a host whose senders reach it through a relay calls it when the
   * relay says a peer left.
   */
  forget(from: string): void {
    this.#chunks.forget(from);
    this.#armChunkTimer();
  }

  #onMigration(from: string, body: AgentMigrationBody): void {
    // Refused before any of the state is kept: the first chunk, or the transfer, of an agent from a node not admitted.
    const arriving = body.phase === 'transfer' || (body.phase === 'chunk' && body.index === 0);
    if (arriving && this.#admit && !this.#admit(from)) {
      return this.#answer(from, body, false, `${MeshErrorCode.MIGRATION_REFUSED}: ${this.node.idHex} takes no agents from ${from}`);
    }
    if (body.phase === 'chunk') {
      // The last chunk of a state too large for one frame is the transfer.
      const state = this.#chunk(from, body as ChunkBody);
      if (!state) return;
      body = { ...body, phase: 'transfer', state: state.value };
    }
    const moduleId = fnv1a64(body.name);
    const h = this.#hosted.get(moduleId);
    const mine = h?.incoming && h.incoming.id === body.migrationId && h.incoming.from === from ? h : undefined;
    const ack = (ok: boolean, message?: string): void => this.#answer(from, body, ok, message);
    if (body.phase === 'commit') {
      // The source waits for this answer: once it has it, the agent is live here.
      if (!mine) return ack(false, `no agent "${body.name}" is arriving on ${this.node.idHex} from migration ${body.migrationId} (dropped after its deadline?)`);
      this.node.clock.clearTimeout(mine.incoming!.timer);
      mine.incoming = undefined;
      mine.state = 'active';
      this.#moved.delete(moduleId);
      this.#where.set(body.name, this.node.idHex);
      this.#changed(mine, 'active');
      wake(mine);
      return ack(true);
    }
    if (body.phase === 'abort') {
      this.#chunks.cancel(from, body.migrationId);
      if (mine) this.#dropIncoming(mine, from);
      return;
    }
    if (h) return ack(false, `an agent named "${body.name}" is already hosted on ${this.node.idHex}`);
    const factory = this.#factories.get(body.kind);
    if (!factory) return ack(false, `no factory for agent kind "${body.kind}" on ${this.node.idHex}`);
    let incoming: Hosted;
    try {
      const agent = factory();
      if (body.state !== undefined) restoreSnapshot(agent, body.state);
      incoming = this.#host(body.name, body.kind, agent, Array.isArray(body.capabilities) ? body.capabilities : [], 'incoming');
    } catch (error) {
      return ack(false, `restoring "${body.name}" failed: ${(error as Error).message}`);
    }
    // Without a commit or an abort (the source vanished), the copy is dropped: the source still has the original.
    const timer = unref(this.node.clock.setTimeout(() => this.#dropIncoming(incoming, from), 2 * this.#migrationTimeoutMs));
    incoming.incoming = { id: body.migrationId, from, timer };
    ack(true);
  }

  #answer(to: string, body: Pick<AgentMigrationBody, 'migrationId' | 'name'> & { phase?: AgentMigrationBody['phase'] }, ok: boolean, message?: string): void {
    const phase = body.phase === 'commit' ? { phase: 'commit' as const } : {}; // the commit is answered too (MigrationAck)
    this.node.send(to, { type: MessageType.MigrationAck, ack: true, trace: tracer?.active(), body: { migrationId: body.migrationId, name: body.name, ok, ...(message ? { message } : {}), ...phase } satisfies MigrationAckBody });
  }

  /**
   * One chunk of an incoming state: the whole state once the last is in, else undefined. A sequence the assembler
   * refuses, or one that misses its deadline, is answered with MigrationAck ok false (the source rolls back).
   */
  #chunk(from: string, chunk: ChunkBody): { value: unknown } | undefined {
    let whole: Uint8Array | undefined;
    try {
      whole = this.#chunks.add(from, chunk, this.node.clock.now());
      if (whole) return { value: unpack(whole) };
    } catch (error) {
      this.#answer(from, chunk, false, `${(error as { code?: string }).code ?? 'SW_ERR_PAYLOAD'}: ${(error as Error).message}`);
    } finally {
      this.#armChunkTimer();
    }
    return undefined;
  }

  #armChunkTimer(): void {
    const clock = this.node.clock;
    clock.clearTimeout(this.#chunkTimer);
    const next = this.#chunks.nextDeadline();
    if (next === undefined) return;
    this.#chunkTimer = unref(clock.setTimeout(() => {
      for (const gone of this.#chunks.expire(clock.now())) {
        try {
          this.#answer(gone.from, gone, false, `${MeshErrorCode.SNAPSHOT_EXPIRED}: the state of "${gone.name}" did not arrive within ${2 * this.#migrationTimeoutMs} ms`);
        } catch {
          // its source is gone
        }
      }
      this.#armChunkTimer();
    }, Math.max(0, next - clock.now()) + 1));
  }

  /** Forgets an agent whose migration was rolled back; calls that reached it are sent back to its source. */
  #dropIncoming(h: Hosted, source: string): void {
    if (this.#hosted.get(h.moduleId) !== h || !h.incoming) return;
    this.node.clock.clearTimeout(h.incoming.timer);
    this.#hosted.delete(h.moduleId);
    this.#moved.set(h.moduleId, source);
    wake(h);
  }
}

function wake(h: Hosted): void {
  for (const w of h.waiting.splice(0)) w();
}
