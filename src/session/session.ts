// A session: one logical link to one peer that outlives its transports. It runs the Hello handshake on every
// transport it is given, keeps heartbeats, and gives acked frames exactly-once, in-order delivery across
// reconnects: the sender keeps each ACK_REQUIRED frame until its Ack and re-sends it on the next transport; the
// receiver acks every copy and drops repeats by request id (ReplayWindow).
import { Feature, HANDSHAKE_MAX_PAYLOAD, HEADER_SIZE, MAX_PAYLOAD, MessageType, Status, type Role } from '../wire/constants.js';
import { SwarmwireError, WireError, WireErrorCode, wireError, withVerdict } from '../wire/errors.js';
import { type Frame, type FrameInit, decodeFrames, encodeFrame, frameSize, withPayload } from '../wire/frame.js';
import type { Hello, Negotiated } from '../wire/hello.js';
import { pack } from '../wire/payload.js';
import { CloseCode, type CloseInfo, Priority, type Transport, TransportErrorCode, transportError } from '../transport/transport.js';
import { SessionError, SessionErrorCode, sessionError } from './errors.js';
import type { ErrorBody, Peer } from './messages.js';
import { closeCodeOf, type CoreHost, CoreState, errorBody, requireChecksum, SessionCore } from './core.js';
import { Batcher } from './batcher.js';
import { joinHeartbeats, leaveHeartbeats } from './heartbeats.js';
import { inboxOf, takeInbox } from './inbox.js';
import { deflateRaw, inflateRaw } from './compression.js';
import { createIdentity, type Identity } from './identity.js';
import { agree, InitiatorHandshake, type LocalHello } from './handshake.js';
import { ReplayWindow } from './replay-window.js';
import type { Grant } from './auth.js';
import { idHex } from '../wire/node-id.js';
import { typeAt } from '../wire/header.js';
import { createDebug } from '../core/debug.js';
import { type Clock, type ClockTimer, realClock } from '../core/clock.js';
import { added, emit, type Listeners, NONE, pushed, removed } from '../core/listeners.js';

const debug = /* @__PURE__ */ createDebug('swarmwire:session');

export interface SessionOptions {
  /**
   * This node's identity: its key pair, from which its node id is derived (createIdentity(), or loadIdentity() to
   * keep it across restarts). Default: a new ephemeral identity, made when the first handshake starts.
   */
  identity: Identity;
  /** The node id the other side must prove when this side dials (pins a relay). Default: any. */
  expectPeer: Uint8Array;
  /** Role announced in Hello. Default: 'edge'. */
  role: Role;
  /** Capabilities announced in Hello. Default: []. */
  capabilities: readonly string[];
  /** Feature bits offered. Default: CHECKSUM | BATCHING | ACK_REQUIRED | TRACE, plus COMPRESSED where CompressionStream exists. */
  features: number;
  /** Largest payload accepted. Default: MAX_PAYLOAD (64 MiB). */
  maxPayload: number;
  /** Free-form strings announced in Hello. Default: {}. */
  metadata: Readonly<Record<string, string>>;
  /** Sent in Hello for the accepting side's authorize hook. Default: none. */
  token: string;
  /** Put a CRC-32C trailer on every frame when both sides offered CHECKSUM. Default: false (the transports have their own integrity checks). */
  checksum: boolean;
  /**
   * Send a CRC-32C trailer on every frame, the handshake and control frames included, and refuse any frame
   * without one: for links that can damage bytes (shared memory written by untrusted code, a faulty bridge).
   * A damaged frame then drops the transport and the session resumes on the next one, losing nothing.
   * Both sides must set it. Default: false.
   */
  requireChecksum: boolean;
  /** Payloads of at least this many bytes are sent deflate-raw when both sides offered COMPRESSED. Default: 4,096. */
  compressThreshold: number;
  /** Deadline for the Hello / HelloAck exchange, ms. Default: 10,000. */
  handshakeTimeoutMs: number;
  /** Ping interval while open, ms; 0 turns heartbeats off. Default: 5,000. */
  heartbeatIntervalMs: number;
  /** Intervals of silence after which the link is declared dead. Default: 3. */
  missedHeartbeats: number;
  /** Acked frames kept for re-sending at most; send() throws SW_ERR_SESSION_FULL beyond. Default: 10,000. */
  maxUnacked: number;
  /**
   * Bytes of acked frames kept for re-sending at most; send() throws SW_ERR_SESSION_FULL (BackpressureRejection)
   * beyond. Bounds what a peer that stops acking can make this side hold. Default: 64 MiB.
   */
  maxUnackedBytes: number;
  /** Best-effort frames queued while there is no transport; send() throws SW_ERR_SESSION_FULL beyond. Default: 1,000. */
  maxQueued: number;
  /**
   * Where time comes from: heartbeats, the handshake deadline, ping timeouts, reconnect backoff, and the deadlines
   * of RPC calls over this session. Tests pass a clock they move by hand. Default: the real clock (realClock).
   */
  clock: Clock;
  /**
   * Acked frames whose Ack this side sends itself, later, with releaseAck(id) (a relay that first hands a frame to
   * something durable, so that the sender keeps it until it cannot be lost). Default: none (every Ack at once).
   */
  holdAck?: (frame: Frame) => boolean;
}

/** What send() takes: a frame, plus whether it must be acked and its priority. */
export interface SessionFrame extends FrameInit {
  /** Deliver exactly once, surviving reconnects (sets ACK_REQUIRED). Default: false (best effort). */
  ack?: boolean;
  /** Default: Priority.High. */
  priority?: Priority;
  /**
   * Deflate the payload when COMPRESSED was negotiated and it is at least compressThreshold bytes. False for frames
   * that pass through (a relay forwarding one frame to many peers would deflate it once per peer, and queue the
   * frames behind it). Default: true.
   */
  compress?: boolean;
}

export type SessionState = 'connecting' | 'open' | 'disconnected' | 'closed';

export interface SessionEvents {
  open: [peer: Peer];
  /**
   * An application frame (not a session control frame). Its payload may be a view valid only during the call.
   * Frames that arrive before any 'frame' listener is attached (up to maxQueued) are kept and handed to the first.
   */
  frame: [frame: Frame];
  /** The peer acknowledged the acked frame with this request id. */
  acked: [id: number];
  /** The transport went away; a reconnect or a resume may follow. */
  disconnect: [info: CloseInfo];
  close: [info: CloseInfo];
  error: [error: SwarmwireError];
  /** A Pong came back: the round trip it measured, ms (what `rtt` now reads). A relay keeps these as a histogram. */
  rtt: [ms: number];
}

interface Outgoing {
  bytes: Uint8Array;
  priority: Priority;
}

/** Whether an encoded frame is a heartbeat's Ping or Pong (its type, read in its header). */
const isHeartbeat = (bytes: Uint8Array): boolean => {
  const type = typeAt(bytes, 0);
  return type === MessageType.Ping || type === MessageType.Pong;
};

/** Handshake failures that end a dialling session for good (see connect()). */
const FINAL: ReadonlySet<string> = /* @__PURE__ */ new Set([SessionErrorCode.REJECTED, SessionErrorCode.IDENTITY, SessionErrorCode.UNSUPPORTED_KEY]);
const DEFAULT_FEATURES = Feature.CHECKSUM | Feature.BATCHING | Feature.ACK_REQUIRED | Feature.TRACE |
  (typeof CompressionStream === 'function' ? Feature.COMPRESSED : 0);


/** The methods of every session's CoreHost (set in Session's static block, where they may reach its private fields). */
let CORE_HOST: Omit<CoreHost, 'holdAck'>;

/** The start of every session's ordered pipelines (one promise for all: each session holds many while idle). */
const SETTLED: Promise<void> = /* @__PURE__ */ Promise.resolve();

/**
 * The last outcome of a negotiation, frozen and shared by every session that agrees on the same terms: a relay's
 * peers mostly do, and a copy each (with its capabilities' array) cost ~0.1 KB per peer (issue 17).
 */
let lastNegotiated: Negotiated | undefined;

function shared(n: Negotiated): Negotiated {
  const last = lastNegotiated;
  const same = last && last.version === n.version && last.features === n.features && last.maxPayload === n.maxPayload &&
    last.capabilities.length === n.capabilities.length && last.capabilities.every((c, i) => c === n.capabilities[i]);
  if (same) return last;
  return (lastNegotiated = Object.freeze({ ...n, capabilities: Object.freeze(n.capabilities) as string[] }));
}

/** Options with their defaults filled in. */
type NormalizedOptions = Omit<SessionOptions, 'token' | 'identity' | 'expectPeer' | 'clock' | 'holdAck'> & Partial<Pick<SessionOptions, 'token' | 'expectPeer' | 'holdAck'>>;

/**
 * The normalized form of each frozen options object, made once: a host passes one frozen object to every session
 * it accepts, and a relay's ten thousand sessions then share one (~0.2 KB each). Only frozen ones, since nothing
 * can change them after.
 */
const NORMALIZED = /* @__PURE__ */ new WeakMap<object, NormalizedOptions>();

/** `options` with the defaults filled in. */
function normalize(options: Readonly<Partial<SessionOptions>>): NormalizedOptions {
  return {
    expectPeer: options.expectPeer,
    role: options.role ?? 'edge',
    capabilities: options.capabilities ?? [],
    features: options.features ?? DEFAULT_FEATURES,
    maxPayload: Math.min(options.maxPayload ?? MAX_PAYLOAD, MAX_PAYLOAD),
    metadata: options.metadata ?? {},
    token: options.token,
    checksum: options.checksum ?? options.requireChecksum ?? false,
    requireChecksum: options.requireChecksum ?? false,
    compressThreshold: options.compressThreshold ?? 4096,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5_000,
    missedHeartbeats: options.missedHeartbeats ?? 3,
    maxUnacked: options.maxUnacked ?? 10_000,
    maxUnackedBytes: options.maxUnackedBytes ?? 64 * 1024 * 1024,
    maxQueued: options.maxQueued ?? 1_000,
    holdAck: options.holdAck,
  };
}

export class Session {
  readonly #options: NormalizedOptions;
  #identity: Identity | Promise<Identity> | undefined;
  /** Where this session's time comes from (options.clock), for the layers above it too (RPC deadlines). */
  readonly clock: Clock;
  /** What the accepting side's authorize hook granted this peer (undefined: everything). */
  grant: Grant | undefined;
  /** Feature bits every frame this session sends carries (CHECKSUM when required). */
  readonly #always: number;
  #state: SessionState = 'connecting';
  #transport: Transport | undefined;
  #peer: Peer | undefined;
  #closeInfo: CloseInfo | undefined;
  #nextId = 1;
  /**
   * Names this session's request-id counter in the Hello (Hello.session): a peer that sees another tag from this node
   * knows its ids start afresh. Random; a SessionHost names it in its HelloDone. @internal
   */
  readonly tag = (Math.random() * 2 ** 32) >>> 0;
  /** Acked frames kept for re-sending until acknowledged, by request id; made on the first. */
  #unacked: Map<number, Outgoing> | undefined;
  #unackedBytes = 0;
  #queued: Outgoing[] = NONE;
  /** The session's rules (control frames, the duplicate filter, heartbeats, violations), for every transport it gets. */
  readonly #core: SessionCore;
  /** Frames that arrived while no 'frame' listener was attached, for the first one (at most maxQueued). */
  #unheard: Frame[] = NONE;
  /** Whether the core is on its clock's and interval's heartbeat wheel (heartbeats.ts). */
  #heartbeat = false;
  #rtt = NaN;
  /** See lastSentBytes. */
  #lastSent = 0;
  /**
   * The duplicate filter of each recent peer session, by `<node id>.<its session tag>`: a node that moves to another
   * relay talks to a peer whose counter is its own, and the protocol delivers each (peer session, request_id) once —
   * not each request_id. Keyed by the tag too, since two live relays may share one identity (behind one address,
   * pinned by one id): each has its own counter, and a node going back to the first finds that one's filter. A few,
   * most recent last.
   */
  #replays: Map<string, ReplayWindow> | undefined;
  /** Pings awaiting their Pong, made on the first ping(): heartbeats do not go through here. */
  #pings: Map<number, { resolve: (rtt: number) => void; reject: (e: unknown) => void; timer: ClockTimer; at: number }> | undefined;
  #waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = NONE;
  /** Both sides offered BATCHING: frames sent in one task leave as one transport message. */
  #batching = false;
  /**
   * Coalesces small frames into one transport message, made for each transport on the first frame to batch: not for
   * Critical frames, which go ahead of any batch, nor for the heartbeats' Ping and Pong, which go alone — the only
   * frames most of a relay's idle peers ever get (~0.1 KB each, issue 17). With no batcher nothing waits in one, so
   * a frame sent straight away keeps its order.
   */
  #batcher: Batcher | undefined;
  // Ordered async pipelines: while one frame is being compressed (or inflated), the frames after it wait their
  // turn, so compression never reorders anything.
  #outChain: Promise<void> = SETTLED;
  #pendingOut = 0;
  #pendingAcked = 0;
  #inChain: Promise<void> = SETTLED;
  #pendingIn = 0;
  /** Each event's listeners (core/listeners.ts): most of a relay's peers have one or none per event. */
  readonly #listeners: { [E in keyof SessionEvents]: Listeners<SessionEvents[E]> } = {
    open: NONE, frame: NONE, acked: NONE, disconnect: NONE, close: NONE, error: NONE, rtt: NONE,
  };

  constructor(options: Readonly<Partial<SessionOptions>> = {}) {
    this.#identity = options.identity;
    this.clock = options.clock ?? realClock;
    let normalized = NORMALIZED.get(options);
    if (!normalized) {
      normalized = normalize(options);
      if (Object.isFrozen(options)) NORMALIZED.set(options, normalized);
    }
    this.#options = normalized;
    this.#core = new SessionCore(this.#coreHost(), this.#options.maxPayload, { requireChecksum: this.#options.requireChecksum, missedHeartbeats: this.#options.missedHeartbeats, clock: this.clock });
    this.#always = this.#core.always;
  }


  get state(): SessionState {
    return this.#state;
  }

  /** This side's identity, once known (given in the options, or made when the first handshake started). */
  get identity(): Identity | undefined {
    return this.#identity instanceof Promise ? undefined : this.#identity;
  }

  /** This node's 16-byte id. Throws SessionError CLOSED-free TypeError before the identity exists (see `identity`). */
  get nodeId(): Uint8Array {
    const identity = this.identity;
    if (!identity) throw new TypeError('[swarmwire] this session has no identity yet: pass options.identity, or read nodeId after connect()');
    return identity.id;
  }

  /** The peer, once a handshake has completed. */
  get peer(): Peer | undefined {
    return this.#peer;
  }

  /** The kind of the current transport, if any. */
  get transportKind(): string | undefined {
    return this.#transport?.kind;
  }

  /** Last measured round-trip time in ms (NaN before the first Pong). */
  get rtt(): number {
    return this.#rtt;
  }

  /** Acked frames sent and not yet acknowledged. */
  get unacked(): number {
    return this.#unacked?.size ?? 0;
  }

  /** Bytes of the acked frames sent and not yet acknowledged. */
  get unackedBytes(): number {
    return this.#unackedBytes;
  }

  /** Bytes handed to the transport and not yet sent (its bufferedAmount; 0 without one). */
  get bufferedAmount(): number {
    return this.#transport?.bufferedAmount ?? 0;
  }

  /**
   * Size of the frame the last send() took, bytes: header and payload before compression (a trace block and checksum
   * trailer not counted). A relay counts the bytes it sends with it, without packing bodies itself.
   */
  get lastSentBytes(): number {
    return this.#lastSent;
  }

  /** Frames waiting for a connection (sent while disconnected, best effort). */
  get queued(): number {
    return this.#queued.length;
  }

  /** What this side says of itself in a Hello (its identity and the protocol fill in the rest). */
  localHello(): LocalHello {
    const o = this.#options;
    return {
      role: o.role, capabilities: [...o.capabilities], features: o.features, maxPayload: o.maxPayload, metadata: { ...o.metadata },
      ...(o.token === undefined ? {} : { token: o.token }),
    };
  }

  async #ensureIdentity(): Promise<Identity> {
    this.#identity ??= createIdentity();
    if (this.#identity instanceof Promise) this.#identity = await this.#identity;
    return this.#identity;
  }

  /** Sends the Ack of an acked frame that options.holdAck kept; does nothing for any other id. */
  releaseAck(id: number): void {
    this.#core.release(id);
  }

  /** A fresh request id from this session's counter (the ids acked frames must use). */
  nextRequestId(): number {
    return this.#nextId++;
  }

  /**
   * Adds a listener; returns a function that removes it. Listeners are called with the session as `this` (as Node's
   * EventEmitter does), so one function can serve many sessions: a relay's would otherwise be a closure per peer.
   */
  on<E extends keyof SessionEvents>(event: E, listener: (this: Session, ...args: SessionEvents[E]) => void): () => void {
    // Copy on write (core/listeners.ts): a listener added or removed while an event is emitted changes the next one.
    const listeners = this.#listeners as unknown as Record<E, Listeners<SessionEvents[E]>>;
    listeners[event] = added(listeners[event], listener);
    if (event === 'frame' && this.#unheard.length > 0) {
      // Frames that arrived before anyone listened (right behind HelloDone, before connect() had resolved): the first
      // listener gets them now, in order, ahead of anything that arrives later.
      const held = this.#unheard;
      this.#unheard = NONE;
      for (const frame of held) (listener as (this: Session, f: Frame) => void).call(this, frame);
    }
    return () => {
      listeners[event] = removed(listeners[event], listener);
    };
  }

  /**
   * Runs the dialling side of the handshake on `transport` (Hello; the peer's HelloAck with its proof; this side's
   * HelloProof; the peer's HelloDone) and resolves with the peer. Acked frames still unacknowledged from an earlier transport are re-sent
   * first, then frames queued meanwhile. A refusal (SessionError REJECTED) or a peer that cannot prove its id
   * (IDENTITY) ends the session: trying again would meet the same answer.
   */
  async connect(transport: Transport): Promise<Peer> {
    this.#assertUsable();
    if (this.#state === 'open') throw sessionError(SessionErrorCode.PROTOCOL, 'the session is connected already: a new transport needs a disconnect first');
    inboxOf(transport); // listen before anything can arrive
    const identity = await this.#ensureIdentity();
    this.#assertUsable();
    this.#core.followPositions(); // a dialling node takes frames from relays' streams: each position once
    const reply = this.#expectFirstFrame(transport);
    reply.catch(() => {}); // awaited below; if opening fails first, its rejection must not go unhandled
    this.#bindEarly(transport);
    if (transport.state === 'connecting') await this.#opened(transport);
    const handshake = new InitiatorHandshake(identity, { ...this.localHello(), session: this.tag }, this.#options.expectPeer);
    transport.send(encodeFrame({ type: MessageType.Hello, payload: handshake.hello(), features: this.#always }), Priority.Critical);
    const deadline = this.clock.now() + this.#options.handshakeTimeoutMs;
    // Frames that fail to arrive (a timeout, a close, bytes that are not frames) reject as they are: the caller may
    // dial again. What the handshake itself refuses goes through #handshakeFailed.
    let frame = await reply;
    const { proof } = await this.#handshakeStep(transport, frame, () => handshake.reply(frame.type, frame.payload));
    if (this.#transport !== transport || (transport.state as string) === 'closed') throw sessionError(SessionErrorCode.CLOSED, 'the transport closed during the handshake');
    transport.send(encodeFrame({ type: MessageType.HelloProof, payload: proof, features: this.#always }), Priority.Critical);
    frame = await readHandshakeFrame(transport, Math.max(0, deadline - this.clock.now()), HANDSHAKE_MAX_PAYLOAD, this.#options.requireChecksum, this.clock);
    const peer = await this.#handshakeStep(transport, frame, async () => handshake.done(frame.type, frame.payload));
    return this.#establish(transport, peer);
  }

  /**
   * Runs one step of the dialling handshake on `frame`. A peer that cannot read our handshake (an Error that is not
   * a refusal: damage on the way) closes the transport, and the caller may dial again; a refusal, or a peer that
   * is not who it must be, ends the session for good (trying again would meet the same answer); anything else the
   * peer sent is a protocol violation.
   */
  async #handshakeStep<T>(transport: Transport, frame: Frame, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      const e = error instanceof SwarmwireError ? error : sessionError(SessionErrorCode.PROTOCOL, String(error));
      if (frame.type === MessageType.Error && e.code === SessionErrorCode.PROTOCOL) {
        // The peer could not read our handshake: damage on the way, whatever its status says; worth another try.
        transport.close(CloseCode.ProtocolError, 'handshake failed');
        throw withVerdict(e, true);
      }
      if (!FINAL.has(e.code)) throw this.#violation(e);
      if (debug.on) debug.log('refused', { transport: transport.kind, error: e });
      if (e.code !== SessionErrorCode.REJECTED) this.#tell(transport, e);
      transport.close(CloseCode.PolicyViolation, 'handshake refused');
      // A refusal that says "later" (QuotaExceeded: the peer holds all the peers it takes) leaves the session to
      // dial again after a backoff; any other ends it: trying again would meet the same answer.
      if (e.recoverable) throw e;
      this.#finish({ code: CloseCode.PolicyViolation, reason: 'handshake refused', error: e });
      throw e;
    }
  }

  /**
   * Opens on a transport whose handshake the accepting side has completed (SessionHost.accept: Hello checked,
   * authorized, HelloAck sent, HelloProof verified). @internal
   */
  adopt(transport: Transport, hello: Hello, grant?: Grant): Peer {
    this.#assertUsable();
    this.grant = grant;
    this.#bindEarly(transport);
    return this.#establish(transport, hello);
  }

  /**
   * Sends one frame and returns its request id. Best-effort frames go out now or, without a transport, wait in
   * a bounded queue; acked frames are also kept until their Ack and re-sent after a reconnect.
   * Throws SessionError CLOSED or FULL, WireError for a bad frame, TransportError FULL when the transport's buffer is full.
   */
  send(frame: Readonly<SessionFrame>): number {
    if (this.#state === 'closed') throw this.#closedError();
    const ack = frame.ack === true;
    const priority = frame.priority ?? Priority.High;
    const id = frame.requestId === undefined ? this.#nextId++ : Number(frame.requestId);
    // An answer carries the id it answers as given: a peer's id past 2^53 (refused by RPC with an Error) is not exact
    // as a number. Acked frames are this side's own, numbered from its counter.
    const wireId = ack || frame.requestId === undefined ? id : frame.requestId;
    const negotiated = this.#peer?.negotiated.features ?? 0;
    let features = frame.features ?? 0;
    if (ack) features |= Feature.ACK_REQUIRED;
    if (this.#options.checksum && negotiated & Feature.CHECKSUM) features |= Feature.CHECKSUM;
    features |= this.#always;
    // A trace context goes only to a peer that offered TRACE: to anyone else the bit is reserved and the block would
    // read as payload.
    const trace = negotiated & Feature.TRACE ? frame.trace : undefined;
    const maxPayload = this.#peer?.negotiated.maxPayload ?? this.#options.maxPayload;
    const payload = frame.payload ?? (frame.body === undefined ? undefined : pack(frame.body));
    this.#lastSent = HEADER_SIZE + (payload?.length ?? 0);
    // A Critical frame (the Error that says why a peer is dropped) goes now, ahead of frames still being compressed,
    // as Goodbye does: queued behind them it would be lost with the session.
    const critical = priority === Priority.Critical;
    const compress = !critical && frame.compress !== false && (negotiated & Feature.COMPRESSED) !== 0 && (payload?.length ?? 0) >= this.#options.compressThreshold;
    if (!compress && (this.#pendingOut === 0 || critical)) {
      // A literal of one shape, not a spread of the caller's object: the header encoder then sees one hidden class.
      this.#dispatch(encodeFrame({ type: frame.type, features, requestId: wireId, moduleId: frame.moduleId, methodHash: frame.methodHash, payload, trace }, { maxPayload }), priority, ack, id);
      return id;
    }
    // The slow path: this frame (or one before it) is being compressed. Check the bounds now, while the caller can
    // still be told; send in order once the compression is done. A transport with a small frame limit (a ring) is
    // held to it before compression: once the frame is in the async chain, its TOO_LARGE could reach no caller.
    if (payload && payload.length > maxPayload) throw wireError(WireErrorCode.TOO_LARGE, `payload of ${payload.length} bytes exceeds the limit of ${maxPayload}`);
    const frameLimit = this.#transport?.maxFrameBytes;
    if (payload && frameLimit !== undefined && frameSize(payload.length, features) > frameLimit) {
      throw transportError(TransportErrorCode.TOO_LARGE, `a frame with a payload of ${payload.length} bytes exceeds the ${this.#transport!.kind} transport's limit of ${frameLimit} bytes`);
    }
    if (ack && this.unacked + this.#pendingAcked >= this.#options.maxUnacked) throw this.#full('acked frames await acknowledgement', this.unacked + this.#pendingAcked);
    if (this.#pendingOut >= this.#options.maxQueued) throw this.#full('frames wait for compression', this.#pendingOut);
    this.#pendingOut++;
    if (ack) this.#pendingAcked++;
    this.#outChain = this.#outChain
      .then(async () => {
        let body = payload;
        let flags = features;
        if (compress) {
          const deflated = await deflateRaw(payload!);
          if (deflated.length < payload!.length) [body, flags] = [deflated, features | Feature.COMPRESSED];
        }
        if (this.#state !== 'closed') this.#dispatch(encodeFrame({ type: frame.type, features: flags, requestId: wireId, moduleId: frame.moduleId, methodHash: frame.methodHash, payload: body, trace }), priority, ack, id);
      })
      .catch((error: unknown) => this.#emit('error', error instanceof SwarmwireError ? error : sessionError(SessionErrorCode.CLOSED, String(error))))
      .finally(() => {
        this.#pendingOut--;
        if (ack) this.#pendingAcked--;
      });
    return id;
  }

  /**
   * Sends a best-effort frame that is encoded already (a relay's broadcast: the same bytes for every receiver, so it
   * is encoded once, not once per peer) when it can go as it is: the session is open, nothing is being compressed
   * ahead of it, no checksum trailer is owed and `payloadLength` is within the peer's limit. Returns false, having
   * sent nothing, when it cannot: the caller then sends it with send(). The bytes must not change afterwards.
   * Throws what send() throws for a full transport. @internal
   */
  sendEncoded(bytes: Uint8Array, payloadLength: number, priority: Priority = Priority.High): boolean {
    const peer = this.#peer;
    if (this.#state !== 'open' || this.#pendingOut > 0 || this.#always || !peer || payloadLength > peer.negotiated.maxPayload) return false;
    if (this.#options.checksum && peer.negotiated.features & Feature.CHECKSUM) return false;
    this.#transmit(bytes, priority);
    return true;
  }

  #full(what: string, count: number): SessionError {
    return sessionError(SessionErrorCode.FULL, `${count} ${what}`);
  }

  /** Keeps an acked frame for re-sending, queues a best-effort one while disconnected, and transmits if open. */
  #dispatch(bytes: Uint8Array, priority: Priority, ack: boolean, id: number): void {
    const out = { bytes, priority };
    if (ack) {
      if (this.unacked >= this.#options.maxUnacked) throw this.#full('acked frames await acknowledgement', this.unacked);
      if (this.#unackedBytes + bytes.length > this.#options.maxUnackedBytes) {
        throw sessionError(SessionErrorCode.FULL, `${this.#unackedBytes} bytes of acked frames await acknowledgement (maxUnackedBytes ${this.#options.maxUnackedBytes})`);
      }
      (this.#unacked ??= new Map()).set(id, out);
      this.#unackedBytes += bytes.length;
    } else if (this.#state !== 'open') {
      if (this.#queued.length >= this.#options.maxQueued) throw this.#full('frames wait for a connection', this.#queued.length);
      this.#queued = pushed(this.#queued, out);
      return;
    }
    if (this.#state !== 'open') return;
    try {
      this.#transmit(bytes, priority);
    } catch (error) {
      if (ack) this.#forget(id);
      throw error;
    }
  }

  /**
   * Sends a frame that was kept across a reconnect. It was checked against the transport it was sent on, or none:
   * the new one may carry less (a ring carries half a lane, a socket megabytes). Such a frame is dropped with an
   * 'error' event saying which, and the others still go, so one frame cannot keep the session from opening.
   */
  #resend(out: Outgoing, ackedId?: number): void {
    try {
      this.#transmit(out.bytes, out.priority);
    } catch (error) {
      if ((error as { status?: number }).status !== Status.PayloadTooLarge) throw error;
      if (ackedId !== undefined) this.#forget(ackedId);
      const what = ackedId !== undefined ? `acked frame ${ackedId}` : 'a queued frame';
      this.#emit('error', transportError(TransportErrorCode.TOO_LARGE, `${what} of ${out.bytes.length} bytes is dropped: the new ${this.#transport!.kind} transport cannot carry it (${(error as Error).message})`, error));
    }
  }

  /** Drops an acked frame from the re-send store. */
  #forget(id: number): void {
    const out = this.#unacked?.get(id);
    if (!out) return;
    this.#unacked!.delete(id);
    this.#unackedBytes -= out.bytes.length;
  }

  #transmit(bytes: Uint8Array, priority: Priority): void {
    if (this.#batcher) this.#batcher.send(bytes, priority);
    else if (this.#batching && priority !== Priority.Critical && !isHeartbeat(bytes)) (this.#batcher = new Batcher(this.#transport!)).send(bytes, priority);
    else this.#transport!.send(bytes, priority);
  }

  /** Resolves when the session is open and its transport has room; rejects if the session closes first. */
  async ready(): Promise<void> {
    while (this.#state !== 'open') {
      if (this.#state === 'closed') throw this.#closedError();
      await new Promise<void>((resolve, reject) => (this.#waiters = pushed(this.#waiters, { resolve, reject })));
    }
    await this.#transport!.ready();
  }

  /** Measures the round trip with a Ping. Rejects with PING_TIMEOUT after `timeoutMs` (default 5,000). */
  ping(timeoutMs = 5_000): Promise<number> {
    if (this.#state !== 'open') return Promise.reject(this.#state === 'closed' ? this.#closedError() : sessionError(SessionErrorCode.CLOSED, 'the session is not connected'));
    const id = this.#nextId++;
    return new Promise<number>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.#pings?.delete(id);
        reject(sessionError(SessionErrorCode.PING_TIMEOUT, `no Pong within ${timeoutMs} ms`));
      }, timeoutMs);
      (this.#pings ??= new Map()).set(id, { resolve, reject, timer, at: this.clock.now() });
      this.#core.ping(id);
    });
  }

  /** Says Goodbye and closes for good. Unacked frames are dropped. Idempotent. */
  close(code: number = CloseCode.Normal, reason = ''): void {
    if (this.#state === 'closed') return;
    if (this.#transport && this.#state === 'open') {
      try {
        this.#batcher?.flush();
      } catch {
        // a full transport keeps the batch; the Goodbye, Critical, still goes ahead of it
      }
    }
    if (this.#core.state === CoreState.Closed) this.#finish({ code, reason });
    else this.#core.goodbye(code, reason); // Goodbye (when open), the transport's close, the end
  }

  /** Marks the session as waiting for a new transport (a reconnect or a resume). @internal */
  suspend(info: CloseInfo): void {
    if (this.#state === 'closed') return;
    const transport = this.#transport;
    this.#unbind();
    this.#core.suspend();
    transport?.close(info.code, info.reason); // a no-op when it closed itself
    // Only a session that was open: a failed attempt at connecting is the connecting side's to report (a retry).
    if (debug.on && this.#state === 'open') debug.log('disconnect', { peer: this.#peer?.id, code: info.code, reason: info.reason, error: info.error });
    this.#state = 'disconnected';
    this.#emit('disconnect', info);
  }

  // --- internals ---------------------------------------------------------------------------------------------

  #assertUsable(): void {
    if (this.#state === 'closed') throw this.#closedError();
  }

  #closedError(): SessionError {
    const info = this.#closeInfo;
    // Closed for good: trying this session again cannot help, whatever closed it.
    return withVerdict(sessionError(SessionErrorCode.CLOSED, `the session is closed${info ? ` (${info.code}${info.reason ? ` ${info.reason}` : ''})` : ''}`), false);
  }

  #emit<E extends keyof SessionEvents>(event: E, ...args: SessionEvents[E]): void {
    emit(this.#listeners[event] as Listeners<SessionEvents[E]>, this, ...args);
  }

  /** Resolves with the first frame `transport` delivers, within the handshake deadline. */
  #expectFirstFrame(transport: Transport): Promise<Frame> {
    return readHandshakeFrame(transport, this.#options.handshakeTimeoutMs, HANDSHAKE_MAX_PAYLOAD, this.#options.requireChecksum, this.clock);
  }

  #opened(transport: Transport): Promise<void> {
    return new Promise((resolve, reject) => {
      const offOpen = transport.on('open', () => (offOpen(), offClose(), resolve()));
      const offClose = transport.on('close', (info) => (offOpen(), offClose(), reject(info.error ?? sessionError(SessionErrorCode.CLOSED, `transport closed before opening (${info.code})`))));
    });
  }

  /**
   * Listens to the transport: for its close from now on, so a dead link fails fast during the handshake too, and for
   * its messages once the session is open on it (the handshake's go through its inbox). Neither listener is ever
   * removed: each acts only while `transport` is this session's (a transport the session leaves is closed, or done
   * with), so nothing has to be kept to remove them — the functions that would, and their contexts, cost a relay
   * ~0.3 KB per peer (issue 17).
   */
  #bindEarly(transport: Transport): void {
    this.#unbind();
    this.#transport = transport;
    transport.on('close', (info) => this.#onTransportClose(transport, info));
    transport.on('message', (bytes) => {
      if (this.#transport === transport && this.#state === 'open') this.#onMessage(bytes);
    });
  }

  #establish(transport: Transport, hello: Hello): Peer {
    if (transport.state === 'closed' || this.#transport !== transport) {
      // The link died between the handshake's last frame and now (a close in the same tick as the HelloAck, or
      // during an async authorize): opening on it would leave the session 'open' on a dead transport for good.
      if (this.#transport === transport) this.#unbind();
      throw sessionError(SessionErrorCode.CLOSED, 'the transport closed during the handshake');
    }
    const peer: Peer = { hello, negotiated: shared(agree(this.localHello(), hello)), id: idHex(hello.nodeId) };
    const negotiated = peer.negotiated;
    this.#useReplayOf(peer.id, hello.session);
    this.#peer = peer;
    if (debug.on) debug.log('handshake', { peer: peer.id, role: hello.role, transport: transport.kind, resent: this.unacked });
    // Hand over from the inbox to the session in one step, so no message falls between the two.
    const early = takeInbox(transport);
    this.#batching = (negotiated.features & Feature.BATCHING) !== 0;
    this.#core.open(negotiated.maxPayload);
    // Re-send what the peer may have missed, oldest first, then what waited for a connection.
    if (this.#unacked) for (const [id, out] of this.#unacked) this.#resend(out, id);
    const queued = this.#queued;
    this.#queued = NONE;
    for (const out of queued) this.#resend(out);
    this.#state = 'open';
    this.#startHeartbeat();
    const waiters = this.#waiters;
    this.#waiters = NONE;
    for (const w of waiters) w.resolve();
    this.#emit('open', peer);
    for (const bytes of early) this.#onMessage(bytes);
    return peer;
  }

  /**
   * What the session core asks of this session: its transport, its listeners, its re-send store, its pings. One
   * small object per session over methods all sessions share (CORE_HOST): a relay holds a session per peer, and a
   * closure per method cost each of them ~0.5 KB.
   */
  #coreHost(): CoreHost {
    const host = Object.create(CORE_HOST) as CoreHost & { session: Session };
    host.session = this;
    if (this.#options.holdAck) host.holdAck = this.#options.holdAck;
    return host;
  }

  static {
    type Bound = { session: Session };
    CORE_HOST = {
      transmit(this: Bound, bytes, priority) {
        const s = this.session;
        if (s.#transport) s.#transmit(bytes, priority);
      },
      deliver(this: Bound, frame) {
        const s = this.session;
        if (s.#listeners.frame !== NONE) return s.#emit('frame', frame);
        // Nobody listens yet (frames right behind HelloDone, before connect() resolved): keep it (a copy: the payload
        // may be a view into a reused buffer) for the first listener.
        if (s.#unheard.length < s.#options.maxQueued) s.#unheard = pushed(s.#unheard, withPayload(frame, frame.payload.slice()));
        else s.#emit('error', sessionError(SessionErrorCode.FULL, `a frame of type ${frame.type} dropped: ${s.#unheard.length} wait for a 'frame' listener`));
      },
      drop(this: Bound, code, reason) {
        this.session.#transport?.close(code, reason);
      },
      ended(this: Bound, info) {
        this.session.#finish(info);
      },
      suspend(this: Bound, info) {
        this.session.suspend(info);
      },
      acked(this: Bound, id) {
        const s = this.session;
        s.#forget(id);
        if (s.#listeners.acked !== NONE) s.#emit('acked', id);
      },
      pong(this: Bound, id, rtt) {
        const s = this.session;
        const ping = id === 0 ? undefined : s.#pings?.get(id);
        if (id !== 0) {
          if (!ping) return; // a Pong for no ping() of ours
          s.#pings!.delete(id);
          s.clock.clearTimeout(ping.timer);
          rtt = s.clock.now() - ping.at;
        }
        s.#rtt = rtt;
        if (s.#listeners.rtt !== NONE) s.#emit('rtt', rtt);
        ping?.resolve(rtt);
      },
      error(this: Bound, error) {
        this.session.#emit('error', error);
      },
    };
  }

  /**
   * Gives the core the duplicate filter of peer `id` in its session `tag`: the one it had, or a new one for a peer
   * session not seen lately — a new session of a node (a restart with the same identity) counts its request ids from
   * 1 again, and the old filter would drop its first frames as repeats, acked and lost.
   */
  #useReplayOf(id: string, tag: number | undefined): void {
    const current = this.#peer;
    // The first peer's filter is the core's own (made when it is first needed).
    if (current === undefined) return;
    const key = `${id}.${tag}`;
    const was = `${current.id}.${current.hello.session}`;
    if (key === was) return;
    const now = this.#core.replay;
    if (!now) return; // without a filter (dedupe off) there is nothing to choose
    // The map is made only when a second peer session shows up (a node that moved to another relay), so the
    // session of each of a relay's peers carries none.
    const replays = (this.#replays ??= new Map());
    replays.delete(was);
    replays.set(was, now);
    const replay = replays.get(key) ?? new ReplayWindow();
    replays.delete(key);
    while (replays.size >= 4) replays.delete(replays.keys().next().value!); // the four most recent, this one included
    replays.set(key, replay);
    this.#core.useReplay(replay);
  }

  #startHeartbeat(): void {
    const interval = this.#options.heartbeatIntervalMs;
    if (interval <= 0 || this.#heartbeat) return;
    this.#heartbeat = true;
    joinHeartbeats(this.clock, interval, this.#core);
  }

  #stopHeartbeat(): void {
    if (!this.#heartbeat) return;
    this.#heartbeat = false;
    leaveHeartbeats(this.clock, this.#options.heartbeatIntervalMs, this.#core);
  }

  /** One transport message: frames in order, each compressed one inflated first (and every frame behind it waits). */
  #onMessage(bytes: Uint8Array): void {
    const frames = this.#core.decode(bytes);
    if (!frames) return;
    for (const frame of frames) {
      if (this.#state !== 'open') return;
      if (this.#pendingIn > 0 || frame.features & Feature.COMPRESSED) this.#deferFrame(frame);
      else this.#core.handle(frame);
    }
  }

  /** Handles a frame after the ones before it, inflating it first if it is compressed. */
  #deferFrame(frame: Frame): void {
    const copy = withPayload(frame, frame.payload.slice()); // the original may be a view into a reused buffer
    const transport = this.#transport!;
    const limit = this.#peer?.negotiated.maxPayload ?? this.#options.maxPayload;
    this.#pendingIn++;
    this.#inChain = this.#inChain
      .then(async () => {
        let f: Frame = copy;
        if (f.features & Feature.COMPRESSED) {
          const payload = await inflateRaw(f.payload, limit);
          f = withPayload(f, payload, f.features & ~Feature.COMPRESSED, payload.length);
        }
        if (this.#state === 'open' && this.#transport === transport) this.#core.handle(f);
      })
      .catch((error: unknown) => {
        if (this.#transport === transport) this.#core.violation(error as SwarmwireError);
      })
      .finally(() => this.#pendingIn--);
  }

  /** Tells the peer why a handshake step failed (an Error frame), best effort. */
  #tell(transport: Transport, error: SwarmwireError): void {
    try {
      transport.send(encodeFrame({ type: MessageType.Error, body: errorBody(error), features: this.#always }), Priority.Critical);
    } catch {
      // nothing more to tell a transport that cannot take it
    }
  }

  /** The peer broke the protocol during the handshake: the session core's rule (Error, close, end). */
  #violation(error: SwarmwireError): SwarmwireError {
    this.#core.violation(error);
    return error;
  }

  #onTransportClose(transport: Transport, info: CloseInfo): void {
    if (transport !== this.#transport || this.#state === 'closed' || this.#core.state === CoreState.Closed) return;
    this.suspend(info);
  }

  #unbind(): void {
    this.#batcher = undefined;
    this.#transport = undefined;
    this.#stopHeartbeat();
    const pings = this.#pings;
    this.#pings = undefined;
    for (const ping of pings?.values() ?? []) {
      this.clock.clearTimeout(ping.timer);
      ping.reject(sessionError(SessionErrorCode.CLOSED, 'the connection closed before the Pong'));
    }
  }

  /** Ends the session for good. @internal */
  finish(info: CloseInfo): void {
    this.#finish(info);
  }

  #finish(info: CloseInfo): void {
    if (this.#state === 'closed') return;
    this.#unbind();
    this.#state = 'closed';
    this.#closeInfo = info;
    if (debug.on) debug.log('close', { peer: this.#peer?.id, code: info.code, reason: info.reason, error: info.error, unacked: this.unacked });
    this.#unacked = undefined;
    this.#unackedBytes = 0;
    this.#queued = NONE;
    const error = this.#closedError();
    for (const w of this.#waiters) w.reject(error);
    this.#waiters = NONE;
    if (info.error) this.#emit('error', info.error);
    this.#emit('close', info);
  }
}

/**
 * The next frame a transport delivers during the handshake, decoded, within `timeoutMs`. Messages after it stay in
 * the transport's inbox for the session (and frames batched behind it in the same message go back there too).
 * Rejects with HANDSHAKE_TIMEOUT, the transport's close error, or a WireError (after answering it with an Error
 * frame and closing). @internal
 */
export async function readHandshakeFrame(transport: Transport, timeoutMs: number, maxPayload: number, checksum = false, clock: Clock = realClock): Promise<Frame> {
  const inbox = inboxOf(transport);
  const bytes = await inbox.next(transport, timeoutMs, clock);
  try {
    const frame = decodeFrames(bytes, { maxPayload })[0];
    if (!frame) throw wireError(WireErrorCode.TRUNCATED, 'an empty message where a frame was expected');
    // A refusal may come from a peer that does not checksum; anything else must carry one when required.
    if (checksum && frame.type !== MessageType.Error) requireChecksum(frame);
    const size = frameSize(frame.payloadLength, frame.features);
    if (size < bytes.length) inbox.unshift(bytes.subarray(size));
    return frame;
  } catch (error) {
    const e = error as WireError;
    try {
      transport.send(encodeFrame({ type: MessageType.Error, body: { status: e.status, message: e.message } satisfies ErrorBody }), Priority.Critical);
    } catch {
      // closing anyway
    }
    transport.close(closeCodeOf(e), e.code);
    // On a link that can damage bytes this is damage, worth another connection; elsewhere the peer is no swarmwire peer.
    throw checksum ? withVerdict(e, true) : e;
  }
}
