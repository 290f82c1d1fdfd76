// The relay's logic, independent of how peers connect: sessions by node id, forwarding of Routed frames,
// broadcasts to everyone or a topic, HealthCheck, and the built-in module `relay` (echo, stats, peers).
// src/relay/node.ts puts it behind an HTTP + WebSocket server; src/edge/durable-relay.ts behind a Durable Object;
// src/relay/redis-bridge.ts links several relays into one (the uplink).
import { Feature, HEADER_SIZE, MessageType, Status } from '../wire/constants.js';
import { SwarmwireError } from '../wire/errors.js';
import { type Frame, decodeBody, encodeFrame, frameSize, withoutTrace } from '../wire/frame.js';
import { pack } from '../wire/payload.js';
import { fnv1a64 } from '../wire/fnv.js';
import { call, type Dispatchable, operationOf } from '../rpc/dispatch.js';
import { parseRouted, type RoutedBody, withFrame } from '../wire/routed.js';
import { type CloseInfo, CloseCode, type Transport, TransportErrorCode } from '../transport/transport.js';
import { SessionErrorCode } from '../session/errors.js';
import { RateLimiter } from './rate.js';
import { type Clock, realClock } from '../core/clock.js';
import { SessionHost, type HostOptions } from '../session/host.js';
import type { ErrorBody, Peer } from '../session/messages.js';
import { Session, type SessionFrame } from '../session/session.js';
import { type DirectPeer, type RouteTable, Router, bounce, routedOrigin } from '../mesh/router.js';
import { idBytes, idHex } from '../mesh/ids.js';
import { createIdentity, type Identity } from '../session/identity.js';
import type { Grant } from '../session/auth.js';
import { decodeHeader, requestIdAt, typeAt } from '../wire/header.js';
import { type Permits, permits } from './permits.js';
import type { DiscoveryBody } from '../mesh/messages.js';
import { parseDiscovery } from '../mesh/parse.js';
import { createDebug } from '../core/debug.js';
import { CallLatency, type CallLatencySnapshot } from './call-latency.js';
import { RelayCounters } from './relay-counters.js';
import type { Histogram } from './histogram.js';
import { DEFAULT_TOPIC_LIMITS, type TopicLimits, checkSubscribe } from './topics.js';
import { DEFAULT_MAX_PEER_INFO_BYTES, withPeerInfoLimit } from './peer-info.js';
import { DiscoveryAnswers } from './discovery-answers.js';

const debug = /* @__PURE__ */ createDebug('swarmwire:relay');

/**
 * Announcements of the peer set are spaced by this many ms per peer listed (1 s at 10,000 peers), so they cost at
 * most ~10,000 listed peers per second however many join.
 */
const ANNOUNCE_MS_PER_PEER = 0.1;

/**
 * How long the relay module's encoded peers() answer is served as it is when nothing it tracks has changed (joins,
 * leaves, subscriptions rebuild it at once): round trips, and a peer resumed on another transport or with a new
 * Hello, change without telling the relay, so they show within this long.
 */
const PEERS_MAX_AGE_MS = 1_000;

/** The default of maxBroadcastDeliveriesPerSecond (why this figure: its doc). */
export const DEFAULT_BROADCAST_DELIVERIES_PER_SECOND = 20_000;

/** What a relay says of itself in every Discovery answer. */
const DISCOVERY_HEAD = { role: 'relay', capabilities: ['relay'] } as const satisfies Omit<DiscoveryBody, 'peers'>;

/** The Discovery answer for a peer that reads the relay's routes live (shareRoutes): the same bytes for each. */
const DISCOVERY_NO_PEERS = /* @__PURE__ */ pack({ ...DISCOVERY_HEAD, peers: [] } satisfies DiscoveryBody);

/** An answer encoded already (peers()'s, cached; Discovery's): #reply sends its bytes as they are, uncompressed. */
class Encoded {
  constructor(readonly payload: Uint8Array) {}
}

/** module_id of the built-in module: fnv1a64("relay"). */
export const RELAY_MODULE = /* @__PURE__ */ fnv1a64('relay');

export interface RelayOptions extends HostOptions, TopicLimits {
  /**
   * Other relays (node ids, 32 hex digits) whose links to this one are relay-to-relay links: the origin they give a
   * frame they forward, and the routes they announce, are believed. Anyone else's are not — a peer's role in its
   * Hello is only a claim. Default: none.
   */
  trustedRelays: Iterable<string>;
  /**
   * Peers served at most (connected or awaiting resume); one more gets QuotaExceeded and a close. The relay's own
   * agent host (`swarmwire relay`) is not counted. Default: 10,000.
   */
  maxPeers: number;
  /**
   * Peers served at most (connected or awaiting resume) that came from one remote address (an IPv6 address's /64):
   * one more is refused at the handshake with Error QuotaExceeded `SW_ERR_ADDRESS_FULL` and a close 1008 (its
   * connect fails SessionError SW_ERR_HANDSHAKE_REJECTED, recoverable: it tries again), counted in /metrics as
   * `swarmwire_relay_handshakes_total{outcome="SW_ERR_ADDRESS_FULL"}`; a peer resuming its session is always let
   * back. Without it one address could take every place. A quarter by default, not less: peers behind one NAT, a
   * corporate proxy or a carrier-grade NAT share an address honestly, and four addresses are still needed to fill
   * the relay. Behind a reverse proxy on the relay's own machine every peer has the proxy's address: raise it to
   * maxPeers (or Infinity) there. Counted where the host knows the address (the Node and Deno relays' WebSockets;
   * not WebTransport sessions, nor relay.accept() without one). Default: maxPeers / 4, rounded up (2,500).
   */
  maxPeersPerAddress: number;
  /**
   * Frames a peer may send per second, on average (bursts up to one second's worth); frames beyond are dropped
   * and answered with QuotaExceeded (at most one such Error per peer per second). 0 means no limit. Default: 0.
   */
  maxFramesPerSecond: number;
  /**
   * Deliveries a peer's broadcasts may cost per second, on average: a broadcast costs one delivery per peer it
   * reaches on this relay (everyone, or a topic's subscribers), so a burst of broadcasts to ten thousand peers is
   * not free for the relay because each is one frame. A token bucket holding one second's worth; a broadcast passes
   * while it is not overdrawn (one to more peers than that still goes out, then the sender waits the debt off).
   * Beyond, broadcasts are dropped, counted as `rate_limited` (RelayStats.rateLimited), and answered as
   * maxFramesPerSecond's are: Error QuotaExceeded, at most one per peer per second. The relay's own agent host and
   * relay-to-relay links (trustedRelays) are not limited. 20,000 is two broadcasts a second to everyone on a relay
   * of 10,000 peers, 200 a second with 100 peers: more than presence or chat needs, and a quarter or less of what one
   * relay process fans out (README, "Many peers on one relay"). Infinity (or 0) turns it off. Default: 20,000.
   */
  maxBroadcastDeliveriesPerSecond: number;
  /**
   * Bytes a peer's Hello may spend on its capabilities and metadata, as MessagePack encodes them: the relay keeps
   * them and repeats them to every peer (peers(), and capabilities in each Discovery announcement). A Hello over it
   * is refused at the handshake with Error Unauthorized `SW_ERR_RELAY_PEER_INFO_TOO_LARGE` (a RelayError on the
   * relay's side; the peer's connect fails with SessionError SW_ERR_HANDSHAKE_REJECTED) and a close 1008; Infinity
   * turns the limit off. Default: 4,096.
   */
  maxPeerInfoBytes: number;
}

/** Counters since the relay started. */
export interface RelayStats {
  uptimeMs: number;
  peers: number;
  framesIn: number;
  framesOut: number;
  routed: number;
  broadcasts: number;
  errors: number;
  /** Frames dropped because their sender passed maxFramesPerSecond, or its broadcasts maxBroadcastDeliveriesPerSecond. */
  rateLimited: number;
  /** Peers dropped because they could not keep up (BackpressureRejection). */
  slowPeersDropped: number;
}

/** What the relay's peers hold that has not reached them yet, summed over peers (read at scrape time). */
export interface RelayQueues {
  /** Acked frames sent and not yet acknowledged. */
  unackedFrames: number;
  /** Their bytes. */
  unackedBytes: number;
  /** Bytes handed to transports and not yet sent. */
  bufferedBytes: number;
  /** Frames waiting for a peer that is away (best effort, until it resumes). */
  queuedFrames: number;
}

/**
 * Watches what passes through a relay, for its dashboard (src/relay/dashboard-traffic.ts). Called before the frame
 * is handled, in the same turn; it must not throw or keep the bytes. @internal
 */
export interface RelayObserver {
  /** A Routed envelope from the direct peer `from` (parsed, not yet forwarded). */
  routed(body: RoutedBody, from: DirectPeer): void;
  /** A Request to the relay's own module from `from` (answered in the same turn). */
  request(frame: Frame, from: DirectPeer): void;
  /** A call routed through this relay was answered after `seconds` (timed by the relay's CallLatency). */
  answered(seconds: number): void;
  /**
   * A Routed envelope another relay sent through the uplink, about to be delivered here. `seen`: its origin is a
   * peer of this relay, whose frame routed() saw on its way out (an acked frame for a peer here goes through Redis).
   */
  uplinkRouted(body: RoutedBody, seen: boolean): void;
  /** A broadcast from node `from` that came through the uplink. */
  uplinkBroadcast(from: Uint8Array | undefined): void;
}

/** A connected peer, as `peers()` reports it. */
export interface PeerInfo {
  id: string;
  role: string;
  capabilities: string[];
  metadata: Record<string, string>;
  transport: string;
  topics: string[];
  /** Last measured round trip, ms (null before the first Pong). */
  rtt: number | null;
}

/** Broadcast payload: `data` for everyone, or for the subscribers of `topic`; relays fill in `from`. */
export interface BroadcastBody {
  topic?: string;
  data?: unknown;
  from?: Uint8Array;
}

/**
 * What the relay needs of a connected peer. A Session is one; the Durable Object relay has its own, whose state
 * survives hibernation.
 */
export interface RelayPeer {
  /** The peer's Hello and what was negotiated; set once the handshake is through. */
  readonly peer: Peer | undefined;
  /** What the authorize hook granted it (undefined: everything). */
  readonly grant?: Grant | undefined;
  readonly transportKind: string | undefined;
  /** Last round trip, ms (NaN if unknown). */
  readonly rtt: number;
  /** Sends a frame to the peer; throws when it cannot take it. */
  send(frame: Readonly<SessionFrame>): number;
  /** Size of the frame the last send() took, bytes (for /metrics; a peer without it counts 0). */
  readonly lastSentBytes?: number;
  on(event: 'frame', listener: (frame: Frame) => void): () => void;
  on(event: 'close', listener: (info: CloseInfo) => void): () => void;
  /** 'closed' once it has ended; a peer that cannot say is treated as open. */
  readonly state?: string;
  /** Ends the connection: how a peer too slow to keep up is dropped. A peer without it is never dropped. */
  close?(code?: number, reason?: string): void;
  /** Sends the Ack the relay held for frame `id` (see RelayUplink.durable). A peer without it never has one held. */
  releaseAck?(id: number): void;
  /**
   * Sends a best-effort frame encoded already, if it can go as it is (see Session.sendEncoded); false if not, and
   * the relay then uses send(). A peer without it always gets send().
   */
  sendEncoded?(bytes: Uint8Array, payloadLength: number): boolean;
}

/** A Routed frame on its way to a node, after this relay stamped it (`from` set, `ttl` decremented). */
export interface RoutedOut {
  to: Uint8Array;
  from: Uint8Array;
  ttl: number;
  hops: number;
  frame: Uint8Array;
}

/**
 * Where a relay sends what it cannot deliver itself: other relays (src/relay/redis-bridge.ts). Whatever the uplink
 * receives from other relays it hands back through `deliverRouted` and `deliverBroadcast`.
 */
export interface RelayUplink {
  /**
   * Carries a Routed frame to the relay that has node `body.to`; resolves false when no relay has it. `origin` is
   * the request id its sender gave the envelope, when the sender is the origin (first hop): with the origin's id and
   * its session tag (`session`, Hello.session: ids start afresh under a new one), it names the frame when the sender
   * sends it again through another relay.
   */
  route(body: RoutedOut, ack: boolean, origin?: number, session?: number): Promise<boolean>;
  /**
   * Acked Routed frames are kept by the uplink until their receiver acked them (relays bridged through Redis
   * streams): they go through route() even for this relay's own peers — the node may move to another relay before
   * it reads them — and their sender's Ack waits until route() has settled. Default: false.
   */
  readonly durable?: boolean;
  /**
   * True once the link failed for good (Redis refused the relay's user): the relay serves its own peers alone from
   * then on — a frame for a peer of its own that is away waits in its session, as on a relay with no uplink, and
   * one for any other node goes to route(), which answers why. Default: false.
   */
  readonly failed?: boolean;
  /** Carries a broadcast (its `from` already set) to every other relay. */
  broadcast(body: BroadcastBody, ack: boolean): void;
  /** Node `id` (32 hex digits) is now served by this relay. */
  joined?(id: string): void;
  /** Node `id` left this relay. */
  left?(id: string): void;
  /** What /metrics reports of the link (the Redis bridge has it): connected now, frames held, relays heard from. */
  readonly state?: { readonly connected: boolean; readonly held: number; relays(): string[] };
}

interface PeerState {
  session: RelayPeer;
  /** Its subscriptions (also indexed in Relay.#subscribers), made on its first: most peers never subscribe. */
  topics: Set<string> | undefined;
  direct: DirectPeer;
  rate: RateLimiter | undefined;
  /** Its broadcasts' budget of deliveries (maxBroadcastDeliveriesPerSecond); undefined: not limited. Made on its first broadcast. */
  broadcasts: RateLimiter | undefined;
  /** What its grant allows; undefined: everything. */
  permits: Permits | undefined;
  /** Callbacks of deliverRouted waiting for this peer's Acks, by request id (created on first use). */
  acks?: Map<number, () => void>;
}

export class Relay {
  readonly host: SessionHost;
  /** This relay's key pair, proven to every peer in the handshake. */
  readonly identity: Identity;
  /** This relay's node id: its identity's. */
  readonly nodeId: Uint8Array;
  /** Who is reachable through which peer, learnt from Discovery (shared with mesh nodes that forward). */
  readonly router: Router;
  #announcing = false;
  /** When the last announcement went out (this.#clock.now()). */
  #lastAnnounced = -Infinity;
  /** Other relays this one is linked to (set by a bridge). Default: none. */
  uplink: RelayUplink | undefined;
  /** What watches the traffic for the dashboard (the Node and Deno relays set one while a dashboard is open). Default: none. @internal */
  observer: RelayObserver | undefined;
  readonly #peers = new Map<string, PeerState>();
  /** The subscribers of each topic: a broadcast to a topic visits them alone, not every peer. */
  readonly #subscribers = new Map<string, Set<PeerState>>();
  /** Where uptime and rate limits read the time (options.clock). */
  readonly #clock: Clock;
  readonly #started: number;
  readonly #stats = { framesIn: 0, framesOut: 0, routed: 0, broadcasts: 0, errors: 0, rateLimited: 0, slowPeersDropped: 0 };
  /** What /metrics adds to stats() (src/relay/relay-counters.ts). */
  readonly #counters = new RelayCounters();
  /** One listener for every peer's heartbeat round trips (one function, not a closure per peer). */
  readonly #onRtt = (ms: number): void => this.#counters.rtt.observe(ms / 1000);
  /**
   * The listeners of every peer that is a Session, called with it as `this`: the same functions for all, where a
   * closure each (and their context) cost ~0.25 KB per peer (issue 17). A session finds its state by its node id;
   * other peers (a Durable Object's) get closures over the same methods.
   */
  readonly #sessionListeners: { frame(this: Session, frame: Frame): void; close(this: Session, info: CloseInfo): void; error(this: Session, error: SwarmwireError): void };
  readonly #maxRate: number;
  /** maxBroadcastDeliveriesPerSecond; Infinity: no budget. */
  readonly #broadcastRate: number;
  /** What one peer's subscriptions may hold (src/relay/topics.ts). */
  readonly #topicLimits: Readonly<TopicLimits>;
  /** Calls routed between this relay's peers, timed from Request to answer (src/relay/call-latency.ts). */
  readonly #calls: CallLatency;
  /** The built-in module `relay`, served by the RPC layer's dispatcher like any exposed object. */
  readonly #module: Dispatchable;
  readonly #trusted: Set<string>;
  /** Peers in this process (acceptLocal), never dropped as slow. */
  readonly #local = new WeakSet<RelayPeer>();
  /** Peers in this process that read this relay's routes live (shareRoutes): announcements skip them. */
  readonly #following = new Set<string>();
  /**
   * Changes of what peers() lists that the relay is told of (joins, leaves, subscriptions), counted: a cache of
   * anything built from the peer set is good while the count it was built at is the count now. Bumped by #changed().
   */
  #changes = 0;
  /** The relay module's peers() answer, encoded, when, and at which #changes (see #peersAnswer). */
  #peersEncoded: { answer: Encoded; at: number; changes: number } | undefined;
  /** Discovery answers, encoded once per #changes. */
  readonly #discoveryAnswers: DiscoveryAnswers;

  /** A relay with the identity given; Relay.create() makes one with a new ephemeral identity. */
  constructor(options: Readonly<Partial<RelayOptions>> & { readonly identity: Identity }) {
    if (!options?.identity) throw new TypeError('[swarmwire] new Relay() needs options.identity: use `await Relay.create()` for a new ephemeral one');
    this.identity = options.identity;
    this.nodeId = options.identity.id;
    this.router = new Router(idHex(this.nodeId));
    this.#discoveryAnswers = new DiscoveryAnswers(this.router, DISCOVERY_HEAD);
    this.#trusted = new Set([...(options.trustedRelays ?? [])].map((id) => idHex(idBytes(id))));
    const maxPeers = options.maxPeers ?? options.maxSessions ?? 10_000;
    this.host = new SessionHost({
      ...options, role: options.role ?? 'relay', capabilities: options.capabilities ?? ['relay'], maxSessions: maxPeers,
      maxSessionsPerAddress: options.maxPeersPerAddress ?? options.maxSessionsPerAddress ?? Math.ceil(maxPeers / 4),
      holdAck: (frame) => this.#holdsAck(frame),
      authorize: withPeerInfoLimit(options.maxPeerInfoBytes ?? DEFAULT_MAX_PEER_INFO_BYTES, options.authorize),
    });
    this.#maxRate = options.maxFramesPerSecond ?? 0;
    // 0 turns it off, as maxFramesPerSecond's 0 does.
    this.#broadcastRate = (options.maxBroadcastDeliveriesPerSecond ?? DEFAULT_BROADCAST_DELIVERIES_PER_SECOND) || Infinity;
    this.#topicLimits = {
      maxTopicsPerPeer: options.maxTopicsPerPeer ?? DEFAULT_TOPIC_LIMITS.maxTopicsPerPeer,
      maxTopicLength: options.maxTopicLength ?? DEFAULT_TOPIC_LIMITS.maxTopicLength,
    };
    this.#clock = options.clock ?? realClock;
    this.#started = this.#clock.now();
    this.#calls = new CallLatency({ clock: this.#clock });
    this.host.onSession((session) => this.join(session));
    const peers = this.#peers;
    const relay = this;
    this.#sessionListeners = {
      frame(frame) {
        const state = peers.get(this.peer!.id);
        if (state?.session === this) relay.#received(state, frame);
      },
      close(info) {
        const state = peers.get(this.peer!.id);
        if (state?.session === this) relay.#left(state, info);
      },
      error(error) {
        if (isFull(error)) relay.#dropSlow(this, error.message);
      },
    };
    this.#module = {
      target: { echo: (value: unknown) => value, stats: () => this.stats(), peers: () => this.#peersAnswer() },
      table: undefined,
    };
  }

  /** A relay with `options.identity`, or a new ephemeral identity when none is given. */
  static async create(options: Readonly<Partial<RelayOptions>> = {}): Promise<Relay> {
    return new Relay({ ...options, identity: options.identity ?? await createIdentity() });
  }

  /**
   * Believes what relay `id` reports from now on, as if listed in trustedRelays: for a link its host made and
   * authenticated itself (a Durable Object room bridge). Takes effect for peers joined after. @internal
   */
  trust(id: string): void {
    this.#trusted.add(idHex(idBytes(id)));
  }

  /**
   * Runs the handshake on a new connection and serves the peer until it leaves. `address`: its remote address, for
   * maxPeersPerAddress (none: not counted).
   */
  async accept(transport: Transport, address?: string): Promise<Session> {
    try {
      const session = await this.host.accept(transport, address);
      this.#counters.handshake('accepted');
      return session;
    } catch (error) {
      this.#counters.handshake((error as { code?: string }).code ?? 'error');
      // Refusals (authorize, maxPeers, a key that does not prove), timeouts and violations before the handshake ended.
      if (debug.on) debug.log('refused', { transport: transport.kind, error });
      throw error;
    }
  }

  /**
   * accept() for a peer inside this process (the relay's own agent host, src/relay/agents.ts): it is never dropped
   * as too slow, since it is part of the relay and nothing would bring it back. @internal
   */
  async acceptLocal(transport: Transport): Promise<Session> {
    const session = await this.host.accept(transport, undefined, true); // nor does it take one of maxPeers' places
    this.#local.add(session);
    return session;
  }

  /**
   * The routes this relay would announce to the node `id`, as a live view for a node in this process to follow
   * (Router.follow: the relay's own agent host, src/relay/agents.ts). From then on the relay sends that node no
   * announcements and answers its Discovery without the peer list: with ten thousand peers, each announcement listed
   * them all, and the node kept a route for each (issue 17). @internal
   */
  shareRoutes(id: string): RouteTable {
    this.#following.add(id);
    return this.router.view(id);
  }

  stats(): RelayStats {
    return { uptimeMs: this.#clock.now() - this.#started, peers: this.#peers.size, ...this.#stats };
  }

  /**
   * How long calls routed through this relay took, Request to Response (or Error), between any two nodes: a histogram
   * (seconds) since the relay started, and percentiles of the most recent calls. For /metrics and the dashboard.
   */
  callLatency(): CallLatencySnapshot {
    return this.#calls.snapshot();
  }

  /** The live histograms (heartbeat round trips, call latency), for a bridge that taps each observation. @internal */
  histograms(): { readonly rtt: Histogram; readonly calls: Histogram } {
    return { rtt: this.#counters.rtt, calls: this.#calls.histogram };
  }

  /** The counters behind /metrics that stats() leaves out (live: read, do not keep). @internal */
  counters(): Readonly<RelayCounters> {
    return this.#counters;
  }

  /** What is waiting to reach the peers, summed over them now (walks every peer: for scrapes). */
  queues(): RelayQueues {
    const q: RelayQueues = { unackedFrames: 0, unackedBytes: 0, bufferedBytes: 0, queuedFrames: 0 };
    for (const { session } of this.#peers.values()) {
      if (!(session instanceof Session)) continue;
      q.unackedFrames += session.unacked;
      q.unackedBytes += session.unackedBytes;
      q.bufferedBytes += session.bufferedAmount;
      q.queuedFrames += session.queued;
    }
    return q;
  }

  /** The connected peers, as the relay module's peers() reports them (a new list at each call). */
  peers(): PeerInfo[] {
    return [...this.#peers.entries()].map(([id, { session, topics }]) => ({
      id,
      role: session.peer?.hello.role ?? 'edge',
      // Copies: the kept Hello's may be frozen (shared by every peer that has none) and are the relay's own.
      capabilities: [...(session.peer?.hello.capabilities ?? [])],
      metadata: { ...session.peer?.hello.metadata },
      transport: session.transportKind ?? 'none',
      topics: [...(topics ?? [])],
      rtt: Number.isNaN(session.rtt) ? null : session.rtt,
    }));
  }

  /**
   * The relay module's peers() answer: encoded once per change of what it lists, not once per call. Any peer may ask,
   * as often as it likes, and the answer carries every peer's capabilities, metadata and topics: built, encoded and
   * deflated per call, 40 calls of 40 bytes cost the relay 1.8 s of CPU with 50 peers of 60 KB. It goes uncompressed
   * (deflating it per call was most of that cost); its size is bounded by maxPeerInfoBytes and the topic limits.
   */
  #peersAnswer(): Encoded {
    const now = this.#clock.now();
    const cached = this.#peersEncoded;
    if (cached && cached.changes === this.#changes && now - cached.at < PEERS_MAX_AGE_MS) return cached.answer;
    const answer = new Encoded(pack(this.peers()));
    this.#peersEncoded = { answer, at: now, changes: this.#changes };
    return answer;
  }

  /** What peers() lists changed: every cache built from the peer set is stale (#changes). */
  #changed(): void {
    this.#changes++;
  }

  close(): void {
    this.host.close();
  }

  /**
   * Serves a peer whose handshake is through (accept() does this for its sessions), until it closes.
   * `topics` are its subscriptions, when they were kept elsewhere (a Durable Object waking from hibernation).
   */
  join(session: RelayPeer, topics: Iterable<string> = []): void {
    const id = session.peer!.id;
    const { hello } = session.peer!;
    const state: PeerState = {
      session, topics: undefined,
      direct: { id: hello.nodeId, role: hello.role, capabilities: hello.capabilities, trusted: this.#trusted.has(id) },
      rate: this.#maxRate > 0 ? new RateLimiter(this.#maxRate, this.#clock) : undefined,
      broadcasts: undefined,
      permits: permits(session.grant),
    };
    const replaced = this.#peers.get(id);
    if (replaced) this.#unsubscribeAll(replaced);
    this.#peers.set(id, state);
    this.#changed();
    for (const topic of topics) this.#subscribe(state, topic);
    this.router.addDirect(state.direct, id);
    if (debug.on) debug.log('join', { peer: id, role: hello.role, transport: session.transportKind, peers: this.#peers.size });
    this.#announce();
    if (session instanceof Session) {
      const shared = this.#sessionListeners;
      session.on('frame', shared.frame);
      session.on('close', shared.close);
      // Frames that are compressed first are handed to the transport later, so a full buffer is reported as an
      // error event rather than thrown from send().
      session.on('error', shared.error);
      session.on('rtt', this.#onRtt);
    } else {
      session.on('frame', (frame) => this.#received(state, frame));
      session.on('close', (info) => this.#left(state, info));
    }
    this.uplink?.joined?.(id);
  }

  /** The frame listener of a peer: counts the frame, applies its rate limit and handles it. */
  #received(state: PeerState, frame: Frame): void {
    const session = state.session;
    this.#stats.framesIn++;
    this.#counters.received(frame.type, frameSize(frame.payloadLength, frame.features));
    // The session held this frame's Ack (the same test, in the same turn): whatever does not hand it to the uplink
    // below — a refusal, a local delivery, an error — sends the Ack now.
    const held = this.#holdsAck(frame);
    let kept = false;
    try {
      if (state.rate && !state.rate.take()) {
        return this.#limited(session, state.rate, frame, 'maxFramesPerSecond', this.#maxRate, `rate limit: more than ${this.#maxRate} frames per second (maxFramesPerSecond); frames are being dropped`);
      }
      kept = this.#handle(state, frame) === true;
    } catch (error) {
      // A bad payload is the sender's problem, never the relay's: answer it and carry on.
      this.#counters.dropped.invalid++;
      this.#fail(session, frame, error instanceof SwarmwireError ? error.status : Status.ExecutionError, (error as Error).message);
    } finally {
      if (held && !kept) session.releaseAck?.(Number(frame.requestId));
    }
  }

  /** The close listener of a peer: it leaves, unless another session of its node took its place already. */
  #left(state: PeerState, info: CloseInfo): void {
    const session = state.session;
    const id = session.peer!.id;
    if (this.#peers.get(id)?.session !== session) return;
    this.#unsubscribeAll(state);
    this.#peers.delete(id);
    this.#changed();
    if (debug.on) debug.log('leave', { peer: id, code: info.code, reason: info.reason, error: info.error, peers: this.#peers.size });
    this.router.removeDirect(id);
    this.#announce();
    this.uplink?.left?.(id);
  }

  /** Whether a peer's session holds this frame's Ack until the uplink has it safe (RelayUplink.durable). */
  #holdsAck(frame: Frame): boolean {
    return frame.type === MessageType.Routed && (frame.features & Feature.ACK_REQUIRED) !== 0 && this.uplink?.durable === true;
  }

  /** Handles one frame; true when the uplink took a Routed frame whose Ack is held (it releases the Ack). */
  #handle(from: PeerState, frame: Frame): boolean | void {
    switch (frame.type) {
      case MessageType.Routed:
        return this.#route(from, frame);
      case MessageType.Discovery:
        this.#learn(from, frame);
        return this.#reply(from.session, frame, this.#discovery(from.session.peer!.id), MessageType.DiscoveryResponse);
      case MessageType.DiscoveryResponse:
        return this.#learn(from, frame);
      case MessageType.Broadcast:
        return this.#broadcast(from, frame);
      case MessageType.Subscribe: {
        const topic = this.#topic(frame);
        if (from.permits && !from.permits.subscribe(topic)) return this.#refuse(from.session, frame, `not allowed to subscribe to topic "${topic}"`);
        // Over a limit: a RelayError, answered to the sender by the frame listener; nothing is kept.
        checkSubscribe(topic, from.topics, this.#topicLimits);
        return this.#subscribe(from, topic);
      }
      case MessageType.Unsubscribe:
        return this.#unsubscribe(from, this.#topic(frame));
      case MessageType.HealthCheck:
        return this.#reply(from.session, frame, { status: 'ok', uptimeMs: this.#clock.now() - this.#started, peers: this.#peers.size });
      case MessageType.Request:
        if (from.permits && !from.permits.call(frame.moduleId)) return this.#refuse(from.session, frame, `not allowed to call module 0x${frame.moduleId.toString(16)}`);
        this.observer?.request(frame, from.direct);
        return this.#call(from.session, frame);
    }
  }

  #subscribe(peer: PeerState, topic: string): void {
    if (peer.topics?.has(topic)) return;
    (peer.topics ??= new Set()).add(topic);
    this.#changed();
    let subscribers = this.#subscribers.get(topic);
    if (!subscribers) this.#subscribers.set(topic, (subscribers = new Set()));
    subscribers.add(peer);
  }

  #unsubscribe(peer: PeerState, topic: string): void {
    if (!peer.topics?.delete(topic)) return;
    this.#changed();
    const subscribers = this.#subscribers.get(topic)!;
    subscribers.delete(peer);
    if (subscribers.size === 0) this.#subscribers.delete(topic);
  }

  #unsubscribeAll(peer: PeerState): void {
    for (const topic of [...(peer.topics ?? [])]) this.#unsubscribe(peer, topic);
  }

  /**
   * Routes a trusted relay announced. When they change what this relay reaches, it tells its other relay and core
   * peers, so routes spread past one hop (rooms bridged in a chain); split horizon and telling only changes keep
   * that from echoing for ever.
   */
  #learn(from: PeerState, frame: Frame): void {
    if (this.router.learn(from.session.peer!.id, parseDiscovery(decodeBody(frame)).peers)) this.#announce();
  }

  #topic(frame: Frame): string {
    const topic = decodeBody(frame);
    if (typeof topic !== 'string') throw new SwarmwireError('SW_ERR_PAYLOAD', Status.InvalidFrame, 'a topic must be a string');
    return topic;
  }

  #route(from: PeerState, frame: Frame): boolean | void {
    const sender = from.session;
    const body = parseRouted(decodeBody(frame));
    if (from.permits && body.hops === 0) {
      // Only the first relay checks what its own peer may call; later hops carry what a trusted relay let through.
      const inner = decodeHeader(body.frame);
      if (inner.type === MessageType.Request && !from.permits.call(inner.moduleId)) {
        return this.#refuse(sender, frame, `not allowed to call module 0x${inner.moduleId.toString(16)}`);
      }
    }
    this.observer?.routed(body, from.direct);
    const step = this.router.step(body, from.direct);
    if (step.action === 'deliver') return this.#fail(sender, frame, Status.ModuleNotFound, 'this relay takes its module\'s calls directly, not routed');
    const ack = (frame.features & Feature.ACK_REQUIRED) !== 0;
    const to = idHex(body.to);
    // An acked frame for one of this relay's own peers goes through a durable uplink too: that peer may leave for
    // another relay before it reads the frame, and the uplink hands it over wherever the peer is by then.
    const durable = ack && this.uplink?.durable === true;
    // So does any frame for a peer whose connection is gone (it may be on another relay by now) when there is one.
    // (Not through an uplink that failed for good: the frame waits in the peer's session, as on a relay alone.)
    const away = step.action === 'forward' && step.via === to && this.uplink !== undefined && !this.uplink.failed && this.#peers.get(to)!.session.state === 'disconnected';
    if (step.action === 'forward' && !(durable && step.via === to) && !away) {
      if (this.#forward(this.#peers.get(step.via)!.session, { type: MessageType.Routed, ack, body: step.body }, sender, frame) === false) return;
      this.#stats.routed++;
      return this.#timeCall(body, from, to);
    }
    if (step.action === 'drop' && (step.status !== Status.ModuleNotFound || !this.uplink)) return this.#drop(from, frame, body, step.status, step.message);
    if (!this.uplink) return; // (a forward kept for a durable uplink has one)
    // Not reachable from here (or kept by the durable uplink): perhaps another relay linked to this one has it.
    const missing = `no node ${to} on this relay or any relay linked to it`;
    const out: RoutedOut = { to: body.to, from: routedOrigin(body, from.direct), ttl: body.ttl - 1, hops: body.hops + 1, frame: body.frame };
    const release = durable ? () => sender.releaseAck?.(Number(frame.requestId)) : () => {};
    this.#counters.uplinkOut++;
    const first = body.hops === 0;
    this.uplink.route(out, ack, first ? Number(frame.requestId) : undefined, first ? sender.peer?.hello.session : undefined).then(
      (found) => {
        release();
        if (found) (this.#stats.routed++, this.#timeCall(body, from, to));
        else this.#drop(from, frame, body, Status.ModuleNotFound, missing);
      },
      (error: unknown) => {
        release(); // after the Error that says why, the sender must not send it again: it was answered
        this.#counters.dropped.uplink_failed++;
        const e = error instanceof SwarmwireError ? error : undefined;
        this.#fail(sender, frame, e?.status ?? Status.ExecutionError, `could not forward to another relay: ${(error as Error).message}`);
      },
    );
    return durable;
  }

  /**
   * Times a call whose Request or answer this relay just passed on (src/relay/call-latency.ts). The carried frame's
   * type and request_id are glanced at in its header's bytes: no decode on the forwarding path. `from` is the peer it
   * came from (undefined: from the uplink, whose envelope's `from` is the origin it vouches for).
   */
  #timeCall(body: RoutedBody, from?: PeerState, to?: string): void {
    const inner = body.frame;
    if (inner.length < HEADER_SIZE) return;
    const type = typeAt(inner, 0);
    const request = type === MessageType.Request;
    if (!request && (type !== MessageType.Response && type !== MessageType.Error || this.#calls.pending === 0)) return;
    // The origin as routedOrigin() decides it; the sender's own id as the string its session already holds.
    const origin = from === undefined ? idHex(body.from) : routedOrigin(body, from.direct) === from.direct.id ? from.session.peer!.id : idHex(body.from);
    const target = to ?? idHex(body.to);
    const id = requestIdAt(inner, 0);
    if (request) return this.#calls.request(origin, target, id);
    const seconds = this.#calls.response(origin, target, id);
    if (seconds !== undefined) this.observer?.answered(seconds);
  }

  /** Tells the origin of a dropped frame why: directly when it is the sender, else routed back through the relays. */
  #drop(from: PeerState, frame: Frame, body: RoutedBody, status: Status, message: string): void {
    if (debug.on) debug.log('undeliverable', { from: from.session.peer?.id, to: idHex(body.to), status, message });
    this.#counters.dropped[status === Status.Timeout ? 'ttl_expired' : status === Status.Unauthorized ? 'unauthorized' : 'no_route']++;
    const back = bounce(this.nodeId, body, status, message);
    if (!back) return this.#fail(from.session, frame, status, message);
    this.#stats.errors++;
    this.#sendRouted(back, false);
  }

  /** Sends an envelope this relay originates (a bounce) towards its destination, if any route leads there. */
  #sendRouted(body: RoutedBody, ack: boolean): void {
    const via = this.router.nextHop(idHex(body.to));
    const target = via === undefined ? undefined : this.#peers.get(via);
    try {
      if (target) this.#send(target.session, { type: MessageType.Routed, ack, body });
    } catch {
      // best effort: the origin's own deadline covers a lost bounce
    }
  }

  /**
   * This relay's Discovery answer for the peer `to` (no peers for one that reads them live: shareRoutes), encoded
   * once per change of the peer set where it can be (src/relay/discovery-answers.ts).
   */
  #discovery(to: string): Encoded {
    if (this.#following.has(to)) return new Encoded(DISCOVERY_NO_PEERS);
    const payload = this.#discoveryAnswers.for(to, this.#changes) ?? pack({ ...DISCOVERY_HEAD, peers: this.router.known(to) } satisfies DiscoveryBody);
    return new Encoded(payload);
  }

  /**
   * Tells relay and core peers that the set of reachable nodes changed: the first change after a quiet spell in the
   * next task, later ones together, at most once per ANNOUNCE_MS_PER_PEER × peers. Each announcement lists every
   * peer, so one per join made a connect storm cost the square of the peers (the CLI relay's agent host: 29 s and
   * 100 KB per peer to connect 2,000, its unacked announcements piling up): spaced this way they cost at most
   * ~1 / ANNOUNCE_MS_PER_PEER listed peers per second, whatever the size.
   */
  #announce(): void {
    if (this.#announcing) return;
    this.#announcing = true;
    const wait = Math.max(0, this.#lastAnnounced + this.#peers.size * ANNOUNCE_MS_PER_PEER - this.#clock.now());
    this.#clock.setTimeout(() => {
      this.#announcing = false;
      this.#lastAnnounced = this.#clock.now();
      for (const [id, peer] of this.#peers) {
        if (peer.direct.role === 'edge' || this.#following.has(id)) continue;
        try {
          this.#send(peer.session, { type: MessageType.DiscoveryResponse, ack: true, payload: this.#discovery(id).payload, compress: false });
        } catch {
          // a peer too full (or gone) to hear it learns on its next Discovery
        }
      }
    }, wait);
  }

  /**
   * A frame dropped because its sender passed one of its budgets (maxFramesPerSecond, maxBroadcastDeliveriesPerSecond):
   * counted, and the sender told with Error QuotaExceeded at most once a second per budget (the telling must not
   * flood either). The one rule of both.
   */
  #limited(sender: RelayPeer, budget: RateLimiter, frame: Frame, option: string, limit: number, message: string): void {
    this.#stats.rateLimited++;
    this.#counters.dropped.rate_limited++;
    if (!budget.shouldWarn()) return;
    if (debug.on) debug.log('drop', { peer: sender.peer?.id, why: 'rate limit', [option]: limit, rateLimited: this.#stats.rateLimited });
    this.#fail(sender, frame, Status.QuotaExceeded, message);
  }

  /**
   * Spends what a broadcast from `from` costs, its deliveries here (at least one: it was read), from its budget;
   * false when over it. The relay's own agent host and trusted relays carry others' traffic and have none.
   */
  #withinBudget(from: PeerState, topic: string | undefined): boolean {
    if (this.#broadcastRate === Infinity || from.direct.trusted || this.#local.has(from.session)) return true;
    const reached = topic === undefined ? this.#peers.size - 1 : (this.#subscribers.get(topic)?.size ?? 0) - (from.topics?.has(topic) ? 1 : 0);
    return (from.broadcasts ??= new RateLimiter(this.#broadcastRate, this.#clock)).take(Math.max(1, reached));
  }

  #broadcast(from: PeerState, frame: Frame): void {
    const sender = from.session;
    const body = (decodeBody(frame) ?? {}) as BroadcastBody;
    const topic = typeof body.topic === 'string' ? body.topic : undefined;
    if (from.permits && !from.permits.publish(topic)) {
      return this.#refuse(sender, frame, topic === undefined ? 'not allowed to broadcast to everyone' : `not allowed to broadcast to topic "${topic}"`);
    }
    if (!this.#withinBudget(from, topic)) {
      return this.#limited(sender, from.broadcasts!, frame, 'maxBroadcastDeliveriesPerSecond', this.#broadcastRate,
        `broadcast budget: more than ${this.#broadcastRate} deliveries per second (maxBroadcastDeliveriesPerSecond); broadcasts are being dropped`);
    }
    const ack = (frame.features & Feature.ACK_REQUIRED) !== 0;
    const out = { ...body, from: sender.peer!.hello.nodeId };
    this.#fanOut(out, ack, sender, frame);
    if (this.uplink) (this.#counters.uplinkOut++, this.uplink.broadcast(out, ack));
    this.#stats.broadcasts++;
  }

  #fanOut(body: BroadcastBody, ack: boolean, sender?: RelayPeer, frame?: Frame): void {
    const topic = typeof body.topic === 'string' ? body.topic : undefined;
    const targets = topic === undefined ? this.#peers.values() : this.#subscribers.get(topic)?.values();
    if (!targets) return;
    // Packed once for all its receivers. A best-effort broadcast is also encoded once, with request_id 0 (it answers
    // nothing and nobody acks it), and the same bytes go to every peer that can take them as they are; an acked one
    // needs each session's own request id.
    const payload = pack(body);
    const out: SessionFrame = ack ? { type: MessageType.Broadcast, ack, payload, compress: false } : { type: MessageType.Broadcast, requestId: 0, payload, compress: false };
    const encoded = ack ? undefined : encodeFrame(out);
    for (const peer of targets) {
      if (peer.session === sender) continue;
      this.#forward(peer.session, out, sender, frame, encoded);
    }
  }

  /**
   * A Routed frame from another relay (through the uplink): delivers it if `body.to` is reachable from here. False
   * if not, or if its session could not take it. `acked`, for an acked frame, is called once the node acknowledged
   * it (a frame from a node's stream is forgotten there only then).
   */
  deliverRouted(body: RoutedOut & { seq?: number }, ack: boolean, acked?: () => void): boolean {
    this.#counters.uplinkIn++;
    if (this.observer) this.observer.uplinkRouted(body, this.#peers.has(idHex(body.from)));
    const via = this.router.nextHop(idHex(body.to));
    const target = via === undefined ? undefined : this.#peers.get(via);
    if (!target) return false;
    const id = this.#forward(target.session, { type: MessageType.Routed, ack, body });
    if (id === false) return false;
    this.#stats.routed++;
    this.#timeCall(body);
    if (ack && acked && id !== undefined) this.#whenAcked(target, id, acked);
    return true;
  }

  /** Calls `then` when `peer` acknowledges its acked frame `id` (never, if the peer goes first or is no Session). */
  #whenAcked(peer: PeerState, id: number, then: () => void): void {
    if (!(peer.session instanceof Session)) return;
    if (!peer.acks) {
      const acks = (peer.acks = new Map<number, () => void>());
      peer.session.on('acked', (acked) => {
        const done = acks.get(acked);
        if (done) (acks.delete(acked), done());
      });
    }
    peer.acks.set(id, then);
  }

  /** A broadcast from another relay (through the uplink): delivers it to this relay's peers. */
  deliverBroadcast(body: BroadcastBody, ack: boolean): void {
    this.#counters.uplinkIn++;
    this.observer?.uplinkBroadcast(body.from instanceof Uint8Array ? body.from : undefined);
    this.#fanOut(body, ack);
  }

  #call(sender: RelayPeer, frame: Frame): void {
    if (frame.moduleId !== RELAY_MODULE && frame.moduleId !== 0n) {
      return this.#fail(sender, frame, Status.ModuleNotFound, `no module 0x${frame.moduleId.toString(16)} on this relay`);
    }
    let result: unknown;
    try {
      const op = operationOf(this.#module, frame.methodHash, frame.payload.length ? decodeBody(frame) : []);
      result = call(this.#module, op, undefined, 'the relay');
    } catch (error) {
      return this.#fail(sender, frame, error instanceof SwarmwireError ? error.status : Status.ExecutionError, (error as Error).message);
    }
    this.#reply(sender, frame, result);
  }

  /**
   * Sends to a peer. A peer too slow to take it (its transport buffer or its unacked store is full) is dropped with
   * BackpressureRejection, so one slow reader cannot make the relay hold an unbounded backlog; the sender gets an
   * Error for the frame that could not be forwarded. Returns the frame's request id (undefined when it went as the
   * bytes encoded once for every receiver), or false when the peer could not take it.
   */
  #forward(target: RelayPeer, out: Readonly<SessionFrame>, sender?: RelayPeer, frame?: Frame, encoded?: Uint8Array): number | undefined | false {
    try {
      // A carried frame keeps its trace block only for a peer that reads one (its Hello offered TRACE): to any other
      // (swarmwire/lite) the bit is reserved and the block would read as payload.
      let body = out.body;
      const routed = body as RoutedBody | undefined;
      if (out.type === MessageType.Routed && routed && !((target.peer?.hello.features ?? 0) & Feature.TRACE)) {
        const inner = withoutTrace(routed.frame);
        if (inner !== routed.frame) body = withFrame(routed, inner);
      }
      // Uncompressed: one frame fanned out to many peers would be deflated once per peer, and a burst of large ones
      // would queue behind the deflates until each peer looked too slow to keep up (the adversarial suite's
      // broadcast burst dropped honest peers that way).
      // A best-effort frame encoded once for every receiver goes as those bytes where it can (no id: nothing acks it).
      let id: number | undefined;
      if (encoded && target.sendEncoded?.(encoded, out.payload!.length)) this.#counters.sent(out.type, encoded.length);
      else {
        // Written out, not `{ ...out, … }`: see "Hot paths" in docs/architecture.md.
        id = this.#send(target, {
          type: out.type, features: out.features, requestId: out.requestId, moduleId: out.moduleId, methodHash: out.methodHash,
          payload: out.payload, body, trace: out.trace, ack: out.ack, priority: out.priority, compress: false,
        });
      }
      this.#stats.framesOut++;
      return id;
    } catch (error) {
      const status = error instanceof SwarmwireError ? error.status : Status.ExecutionError;
      const full = isFull(error);
      this.#counters.dropped[full ? 'backpressure' : 'send_failed']++;
      if (full) this.#dropSlow(target, (error as Error).message);
      if (sender && frame) this.#fail(sender, frame, status, `could not forward: ${(error as Error).message}`);
      else this.#stats.errors++; // from another relay: its sender is not here to tell
      return false;
    }
  }

  /**
   * Tells a slow peer why (Error, then Goodbye 1008) and ends its connection, freeing everything queued for it. Both
   * are Critical frames: they go ahead of the backlog the peer did not read, which is dropped (WebSocketTransport).
   * The relay's own agent host is never dropped: what it cannot take now is refused frame by frame instead.
   */
  #dropSlow(peer: RelayPeer, why: string): void {
    if (peer.state === 'closed' || !peer.close || this.#local.has(peer)) return;
    this.#stats.slowPeersDropped++;
    if (debug.on) debug.log('drop', { peer: peer.peer?.id, why: 'too slow', detail: why });
    try {
      this.#send(peer, { type: MessageType.Error, priority: 0, body: { status: Status.BackpressureRejection, message: `dropped: too slow to keep up (${why})` } satisfies ErrorBody });
    } catch {
      // its buffer is full: the Goodbye below still carries the reason
    }
    peer.close(CloseCode.PolicyViolation, 'SW_ERR_BACKPRESSURE: too slow to keep up');
  }

  #reply(to: RelayPeer, frame: Frame, result: unknown, type: MessageType = MessageType.Response): void {
    const { requestId, moduleId, methodHash } = frame;
    if (result instanceof Encoded) to.send({ type, requestId, moduleId, methodHash, payload: result.payload, compress: false });
    else to.send({ type, requestId, moduleId, methodHash, body: result });
    this.#counters.sent(type, to.lastSentBytes ?? 0);
    this.#stats.framesOut++;
  }

  /** Sends a frame to a peer and counts it, by type and size (what the peer says it took). Throws what send() throws. */
  #send(to: RelayPeer, out: Readonly<SessionFrame>): number {
    const id = to.send(out);
    this.#counters.sent(out.type, to.lastSentBytes ?? 0);
    return id;
  }

  /** A frame its sender's grant does not allow: counted, and answered with Unauthorized. */
  #refuse(to: RelayPeer, frame: Frame, message: string): void {
    this.#counters.dropped.unauthorized++;
    this.#fail(to, frame, Status.Unauthorized, message);
  }

  #fail(to: RelayPeer, frame: Frame, status: number, message: string): void {
    this.#stats.errors++;
    if (debug.on) debug.log('error reply', { peer: to.peer?.id, type: frame.type, status, message });
    try {
      this.#send(to, { type: MessageType.Error, requestId: frame.requestId, moduleId: frame.moduleId, methodHash: frame.methodHash, body: { status, message } satisfies ErrorBody });
    } catch {
      // the sender itself is gone or full: nothing to tell it
    }
  }
}

const isFull = (error: unknown): boolean =>
  error instanceof SwarmwireError && (error.code === TransportErrorCode.FULL || error.code === SessionErrorCode.FULL);
