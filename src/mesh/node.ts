// A mesh node: one 16-byte id, sessions to any number of peers over any transport, frames addressed by node id
// (directly, or in Routed envelopes through relays), Discovery of who is reachable, periodic LoadInfo, idle
// connections closed, and counters per node and per connection.
import { Feature, MessageType, Status, type Role } from '../wire/constants.js';
import { SwarmwireError } from '../wire/errors.js';
import { type Frame, decodeBody, decodeFrame, encodeFrame, frameSize, withRequestId } from '../wire/frame.js';
import { pack } from '../wire/payload.js';
import { DEFAULT_TTL, parseRouted, type RoutedBody } from '../wire/routed.js';
import { CloseCode, type CloseInfo, Priority, type Transport } from '../transport/transport.js';
import { type ConnectOptions, connectSession, dialUrl } from '../session/connect.js';
import { SessionHost, type HostOptions } from '../session/host.js';
import { DEFAULT_MAX_PEER_INFO_BYTES, withPeerInfoLimit } from '../session/peer-info.js';
import type { ErrorBody } from '../session/messages.js';
import type { Session, SessionFrame } from '../session/session.js';
import { meshError, MeshErrorCode } from './errors.js';
import { idBytes, idHex, idKey } from './ids.js';
import { createIdentity, type Identity } from '../session/identity.js';
import { LoadMeter } from './load.js';
import type { DiscoveryBody, KnownPeer, LoadInfoBody } from './messages.js';
import { parseDiscovery, parseLoadInfo } from './parse.js';
import { type DirectPeer, Router, bounce } from './router.js';
import { PeerLink, isRpcType } from './link.js';
import { createDebug } from '../core/debug.js';
import { type Clock, type ClockTimer, realClock, unref } from '../core/clock.js';

const debug = /* @__PURE__ */ createDebug('swarmwire:mesh');

export interface MeshNodeOptions extends HostOptions {
  /**
   * Nodes (ids, 32 hex digits) whose reports this node believes when they connect to it: the origin of a frame
   * they forward, and the routes they announce. Relays this node dials are believed anyway. Default: none.
   */
  trustedRelays: Iterable<string>;
  /** Close a connection after this long without application frames either way, ms; 0 never. Default: 300,000. */
  idleTimeoutMs: number;
  /** Interval of LoadInfo to every direct peer (and of the lag measurement), ms; 0 turns it off. Default: 2,000. */
  loadIntervalMs: number;
  /**
   * Bytes the Hello of a peer that connects to this node (accept()) may spend on its capabilities and metadata, as
   * MessagePack encodes them: the node keeps them while the peer stays, and a core or relay node repeats the
   * capabilities in its Discovery answers. A Hello over it is refused at the handshake with Error Unauthorized
   * `SW_ERR_MESH_PEER_INFO_TOO_LARGE` (a MeshError on this side; the peer's connect fails with SessionError
   * SW_ERR_HANDSHAKE_REJECTED) and a close 1008, before `authorize` is asked: the relay's rule
   * (src/session/peer-info.ts). Infinity turns the limit off. Default: 4,096.
   */
  maxPeerInfoBytes: number;
}

/** What send() takes: a frame (type Event unless given), whether it must be acked, and a TTL when routed. */
export interface MeshFrame extends Omit<SessionFrame, 'type' | 'requestId'> {
  /** Default: MessageType.Event. */
  type?: MessageType;
  /** For replies (Response, Error): the request's id. Not allowed with `ack`, which always takes a fresh id. Default: a fresh id. */
  requestId?: number | bigint;
  /** Hops allowed when the frame must be routed. Default: DEFAULT_TTL (16). */
  ttl?: number;
}

/** A frame that reached this node, and from whom. */
export interface MeshMessage {
  /** The origin's node id (hex): for a routed frame the node that sent it, not the last relay. */
  from: string;
  /** The frame, with the request_id its origin gave it. Its payload may be a view valid only during the call. */
  frame: Frame;
  /** Relays it passed: 0 for a frame from a direct peer. */
  hops: number;
}

/** A node this node knows of. */
export interface MeshPeer extends Omit<KnownPeer, 'id'> {
  /** Node id, hex. */
  id: string;
  /** Its last LoadInfo, for direct peers that sent one. */
  load?: LoadInfoBody;
}

/** Counters of one connection (one direct peer). */
export interface ConnectionStats {
  peer: string;
  role: Role;
  capabilities: string[];
  /** Who dialled: 'out' this node, 'in' the peer. */
  direction: 'in' | 'out';
  transport: string;
  state: string;
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Last round trip measured by the session's heartbeat, ms; null before the first. */
  rtt: number | null;
  /** Acked frames not yet acknowledged: the queue towards this peer. */
  unacked: number;
  /** Their bytes. */
  unackedBytes: number;
  /** Time since the last application frame either way, ms. */
  idleMs: number;
  load?: LoadInfoBody;
}

/** Counters of the node. */
export interface NodeStats {
  id: string;
  role: Role;
  uptimeMs: number;
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Routed frames this node forwarded for others. */
  forwarded: number;
  /** Routed frames this node dropped (TTL, no route). */
  dropped: number;
  /** This node's own load, as its LoadInfo says it. */
  load: LoadInfoBody;
  connections: ConnectionStats[];
}

export interface MeshNodeEvents {
  connected: [peer: MeshPeer];
  disconnected: [peer: string, info: CloseInfo];
  message: [message: MeshMessage];
  load: [peer: string, load: LoadInfoBody];
  error: [error: SwarmwireError];
  /** The node closed. */
  close: [];
}

interface Conn {
  id: string;
  session: Session;
  direct: DirectPeer;
  direction: 'in' | 'out';
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  lastActive: number;
  load?: LoadInfoBody;
  /** Resolves when the peer's first Discovery or DiscoveryResponse is in (its routes are known). */
  discovered: Promise<void>;
  markDiscovered: () => void;
}

// A frame to itself arrives in a later task, as from a socket: a caller looping on calls to a local agent must
// not starve timers (a microtask would).
const macrotask: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);

/** Frames the mesh itself exchanges; they do not count as activity for the idle timeout. */
const isControl = (type: number): boolean => type === MessageType.Discovery || type === MessageType.DiscoveryResponse || type === MessageType.LoadInfo;
/** Routed frames in flight whose first-hop Error must be matched back to the carried frame's id. */
const MAX_ROUTED_PENDING = 4096;

export class MeshNode implements Disposable {
  /** This node's key pair, which its id is derived from. */
  readonly identity: Identity;
  /** This node's id, 16 bytes. */
  readonly id: Uint8Array;
  /** This node's id, hex. */
  readonly idHex: string;
  readonly role: Role;
  readonly capabilities: readonly string[];
  /** Who is reachable through which connection. */
  readonly router: Router;
  readonly #options: Readonly<Partial<MeshNodeOptions>>;
  /** Ids (hex) of relays whose reports are believed when they connect to this node (trustedRelays). */
  readonly #trusted: ReadonlySet<string>;
  readonly #host: SessionHost;
  readonly #conns = new Map<string, Conn>();
  /** Envelope id → the carried frame's id, to match a first relay's Error to the frame. */
  readonly #routedOut = new Map<number, number>();
  /**
   * Carried Request id → its destination and the relay it left through, so an Error about it from that relay
   * reaches the destination's RPC link. An Error from any other node is that node's: it cannot fail the call.
   */
  readonly #routedTo = new Map<number, { to: string; via: string }>();
  readonly #links = new Map<string, PeerLink>();
  readonly #onLink: Array<(link: PeerLink) => void> = [];
  #reachWaiters: Array<{ peer: string; resolve: () => void }> = [];
  /** Where the node, its sessions, RPC deadlines over its links and its agent host read the time (options.clock). */
  readonly clock: Clock;
  readonly #started: number;
  readonly #totals = { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, forwarded: 0, dropped: 0 };
  readonly #meter: LoadMeter;
  #agentCount: () => number = () => 0;
  #idleTimer: ClockTimer | undefined;
  #announcing = false;
  #closed = false;
  #nextId = 1;
  readonly #listeners: { [E in keyof MeshNodeEvents]: Array<(...args: MeshNodeEvents[E]) => void> } = {
    connected: [], disconnected: [], message: [], load: [], error: [], close: [],
  };

  /**
   * A node with the identity given (createIdentity(), or loadIdentity() to keep its id across restarts).
   * MeshNode.create() makes one with a new ephemeral identity.
   */
  constructor(options: Readonly<Partial<MeshNodeOptions>> & { readonly identity: Identity }) {
    if (!options?.identity) throw new TypeError('[swarmwire] new MeshNode() needs options.identity: use `await MeshNode.create()` for a new ephemeral one, or pass `identity: await createIdentity()`');
    this.identity = options.identity;
    this.id = this.identity.id;
    this.idHex = this.identity.idHex;
    this.role = options.role ?? 'edge';
    this.capabilities = options.capabilities ?? [];
    this.#trusted = new Set([...(options.trustedRelays ?? [])].map((id) => idHex(idBytes(id))));
    this.#options = { ...options };
    this.clock = options.clock ?? realClock;
    this.#started = this.clock.now();
    this.router = new Router(this.idHex);
    this.#host = new SessionHost({
      ...this.#options,
      authorize: withPeerInfoLimit(options.maxPeerInfoBytes ?? DEFAULT_MAX_PEER_INFO_BYTES, options.authorize, 'node', (message) => meshError(MeshErrorCode.PEER_INFO_TOO_LARGE, `${MeshErrorCode.PEER_INFO_TOO_LARGE}: ${message}`)),
    });
    this.#host.onSession((session) => this.#register(session, 'in'));
    this.#meter = new LoadMeter(options.loadIntervalMs ?? 2_000, () => this.#sendLoad(), this.clock);
    this.#meter.start();
    const idle = options.idleTimeoutMs ?? 300_000;
    if (idle > 0) {
      const every = Math.max(10, Math.min(idle / 2, 30_000));
      const check = (): void => {
        this.#idleTimer = unref(this.clock.setTimeout(check, every));
        this.#closeIdle(idle);
      };
      this.#idleTimer = unref(this.clock.setTimeout(check, every));
    }
  }

  /** A node with `options.identity`, or a new ephemeral identity when none is given. */
  static async create(options: Readonly<Partial<MeshNodeOptions>> = {}): Promise<MeshNode> {
    return new MeshNode({ ...options, identity: options.identity ?? await createIdentity() });
  }

  on<E extends keyof MeshNodeEvents>(event: E, listener: (...args: MeshNodeEvents[E]) => void): () => void {
    const list = this.#listeners[event] as Array<(...args: MeshNodeEvents[E]) => void>;
    list.push(listener);
    return () => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /** Runs the accepting side of a handshake on `transport`; resolves with the peer's id once it is connected. */
  async accept(transport: Transport): Promise<string> {
    this.#assertOpen();
    const session = await this.#host.accept(transport);
    return session.peer!.id;
  }

  /**
   * Connects to a peer at `target` — a URL as connect() takes (ws:, wss:, https:), or a function making transports —
   * and keeps the link up (reconnecting with backoff, see connectSession); resolves with the peer's id once the
   * first handshake is through.
   */
  async connect(target: string | URL | (() => Transport | Promise<Transport>), options: Readonly<Partial<ConnectOptions>> = {}): Promise<string> {
    this.#assertOpen();
    const { webSocket, webTransport, ...rest } = options;
    const dial = typeof target === 'function' ? target : dialUrl(target, options);
    const session = await connectSession(dial, { ...this.#options, ...rest, identity: this.identity });
    if (this.#closed) {
      session.close(CloseCode.GoingAway, 'node closed');
      throw meshError(MeshErrorCode.CLOSED, 'the node closed while connecting');
    }
    this.#register(session, 'out');
    return session.peer!.id;
  }

  /**
   * Sends a frame to the node `to` (id bytes or hex): on the direct connection if there is one, else in a Routed
   * envelope to the relay that announced it (or any connected relay). Returns the frame's request id; a routed
   * frame that cannot be delivered comes back as a 'message' of type Error with that id. To itself, the frame is
   * delivered as a message in a later task. Throws MeshError NO_ROUTE or CLOSED, BAD_ARGUMENT for `requestId`
   * with `ack`, and what Session.send throws (FULL, TOO_LARGE).
   */
  send(to: string | Uint8Array, frame: Readonly<MeshFrame>): number {
    this.#assertOpen();
    const target = idKey(to);
    const id = frame.requestId === undefined ? this.#nextId++ : Number(frame.requestId);
    const payload = frame.payload ?? (frame.body === undefined ? undefined : pack(frame.body));
    // The id as given (see Session.send: an answer to an id past 2^53 names it exactly).
    const init = { type: frame.type ?? MessageType.Event, requestId: frame.requestId ?? id, moduleId: frame.moduleId, methodHash: frame.methodHash, payload, trace: frame.trace };
    if (target === this.idHex) {
      const local = decodeFrame(encodeFrame(init));
      macrotask(() => this.#dispatch({ from: this.idHex, frame: local, hops: 0 }));
      return id;
    }
    const direct = this.#conns.get(target);
    if (direct) {
      this.#sendOn(direct, { type: init.type, features: frame.features, requestId: id, moduleId: frame.moduleId, methodHash: frame.methodHash, payload, trace: frame.trace, ack: frame.ack, priority: frame.priority });
      return id;
    }
    const via = this.router.nextHop(target) ?? this.router.defaultHop();
    const conn = via === undefined ? undefined : this.#conns.get(via);
    if (!conn) {
      if (debug.on) debug.log('no route', { to: target, type: init.type });
      throw meshError(MeshErrorCode.NO_ROUTE, `no route to node ${target}: not connected, and no relay knows it`);
    }
    const outer = this.#nextId++;
    const body: Omit<RoutedBody, 'from'> = { to: idBytes(target), ttl: frame.ttl ?? DEFAULT_TTL, hops: 0, frame: encodeFrame(init) };
    this.#sendOn(conn, { type: MessageType.Routed, requestId: outer, ack: frame.ack, priority: frame.priority, body });
    this.#routedOut.set(outer, id);
    if (this.#routedOut.size > MAX_ROUTED_PENDING) this.#routedOut.delete(this.#routedOut.keys().next().value!);
    if (init.type === MessageType.Request) {
      this.#routedTo.set(id, { to: target, via: conn.id });
      if (this.#routedTo.size > MAX_ROUTED_PENDING) this.#routedTo.delete(this.#routedTo.keys().next().value!);
    }
    return id;
  }

  /** A fresh request id from the node's counter: the ids acked frames sent through send() must use. */
  nextRequestId(): number {
    return this.#nextId++;
  }

  /**
   * The peer `peer` as an RpcLink, for expose() and wrap() across the mesh (made on first use, then the same
   * object). Requests from a node that has no link yet make one, announced to onLink() listeners first.
   */
  link(peer: string | Uint8Array): PeerLink {
    const id = idKey(peer);
    let link = this.#links.get(id);
    if (!link) {
      link = new PeerLink(this, id);
      this.#links.set(id, link);
      for (const l of this.#onLink.slice()) l(link);
    }
    return link;
  }

  /** The links made so far. */
  links(): PeerLink[] {
    return [...this.#links.values()];
  }

  /** Calls `listener` with every link made from now on. Returns a function that stops it. */
  onLink(listener: (link: PeerLink) => void): () => void {
    this.#onLink.push(listener);
    return () => {
      const at = this.#onLink.indexOf(listener);
      if (at >= 0) this.#onLink.splice(at, 1);
    };
  }

  /** True when a frame to `peer` would go out now: it is this node, a connected peer, or a relay leads there. */
  reachable(peer: string): boolean {
    if (peer === this.idHex) return !this.#closed;
    const via = this.#conns.has(peer) ? peer : this.router.nextHop(peer) ?? this.router.defaultHop();
    return via !== undefined && this.#conns.get(via)?.session.state === 'open';
  }

  /** Resolves once `peer` is reachable (no deadline of its own: callers bring theirs). */
  whenReachable(peer: string): Promise<void> {
    if (this.reachable(peer)) return Promise.resolve();
    return new Promise<void>((resolve) => this.#reachWaiters.push({ peer, resolve }));
  }

  #checkReachable(): void {
    if (this.#reachWaiters.length === 0) return;
    this.#reachWaiters = this.#reachWaiters.filter((w) => (this.reachable(w.peer) ? (w.resolve(), false) : true));
  }

  /** Direct peers, then nodes known through them (fewest hops first). */
  peers(): MeshPeer[] {
    const out: MeshPeer[] = [];
    for (const c of this.#conns.values()) out.push(this.#summary(c));
    for (const p of this.router.known().filter((p) => p.hops > 0).sort((a, b) => a.hops - b.hops)) {
      out.push({ id: idHex(p.id), role: p.role, capabilities: p.capabilities, hops: p.hops });
    }
    return out;
  }

  /** This node's load figures now (what its next LoadInfo will say). */
  load(): LoadInfoBody {
    let queue = 0;
    for (const c of this.#conns.values()) queue += c.session.unacked;
    return this.#meter.sample(this.#agentCount(), queue);
  }

  /** Counts the agents in LoadInfo (the agent host registers itself here). @internal */
  countAgents(count: () => number): void {
    this.#agentCount = count;
  }

  stats(): NodeStats {
    const now = this.clock.now();
    return {
      id: this.idHex, role: this.role, uptimeMs: now - this.#started, ...this.#totals, load: this.load(),
      connections: [...this.#conns.values()].map((c) => ({
        peer: c.id, role: c.direct.role, capabilities: [...c.direct.capabilities], direction: c.direction,
        transport: c.session.transportKind ?? 'none', state: c.session.state,
        framesIn: c.framesIn, framesOut: c.framesOut, bytesIn: c.bytesIn, bytesOut: c.bytesOut,
        rtt: Number.isNaN(c.session.rtt) ? null : c.session.rtt, unacked: c.session.unacked,
        unackedBytes: c.session.unackedBytes, idleMs: now - c.lastActive, ...(c.load ? { load: c.load } : {}),
      })),
    };
  }

  /**
   * Resolves once every direct peer has told what it can reach (its first Discovery exchange), or after
   * `timeoutMs` (default 1,000): what peers() lists is then as complete as the mesh can say.
   */
  async discovered(timeoutMs = 1_000): Promise<void> {
    let timer: ClockTimer | undefined;
    await Promise.race([
      Promise.all([...this.#conns.values()].map((c) => c.discovered)),
      new Promise<void>((resolve) => (timer = this.clock.setTimeout(resolve, timeoutMs))),
    ]);
    this.clock.clearTimeout(timer);
  }

  /**
   * Asks every direct peer (or `peer`) what it can reach; answers update the routes. Resolves when they have all
   * answered, or after `timeoutMs` (default 1,000).
   */
  discover(peer?: string, timeoutMs = 1_000): Promise<void> {
    for (const c of this.#conns.values()) {
      if (peer !== undefined && c.id !== peer) continue;
      c.discovered = new Promise<void>((resolve) => (c.markDiscovered = resolve));
      this.#sendDiscovery(c);
    }
    return this.discovered(timeoutMs);
  }

  /** Closes the connection to one peer (Goodbye: it does not reconnect). */
  disconnect(peer: string, reason = 'closed by the node'): void {
    this.#conns.get(peer)?.session.close(CloseCode.Normal, reason);
  }

  /** Says Goodbye to every peer and stops all timers. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#meter.stop();
    this.clock.clearTimeout(this.#idleTimer);
    for (const c of [...this.#conns.values()]) c.session.close(CloseCode.GoingAway, 'node closing');
    this.#host.close();
    for (const link of this.#links.values()) link.closed({ code: CloseCode.GoingAway, reason: 'node closed' });
    this.#emit('close');
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw meshError(MeshErrorCode.CLOSED, 'the node is closed');
  }

  #emit<E extends keyof MeshNodeEvents>(event: E, ...args: MeshNodeEvents[E]): void {
    for (const l of [...this.#listeners[event]] as Array<(...args: MeshNodeEvents[E]) => void>) {
      try {
        l(...args);
      } catch (error) {
        if (event !== 'error') this.#emit('error', error instanceof SwarmwireError ? error : meshError(MeshErrorCode.LISTENER_FAILED, `a ${event} listener threw: ${String(error)}`));
      }
    }
  }

  #summary(c: Conn): MeshPeer {
    return { id: c.id, role: c.direct.role, capabilities: [...c.direct.capabilities], hops: 0, ...(c.load ? { load: c.load } : {}) };
  }

  #register(session: Session, direction: 'in' | 'out'): void {
    const hello = session.peer!.hello;
    const id = session.peer!.id;
    let markDiscovered = (): void => {};
    const discovered = new Promise<void>((resolve) => (markDiscovered = resolve));
    const conn: Conn = {
      id, session, direction,
      // A relay this node dialled is its own choice; one that dialled in is believed only when listed.
      direct: { id: hello.nodeId, role: hello.role, capabilities: hello.capabilities, trusted: direction === 'out' || this.#trusted.has(id) },
      framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, lastActive: this.clock.now(), discovered, markDiscovered,
    };
    // Two links to one peer (both dialled each other): the newer carries the traffic, the older lives on until closed.
    this.#conns.set(id, conn);
    this.router.addDirect(conn.direct);
    if (debug.on) debug.log('connected', { peer: id, role: hello.role, direction, transport: session.transportKind, trusted: conn.direct.trusted });
    session.on('frame', (frame) => this.#onFrame(conn, frame));
    session.on('open', () => {
      this.#sendDiscovery(conn);
      this.#links.get(id)?.opened();
      this.#checkReachable();
    });
    session.on('disconnect', () => this.#links.get(id)?.disconnected());
    session.on('error', (error) => this.#emit('error', error));
    session.on('close', (info) => {
      if (this.#conns.get(id) !== conn) return;
      this.#conns.delete(id);
      this.router.removeDirect(id);
      if (debug.on) debug.log('disconnected', { peer: id, code: info.code, reason: info.reason, error: info.error });
      this.#emit('disconnected', id, info);
      this.#links.get(id)?.disconnected();
      this.#announce();
    });
    this.#sendDiscovery(conn);
    this.#announce();
    this.#emit('connected', this.#summary(conn));
    this.#links.get(id)?.opened();
    this.#checkReachable();
  }

  #sendOn(conn: Conn, frame: SessionFrame): void {
    const payload = frame.payload ?? (frame.body === undefined ? undefined : pack(frame.body));
    // Every id comes from the node's one counter, never the session's: the peer's duplicate filter must not see
    // two acked frames with one id.
    // Written out, not `{ ...frame, … }`: see "Hot paths" in docs/architecture.md (a spread then more keys is slow on Node 20).
    conn.session.send({
      type: frame.type, features: frame.features, requestId: frame.requestId ?? this.#nextId++, moduleId: frame.moduleId, methodHash: frame.methodHash,
      payload, trace: frame.trace, ack: frame.ack, priority: frame.priority, compress: frame.compress,
    });
    const bytes = frameSize(payload?.length ?? 0, 0);
    conn.framesOut++;
    conn.bytesOut += bytes;
    this.#totals.framesOut++;
    this.#totals.bytesOut += bytes;
    if (!isControl(frame.type)) conn.lastActive = this.clock.now();
  }

  #discoveryBody(to: string): DiscoveryBody {
    // Edge nodes do not forward, so they announce no one but themselves.
    return { role: this.role, capabilities: [...this.capabilities], peers: this.role === 'edge' ? [] : this.router.known(to) };
  }

  #sendDiscovery(conn: Conn): void {
    this.#try(() => this.#sendOn(conn, { type: MessageType.Discovery, ack: true, body: this.#discoveryBody(conn.id) }));
  }

  /** Tells relay and core peers, once per task, that what this node can reach changed. */
  #announce(): void {
    if (this.role === 'edge' || this.#announcing || this.#closed) return;
    this.#announcing = true;
    setTimeout(() => {
      this.#announcing = false;
      for (const c of this.#conns.values()) {
        if (c.direct.role === 'edge' || c.session.state === 'closed') continue;
        this.#try(() => this.#sendOn(c, { type: MessageType.DiscoveryResponse, ack: true, body: this.#discoveryBody(c.id) }));
      }
    }, 0);
  }

  #sendLoad(): void {
    if (this.#closed) return;
    const body = this.load();
    for (const c of this.#conns.values()) {
      if (c.session.state !== 'open') continue;
      this.#try(() => this.#sendOn(c, { type: MessageType.LoadInfo, priority: Priority.Low, body }));
    }
  }

  /** Best-effort sends: a full or closing link skips this one. */
  #try(send: () => void): void {
    try {
      send();
    } catch {
      // the next Discovery or LoadInfo carries the news
    }
  }

  #closeIdle(idleMs: number): void {
    const now = this.clock.now();
    for (const c of [...this.#conns.values()]) {
      if (now - c.lastActive <= idleMs) continue;
      if (debug.on) debug.log('idle', { peer: c.id, idleMs: now - c.lastActive });
      c.session.close(CloseCode.Normal, 'idle');
    }
  }

  #onFrame(conn: Conn, frame: Frame): void {
    const bytes = frameSize(frame.payloadLength, frame.features);
    conn.framesIn++;
    conn.bytesIn += bytes;
    this.#totals.framesIn++;
    this.#totals.bytesIn += bytes;
    if (!isControl(frame.type)) conn.lastActive = this.clock.now();
    try {
      switch (frame.type) {
        // Announce only what changed: two core nodes that each announced on every announcement they received
        // would echo DiscoveryResponses at each other for as long as they are linked.
        case MessageType.Discovery: {
          const changed = this.router.learn(conn.id, parseDiscovery(decodeBody(frame)).peers);
          this.#sendOn(conn, { type: MessageType.DiscoveryResponse, requestId: frame.requestId, body: this.#discoveryBody(conn.id) });
          conn.markDiscovered();
          this.#checkReachable();
          return changed ? this.#announce() : undefined;
        }
        case MessageType.DiscoveryResponse: {
          const changed = this.router.learn(conn.id, parseDiscovery(decodeBody(frame)).peers);
          conn.markDiscovered();
          this.#checkReachable();
          return changed ? this.#announce() : undefined;
        }
        case MessageType.LoadInfo:
          conn.load = parseLoadInfo(decodeBody(frame));
          return this.#emit('load', conn.id, conn.load);
        case MessageType.Routed:
          return this.#onRouted(conn, frame);
        case MessageType.Error: {
          // A relay's answer to an envelope of ours is about the frame inside it: give it that frame's id.
          const inner = this.#routedOut.get(Number(frame.requestId));
          if (inner !== undefined) {
            this.#routedOut.delete(Number(frame.requestId));
            return this.#dispatch({ from: conn.id, frame: withRequestId(frame, BigInt(inner)), hops: 0 });
          }
        }
      }
      this.#dispatch({ from: conn.id, frame, hops: 0 });
    } catch (error) {
      // A bad payload is the sender's problem: answer it, keep the link.
      this.#fail(conn, frame, error instanceof SwarmwireError ? error.status : Status.ExecutionError, (error as Error).message);
    }
  }

  /** Hands a frame for this node to the RPC link of its origin (RPC frames) and to 'message' listeners. */
  #dispatch(message: MeshMessage): void {
    const { frame } = message;
    if (isRpcType(frame.type)) {
      if (frame.type === MessageType.Error || frame.type === MessageType.Response) {
        // An Error about a routed call from the relay it left through (no such node, a full peer) belongs to the
        // call's destination; from anyone else it is that sender's own, so a stranger cannot fail the call either.
        const routed = this.#routedTo.get(Number(frame.requestId));
        if (routed !== undefined && (message.from === routed.to || message.from === routed.via)) {
          this.#routedTo.delete(Number(frame.requestId));
          if (frame.type === MessageType.Error) message = { from: routed.to, frame, hops: message.hops };
        }
      }
      const link = this.#links.get(message.from) ?? (frame.type === MessageType.Request ? this.link(message.from) : undefined);
      link?.deliver(frame);
    }
    this.#emit('message', message);
  }

  #onRouted(conn: Conn, frame: Frame): void {
    const body = parseRouted(decodeBody(frame));
    let step = this.router.step(body, conn.direct);
    if (step.action === 'forward' && this.role === 'edge') step = { action: 'drop', status: Status.ModuleNotFound, message: `node ${this.idHex} is an edge node and does not forward` };
    if (step.action === 'deliver') {
      return this.#dispatch({ from: idHex(step.from), frame: decodeFrame(body.frame), hops: body.hops });
    }
    if (step.action === 'drop') {
      this.#totals.dropped++;
      const back = bounce(this.id, body, step.status, step.message);
      if (!back) return this.#fail(conn, frame, step.status, step.message);
      const via = this.router.nextHop(idHex(back.to));
      const target = via === undefined ? undefined : this.#conns.get(via);
      if (target) this.#try(() => this.#sendOn(target, { type: MessageType.Routed, body: back }));
      return;
    }
    const next = this.#conns.get(step.via)!;
    try {
      this.#sendOn(next, { type: MessageType.Routed, ack: (frame.features & Feature.ACK_REQUIRED) !== 0, body: step.body });
      this.#totals.forwarded++;
    } catch (error) {
      this.#fail(conn, frame, error instanceof SwarmwireError ? error.status : Status.ExecutionError, `could not forward: ${(error as Error).message}`);
    }
  }

  #fail(conn: Conn, frame: Frame, status: number, message: string): void {
    if (frame.type === MessageType.Error) return; // never an error about an error
    this.#try(() => this.#sendOn(conn, { type: MessageType.Error, requestId: frame.requestId, moduleId: frame.moduleId, methodHash: frame.methodHash, body: { status, message } satisfies ErrorBody }));
  }
}
