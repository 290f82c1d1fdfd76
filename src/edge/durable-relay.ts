// A swarmwire relay as a Cloudflare Durable Object on the WebSocket Hibernation API. The routing, broadcasts and
// the built-in `relay` module are the Relay class's, as on Node; what differs is how sessions live.
//
// Hibernation: while no message is being handled the runtime may evict the object from memory and keep only its
// sockets. Anything in memory is then gone, and a pending timer would keep the object awake (and billed). So the
// relay holds no timers: peers send the heartbeats (the relay answers their Pings), the runtime reports dead sockets,
// and deadlines (handshake, resume) run on the storage alarm. What a session needs to outlive eviction is kept
// outside memory: the node id in the socket's attachment, the rest in storage (see durable-peer.ts). When the
// object wakes, the constructor rebuilds every session from there before the first message is handled.
// What eviction does lose: round-trip times, the counters of relay.stats and /metrics, and the fine-grained duplicate
// filter (after a wake, acked ids up to the highest one seen count as repeats).
import { Feature, HANDSHAKE_MAX_PAYLOAD, MAX_PAYLOAD, MessageType, Status } from '../wire/constants.js';
import { SwarmwireError } from '../wire/errors.js';
import { decodeFrames, encodeFrame, frameSize } from '../wire/frame.js';
import type { Hello } from '../wire/hello.js';
import { idHex } from '../wire/node-id.js';
import { CloseCode } from '../transport/transport.js';
import type { Authorize, Grant } from '../session/auth.js';
import { sessionError, SessionErrorCode } from '../session/errors.js';
import { agree, handshakeErrorBody, helloDone, type LocalHello, REFUSALS, ResponderHandshake } from '../session/handshake.js';
import type { Identity } from '../session/identity.js';
import { loadIdentity, storageIdentityStore } from '../session/identity-store.js';
import { ReplayWindow } from '../session/replay-window.js';
import { continuesSession, MOVED, SUPERSEDED } from '../session/succession.js';
import { Relay, type RelayStats } from '../relay/relay.js';
import { DEFAULT_MAX_PEER_INFO_BYTES, withPeerInfoLimit } from '../relay/peer-info.js';
import { METRICS_CONTENT_TYPE, relayMetrics } from '../relay/metrics.js';
import { closeQuietly, DurablePeer, type NodeRecord } from './durable-peer.js';
import { DurableAgents, type DurableAgentsOptions } from './durable-agents.js';
import { BRIDGE_HEADER, type BridgeOptions, RoomBridges } from './bridge.js';
import type { DurableObjectStateLike, HibernatableWebSocket } from './workers-types.js';

/** Options of the Durable Object relay; pass them from a subclass's constructor. */
export interface DurableRelayOptions {
  /**
   * Decides whether a peer may connect, given its proven node id and its Hello: true, false (Unauthorized), or a
   * Grant of what it may do. Default: everyone, with every grant.
   */
  authorize: Authorize;
  /** Other relays (node ids) whose reports of a frame's origin are believed (see RelayOptions.trustedRelays). Default: none. */
  trustedRelays: Iterable<string>;
  /** How long a node that went away keeps its session (topics, unacked frames) for a resume, ms. Default: 30,000. */
  resumeTimeoutMs: number;
  /** Deadline for a new socket's Hello, ms. Default: 10,000. */
  handshakeTimeoutMs: number;
  /**
   * Largest payload accepted. Default: 1 MiB − 36, so a frame fits the 1 MiB WebSocket message limit of Workers.
   */
  maxPayload: number;
  /** Free-form strings announced in the relay's HelloAck. Default: {}. */
  metadata: Readonly<Record<string, string>>;
  /**
   * Bytes a peer's Hello may spend on its capabilities and metadata, which the relay repeats to every peer; a Hello
   * over it is refused at the handshake (see RelayOptions.maxPeerInfoBytes). Default: 4,096.
   */
  maxPeerInfoBytes: number;
  /**
   * Host agents in the object (durable-agents.ts): a mesh node of the room whose agents are kept in storage, callable
   * from any node and movable in and out by migration. Default: none (the object only relays).
   */
  agents: DurableAgentsOptions;
  /**
   * Bridge rooms (bridge.ts): with this, `bridge(name)` links this room to another room of the same namespace, so
   * nodes of either reach the nodes of both. Default: none (the room is an island).
   */
  bridge: BridgeOptions;
}

/** What a socket carries through hibernation: when it was accepted, and its node once the handshake is through. */
interface Attachment {
  acceptedAt: number;
  id?: string;
}

interface WebSocketPairLike {
  new (): { 0: unknown; 1: unknown };
}

const DEFAULT_MAX_PAYLOAD = 1024 * 1024 - 36;
// No COMPRESSED: inflating is asynchronous and would have to span messages; peers negotiate it away.
const FEATURES = Feature.CHECKSUM | Feature.BATCHING | Feature.ACK_REQUIRED;

/**
 * A swarmwire relay as a Durable Object class: export it from your Worker (or a subclass, to pass options) and
 * bind it in wrangler configuration. Peers connect a WebSocket to any path the Worker forwards to it; `/healthz`
 * answers the relay's stats as JSON, and `/metrics` its figures as Prometheus text (the Node relay's, since the
 * object last woke).
 */
/** A handshake in progress on a socket: its responder and the grant authorize gave. */
interface Handshaking {
  responder: ResponderHandshake;
  grant?: Grant | undefined;
}

export class SwarmwireRelay {
  readonly state: DurableObjectStateLike;
  readonly #options: Omit<DurableRelayOptions, 'authorize' | 'trustedRelays' | 'agents' | 'bridge'> & Partial<Pick<DurableRelayOptions, 'authorize' | 'trustedRelays' | 'agents' | 'bridge'>>;
  /** Made once the relay's identity is loaded from storage (before any event is delivered: blockConcurrencyWhile). */
  #relay: Relay | undefined;
  #agents: DurableAgents | undefined;
  #bridges: RoomBridges | undefined;
  /** Handshakes between their HelloAck and the HelloProof, by socket (lost with an eviction: the peer dials again). */
  readonly #handshakes = new Map<HibernatableWebSocket, Handshaking>();
  readonly #peers = new Map<HibernatableWebSocket, DurablePeer>();
  readonly #byNode = new Map<string, DurablePeer>();
  /** Sessions moved to a new socket: their end is not the node's. */
  readonly #replaced = new WeakSet<DurablePeer>();
  /** Sockets refused before their handshake completed, by reason (for /metrics; lost with an eviction, like the rest). */
  readonly #refused = { deadline: 0, not_binary: 0 };

  constructor(state: DurableObjectStateLike, _env?: unknown, options: Readonly<Partial<DurableRelayOptions>> = {}) {
    this.state = state;
    this.#options = {
      // The Node relay's rule (src/relay/peer-info.ts): an oversized Hello is refused before authorize is asked.
      authorize: withPeerInfoLimit(options.maxPeerInfoBytes ?? DEFAULT_MAX_PEER_INFO_BYTES, options.authorize),
      maxPeerInfoBytes: options.maxPeerInfoBytes ?? DEFAULT_MAX_PEER_INFO_BYTES,
      trustedRelays: options.trustedRelays,
      resumeTimeoutMs: options.resumeTimeoutMs ?? 30_000,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
      maxPayload: Math.min(options.maxPayload ?? DEFAULT_MAX_PAYLOAD, MAX_PAYLOAD),
      metadata: options.metadata ?? {},
      agents: options.agents,
      bridge: options.bridge,
    };
    void state.blockConcurrencyWhile(() => this.#wake());
  }

  /** The relay's logic. Its identity is kept in storage, so peers meet the same relay (and id) after an eviction. */
  get relay(): Relay {
    if (!this.#relay) throw new Error('[swarmwire] the relay is still loading its identity');
    return this.#relay;
  }

  /** The agents hosted in the object (options.agents), once loaded; undefined without them. */
  get agents(): DurableAgents | undefined {
    return this.#agents;
  }

  /**
   * Bridges this room to the room `name` of the namespace in options.bridge (idempotent, and kept across eviction):
   * from then on each room's nodes reach the other's. Resolves with that room's relay id.
   */
  async bridge(name: string): Promise<string> {
    if (!this.#bridges) throw new Error('[swarmwire] bridge() needs options.bridge');
    return this.#bridges.link(this.#options.bridge!.rooms.idFromName(name).toString());
  }

  /** The relay ids of the rooms bridged to this one. */
  bridged(): string[] {
    return this.#bridges?.linked() ?? [];
  }

  /** What the relay says of itself in its HelloAck. */
  localHello(): LocalHello {
    return { role: 'relay', capabilities: ['relay'], features: FEATURES, maxPayload: this.#options.maxPayload, metadata: { ...this.#options.metadata } };
  }

  stats(): RelayStats {
    return this.relay.stats();
  }

  async fetch(request: Request): Promise<Response> {
    if (request.headers.has(BRIDGE_HEADER)) {
      return this.#bridges && request.method === 'POST' ? this.#bridges.receive(request) : new Response('[swarmwire] this room is not bridged', { status: 404 });
    }
    if (request.headers.get('upgrade')?.toLowerCase() === 'websocket') {
      const Pair = (globalThis as { WebSocketPair?: WebSocketPairLike }).WebSocketPair;
      if (!Pair) return new Response('WebSocketPair is missing: not a Workers runtime', { status: 500 });
      const pair = new Pair();
      this.state.acceptWebSocket(pair[1]);
      (pair[1] as HibernatableWebSocket).serializeAttachment({ acceptedAt: Date.now() } satisfies Attachment);
      await this.#alarmBy(Date.now() + this.#options.handshakeTimeoutMs);
      return new Response(null, { status: 101, webSocket: pair[0] } as ResponseInit);
    }
    const path = new URL(request.url).pathname;
    if (path.endsWith('/healthz')) {
      return new Response(JSON.stringify(this.stats()), { headers: { 'content-type': 'application/json' } });
    }
    if (path.endsWith('/metrics')) {
      const agents = this.#agents && { hosted: this.#agents.host.agents().length, arrived: this.#agents.moves.arrived, left: this.#agents.moves.left };
      return new Response(relayMetrics(this.relay, { refused: this.#refused, agents }), { headers: { 'content-type': METRICS_CONTENT_TYPE } });
    }
    return new Response('swarmwire relay: connect with a WebSocket', { status: 426, headers: { upgrade: 'websocket' } });
  }

  async webSocketMessage(socket: HibernatableWebSocket, message: ArrayBuffer | string): Promise<void> {
    if (typeof message === 'string') {
      if (!this.#peers.has(socket)) this.#refused.not_binary++;
      this.#handshakes.delete(socket);
      // Binary frames only (RFC 6455 Unsupported Data), as the other WebSocket endpoints answer.
      closeQuietly(socket, CloseCode.UnsupportedData, 'binary messages only');
      return this.#gone(socket);
    }
    const bytes = new Uint8Array(message);
    const peer = this.#peers.get(socket);
    if (peer) return peer.receive(bytes);
    if ((socket.deserializeAttachment() as Attachment | null)?.id) return; // its session was ended: ignore stragglers
    await this.#handshake(socket, bytes);
  }

  webSocketClose(socket: HibernatableWebSocket, code: number, reason: string): Promise<void> {
    this.#handshakes.delete(socket);
    closeQuietly(socket, code === 1005 || code === 1006 ? CloseCode.Normal : code, reason); // complete the closing handshake
    return this.#gone(socket);
  }

  webSocketError(socket: HibernatableWebSocket): Promise<void> {
    this.#handshakes.delete(socket);
    return this.#gone(socket);
  }

  /** Deadlines: sockets that never said Hello, and nodes that did not come back in time. */
  async alarm(): Promise<void> {
    const now = Date.now();
    let next = Infinity;
    for (const socket of this.state.getWebSockets()) {
      const at = socket.deserializeAttachment() as Attachment | null;
      if (!at || at.id) continue;
      const due = at.acceptedAt + this.#options.handshakeTimeoutMs;
      if (due <= now) {
        this.#refused.deadline++;
        this.#handshakes.delete(socket);
        closeQuietly(socket, CloseCode.PolicyViolation, 'no handshake in time');
      }
      else next = Math.min(next, due);
    }
    const records = await this.state.storage.list<NodeRecord>({ prefix: 'node:' });
    for (const [key, record] of records) {
      if (record.disconnectedAt === undefined) continue;
      const due = record.disconnectedAt + this.#options.resumeTimeoutMs;
      if (due > now) next = Math.min(next, due);
      else {
        const id = key.slice(5);
        const peer = this.#byNode.get(id);
        if (peer) peer.end({ code: CloseCode.Abnormal, reason: 'the node did not come back' });
        else await this.#forget(id);
      }
    }
    if (next !== Infinity) await this.state.storage.setAlarm(next);
  }

  /**
   * Rebuilds every session from the sockets' attachments and storage (a fresh object, or one woken from
   * hibernation): nodes with a socket, and nodes away but still within their resume time.
   */
  async #wake(): Promise<void> {
    const identity = await loadIdentity(storageIdentityStore(this.state.storage, 'relay:identity'));
    this.#relay = new Relay({ identity, role: 'relay', heartbeatIntervalMs: 0, trustedRelays: this.#options.trustedRelays });
    const records = await this.state.storage.list<NodeRecord>({ prefix: 'node:' });
    const sockets = new Map<string, HibernatableWebSocket>();
    for (const socket of this.state.getWebSockets()) {
      const id = (socket.deserializeAttachment() as Attachment | null)?.id;
      if (id) sockets.set(id, socket);
    }
    for (const [key, record] of records) {
      const id = key.slice(5);
      const socket = record.disconnectedAt === undefined ? sockets.get(id) : undefined;
      if (socket) this.#serve(socket, record);
      else {
        // Away (or its socket was lost with the old instance): it may still resume.
        if (record.disconnectedAt === undefined) {
          record.disconnectedAt = Date.now();
          await this.state.storage.put(key, record);
        }
        this.#serve(undefined, record);
        await this.#alarmBy(record.disconnectedAt + this.#options.resumeTimeoutMs);
      }
    }
    if (this.#options.bridge) {
      const room = this.state.id?.toString();
      if (!room) throw new Error('[swarmwire] options.bridge needs state.id: a Workers runtime');
      const relay = this.#relay;
      this.#bridges = new RoomBridges({ relay, identity, storage: this.state.storage, room, localHello: () => this.localHello() }, this.#options.bridge);
      await this.#bridges.wake();
    }
    // After the peers: the agent node's Discovery then learns every node of the room.
    if (this.#options.agents) this.#agents = await DurableAgents.start(this.#relay, this.state.storage, this.#options.agents);
  }

  /**
   * A message on a socket whose session is not open yet: the Hello (checked, authorized, answered with HelloAck),
   * then the HelloProof that opens the session. Anything wrong is answered with an Error and a close.
   */
  async #handshake(socket: HibernatableWebSocket, bytes: Uint8Array): Promise<void> {
    const pending = this.#handshakes.get(socket);
    try {
      const frame = decodeFrames(bytes, { maxPayload: HANDSHAKE_MAX_PAYLOAD })[0]!;
      // Frames batched behind the handshake frame in the same message belong to the session.
      const rest = bytes.subarray(frameSize(frame.payloadLength, frame.features));
      if (!pending) {
        if (frame.type === MessageType.HelloProof) throw sessionError(SessionErrorCode.PROTOCOL, 'a HelloProof without a handshake: the relay restarted meanwhile, dial again');
        const responder = new ResponderHandshake(this.#identity(), this.localHello());
        const state: Handshaking = { responder };
        this.#handshakes.set(socket, state);
        const hello = await responder.hello(frame.type, frame.payload);
        const verdict = this.#options.authorize ? await this.#options.authorize({ id: idHex(hello.nodeId), hello }) : true;
        if (verdict === false) throw sessionError(SessionErrorCode.REJECTED, 'not authorized');
        if (verdict !== true) state.grant = verdict;
        socket.send(encodeFrame({ type: MessageType.HelloAck, payload: await responder.ack() }));
        if (rest.length > 0) await this.#handshake(socket, rest);
        return;
      }
      const hello = await pending.responder.proof(frame.type, frame.payload);
      this.#handshakes.delete(socket);
      await this.#open(socket, hello, pending, rest);
      this.relay.counters().handshake('accepted');
    } catch (error) {
      this.#handshakes.delete(socket);
      const e = error instanceof SwarmwireError ? error : sessionError(SessionErrorCode.PROTOCOL, String(error));
      this.relay.counters().handshake(e.code);
      try {
        socket.send(encodeFrame({ type: MessageType.Error, body: handshakeErrorBody(e) }));
      } catch {
        // closing anyway
      }
      closeQuietly(socket, REFUSALS.has(e.status) ? CloseCode.PolicyViolation : e.status === Status.PayloadTooLarge ? CloseCode.TooBig : CloseCode.ProtocolError, e.code);
    }
  }

  /** Opens the session of a node that has proven its id: a new one, or its earlier one moved to this socket. */
  async #open(socket: HibernatableWebSocket, hello: Hello, { grant }: Handshaking, rest: Uint8Array): Promise<void> {
    const id = idHex(hello.nodeId);
    // Decided now that the node is proven, and named in HelloDone (docs/protocol.md, "Sessions"). Only storage is
    // awaited from here to HelloDone, and the runtime's input gate holds other events meanwhile, so no other
    // handshake or alarm changes the record between the decision and the HelloDone that names it.
    const stored = await this.state.storage.get<NodeRecord>(`node:${id}`);
    // The node's own session (a resume; a record stored before tags resumes under none), or a new one, for which the
    // old record goes: its unacked frames answer the old session's calls, not the new's.
    const same = stored !== undefined && continuesSession(stored.hello, hello);
    const previous = this.#byNode.get(id);
    if (previous) {
      this.#replaced.add(previous);
      if (previous.socket) this.#peers.delete(previous.socket);
      if (!same) {
        previous.goodbye(SUPERSEDED.code, SUPERSEDED.reason);
      } else {
        // The node is back: move it to the new socket (1006 cannot be sent in a Close frame: 4006 says it).
        if (previous.socket) closeQuietly(previous.socket, MOVED.code + 3000, MOVED.reason);
        previous.end(MOVED);
      }
    }
    if (stored && !same) await this.#forget(id);
    const record: NodeRecord = same
      ? { ...stored, hello, grant, connectedAt: Date.now() }
      : { hello, grant, topics: [], idLease: 1, seen: 0, connectedAt: Date.now(), tag: (Math.random() * 2 ** 32) >>> 0 };
    delete record.disconnectedAt;
    await this.state.storage.put(`node:${id}`, record);
    socket.serializeAttachment({ acceptedAt: Date.now(), id } satisfies Attachment);
    const peer = this.#serve(socket, record, same ? previous?.replay : undefined);
    socket.send(encodeFrame({ type: MessageType.HelloDone, payload: helloDone(record.tag) }));
    // A resumed node gets what it has not acknowledged, oldest first, before anything new.
    for (const frame of await peer.unacked()) socket.send(frame);
    if (rest.length > 0) peer.receive(rest);
  }

  #identity(): Identity {
    return this.relay.identity;
  }

  #serve(socket: HibernatableWebSocket | undefined, record: NodeRecord, replay?: ReplayWindow): DurablePeer {
    const peer = new DurablePeer(socket, record, agree(this.localHello(), record.hello), this.state.storage, replay);
    if (socket) this.#peers.set(socket, peer);
    this.#byNode.set(peer.id, peer);
    peer.on('close', () => {
      if (peer.socket) this.#peers.delete(peer.socket);
      if (this.#byNode.get(peer.id) === peer) this.#byNode.delete(peer.id);
      // Said Goodbye, broke the protocol, or did not come back in time: the session is over.
      if (!this.#replaced.has(peer)) void this.#forget(peer.id);
    });
    this.relay.join(peer, record.topics);
    return peer;
  }

  /** A socket closed without a Goodbye: its node stays known (and reachable by acked frames) until the resume timeout. */
  async #gone(socket: HibernatableWebSocket): Promise<void> {
    const peer = this.#peers.get(socket);
    if (!peer) return;
    this.#peers.delete(socket);
    peer.detach();
    peer.record.disconnectedAt = Date.now();
    await this.state.storage.put(`node:${peer.id}`, peer.record);
    await this.#alarmBy(peer.record.disconnectedAt + this.#options.resumeTimeoutMs);
  }

  async #forget(id: string): Promise<void> {
    const keys = [`node:${id}`, ...(await this.state.storage.list({ prefix: `out:${id}:` })).keys()];
    // storage.delete takes at most 128 keys at a time
    for (let i = 0; i < keys.length; i += 128) await this.state.storage.delete(keys.slice(i, i + 128));
  }

  async #alarmBy(time: number): Promise<void> {
    const current = await this.state.storage.getAlarm();
    if (current === null || current > time) await this.state.storage.setAlarm(time);
  }
}
