// One swarmwire/lite connection: a WebSocket driving the full SDK's session rules — the InitiatorHandshake (Hello →
// HelloAck → HelloProof → HelloDone, proving this node's key), then the session core (session/core-rules.ts: Ping/Pong,
// Acks, Goodbye, Error bodies, violations, the heartbeat deadline) on lite's lean frames — with Routed envelopes to
// and from other nodes behind a relay, and the RPC calls and exposed modules on top. What is lite's own is I/O: the
// socket, the handshake deadline, the heartbeat's timer, batching. It is the full SDK's Session + RpcConnection cut
// to what a client that calls and serves needs: no reconnects, no resend store, no streams or proxies
// (docs/architecture.md, "Lite").
import { Feature, HANDSHAKE_MAX_PAYLOAD, MAX_PAYLOAD, MessageType, Status } from '../wire/constants.js';
import { SwarmwireError, WireErrorCode, wireError, withVerdict } from '../wire/errors.js';
import { call, operationOf } from '../rpc/dispatch.js';
import { errorPayload, remoteError } from '../rpc/error-codec.js';
import { RpcErrorCode, rpcError } from '../rpc/errors.js';
import { SessionErrorCode, sessionError } from '../session/errors.js';
import { agree, InitiatorHandshake, type LocalHello } from '../session/handshake.js';
import { CoreState, SessionCoreBase } from '../session/core-rules.js';
import { createIdentity, type Identity } from '../session/identity.js';
import { idHex } from '../wire/node-id.js';
// Payloads from the peer are read with the plain-values policy directly (lite's exported unpack() wraps it).
import { unpackPlain } from '../wire/msgpack/plain.js';
import { clipUtf8 } from '../transport/close-reason.js';
import type { CloseInfo } from '../transport/transport.js';
import type { WebSocketConstructor, WebSocketLike } from '../transport/websocket.js';
import type { CallOptions, ServeLimits } from '../rpc/connection.js';
import { type LiteFrame, controlFrame, frameBytes, liteCodec, readFrames } from './frames.js';
import { pack } from './msgpack.js';
import { nodeWebSocket } from './node-websocket.js';

/**
 * Options of lite's connect(). The names and defaults are the full SDK's (SessionOptions, ConnectWebSocketOptions)
 * for what lite does too; the type has its own name because lite takes fewer.
 */
export interface LiteConnectOptions {
  /** The WebSocket class. Default: globalThis.WebSocket (browsers, Deno, Node 22+), else the `ws` package's (Node 20). */
  WebSocket: WebSocketConstructor;
  /** Sent in Hello for the accepting side's authorize hook. Default: none. */
  token: string;
  /** Deadline for the socket to open and the handshake to complete, ms. Default: 10,000. */
  handshakeTimeoutMs: number;
  /** Ping interval, ms; after 3 silent intervals the link is declared dead. 0 turns heartbeats off. Default: 5,000. */
  heartbeatIntervalMs: number;
  /** Largest payload accepted, bytes (announced in Hello; the smaller of both sides' applies). Default: 64 MiB. */
  maxPayload: number;
  /** This node's key pair, which its id is derived from (createIdentity(), or a kept one). Default: a new one. */
  identity: Identity;
  /** The node id the peer must prove (pins a relay). Default: any. */
  expectPeer: Uint8Array;
}

/** The limits of an exposed module that lite applies (the full SDK's ServeLimits has more). */
export type LiteServeLimits = Pick<ServeLimits, 'maxArgBytes' | 'maxConcurrent'>;

/** Where a frame goes or came from: the peer itself, or a node behind it (by id, in Routed envelopes). */
interface Route {
  to: Uint8Array | undefined;
  /** `to` as 32 hex digits; '' for the peer itself. */
  key: string;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  route: Route;
  frame: LiteFrame;
  done: () => void;
}

interface Module {
  target: object;
  limits: LiteServeLimits;
  table: Map<number, string> | undefined;
}

const DIRECT: Route = { to: undefined, key: '' };
const EMPTY = /* @__PURE__ */ new Uint8Array(0);
/** Answers kept track of, to refuse a repeated request id rather than run the call twice. */
const SEEN_MAX = 4096;

/** @internal The key of a module id given as u32 halves. */
export const moduleKey = (hi: number, lo: number): string => `${hi}:${lo}`;

/**
 * Opens a WebSocket to `url` and runs the swarmwire handshake on it; resolves once the peer (a relay, or any
 * swarmwire WebSocket server) has answered. Rejects with SessionError SW_ERR_HANDSHAKE_TIMEOUT past `handshakeTimeoutMs`,
 * SW_ERR_HANDSHAKE_REJECTED when the peer refuses (status Unauthorized, UnsupportedVersion, …), SW_ERR_PROTOCOL for
 * an answer that is not a HelloAck, SW_ERR_SESSION_CLOSED when the socket closes first.
 * Options: WebSocket (the global), token (none), handshakeTimeoutMs (10,000), heartbeatIntervalMs (5,000), maxPayload (64 MiB), identity (a new one), expectPeer (any). A relay that cannot be reached rejects it with
 * SW_ERR_CONNECT_FAILED, its cause (ECONNREFUSED…) kept where the runtime says it.
 */
export async function connect(url: string, options: Readonly<Partial<LiteConnectOptions>> = {}): Promise<LiteConnection> {
  let WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!WS) {
    try {
      WS = await nodeWebSocket();
    } catch (cause) {
      throw new SwarmwireError('SW_ERR_CONNECT_FAILED', Status.ExecutionError, 'no WebSocket class: pass options.WebSocket or install `ws`', { cause });
    }
  }
  const identity = options.identity ?? await createIdentity();
  return new Promise((resolve, reject) => void new LiteConnection(new WS(url), url, identity, options, resolve, reject));
}

/** A connection made by connect(). wrap() and expose() run on it. */
export class LiteConnection {
  /** This node's id, 32 hex digits (what nodes behind a relay call it by). */
  readonly id: string;
  /** The peer's node id once connected, 32 hex digits. */
  peer = '';
  /** Resolves when the connection has ended (close(), the peer, a protocol error or a lost heartbeat). */
  readonly closed: Promise<CloseInfo>;
  readonly #ws: WebSocketLike;
  readonly #url: string;
  /** The session's rules (control frames, heartbeat deadline, Goodbye, violations): the full SDK's core, on lite's frames. */
  readonly #core: SessionCoreBase<LiteFrame>;
  #end: CloseInfo | undefined;
  #onEnd!: (info: CloseInfo) => void;
  #features = 0;
  /** The payload limit: the handshake's until the peer's HelloAck, then the agreed one. */
  readonly #limit = { maxPayload: HANDSHAKE_MAX_PAYLOAD };
  #next = 1;
  #timer: ReturnType<typeof setInterval> | undefined;
  #connecting: ((error?: Error) => void) | undefined;
  /** Whether the socket opened; what broke it before it did (the runtime's error, if it gave one). */
  #socketOpened = false;
  #failure: unknown;
  #batch: Uint8Array[] = [];
  #batchBytes = 0;
  /** @internal */
  readonly pending = new Map<number, Pending>();
  /** @internal module key → module */
  readonly modules = new Map<string, Module>();
  /** Calls being served, by route key and request id: the function that answers them early (a Cancel). */
  readonly #running = new Map<string, () => void>();
  /** Calls served, by route key and request id, oldest first (SEEN_MAX of them). */
  readonly #seen = new Set<string>();

  /** @internal Use connect(). */
  constructor(ws: WebSocketLike, url: string, identity: Identity, options: Readonly<Partial<LiteConnectOptions>>, resolve: (c: LiteConnection) => void, reject: (e: Error) => void) {
    this.#ws = ws;
    this.#url = url;
    this.id = identity.idHex;
    this.closed = new Promise((r) => (this.#onEnd = r));
    const every = options.heartbeatIntervalMs ?? 5_000;
    const core = (this.#core = new SessionCoreBase(liteCodec, {
      transmit: (bytes) => this.#raw(bytes),
      deliver: (frame) => this.#onFrame(frame, DIRECT),
      // The core drops the link and stays alive (for a resume) only when heartbeats go unanswered: lite has no
      // resume, so that is the end. Every other drop ends the session, which ended() reports.
      drop: (code, reason) => {
        if (core.state !== CoreState.Closed) this.#finish({ code, reason, error: sessionError(SessionErrorCode.PING_TIMEOUT, `nothing heard for ${3 * every} ms`) });
      },
      ended: (info) => this.#finish(info),
    }, HANDSHAKE_MAX_PAYLOAD));
    ws.binaryType = 'arraybuffer';
    const ms = options.handshakeTimeoutMs ?? 10_000;
    const deadline = setTimeout(() => this.#finish({ code: 1008, reason: 'handshake timeout', error: sessionError(SessionErrorCode.HANDSHAKE_TIMEOUT, `no handshake within ${ms} ms`) }), ms);
    // Until HelloDone, the end of the connection rejects connect(); after it, it goes to `closed` and the calls.
    this.#connecting = (error) => {
      this.#connecting = undefined;
      clearTimeout(deadline);
      if (error) reject(error);
      else resolve(this);
    };
    // Every connection is a new session (lite never resumes): a session tag of its own tells a relay that still holds
    // this node's last one that the request ids count from 1 again.
    const local: LocalHello = {
      role: 'edge', capabilities: [], features: Feature.BATCHING, maxPayload: Math.min(options.maxPayload ?? MAX_PAYLOAD, MAX_PAYLOAD), metadata: {}, token: options.token,
      session: (Math.random() * 2 ** 32) >>> 0,
    };
    const handshake = new InitiatorHandshake(identity, local, options.expectPeer);
    // Handshake frames are handled one after another: checking the peer's proof and signing ours take a moment.
    // Frames right behind HelloDone (the same message, or the next one while it is handled) queue behind it, in
    // order, rather than being lost to the handshake.
    let steps = Promise.resolve();
    let queued = 0;
    ws.addEventListener('open', () => {
      this.#socketOpened = true;
      this.#raw(controlFrame(MessageType.Hello, 0, handshake.hello()));
    });
    // The reason a socket never opened (ECONNREFUSED, a DNS failure) comes in an error event (Node's `ws` keeps it as
    // `error`); listening also keeps `ws` from throwing it as an unhandled 'error' event.
    // An error before the socket opened is the connection failing: end it now. WHATWG sends a close after it, but Node
    // 22's built-in WebSocket sends none after a refused connect, which left the handshake deadline to say it 10 s on.
    ws.addEventListener('error', (e) => {
      this.#failure ??= (e as Event & { error?: unknown }).error ?? e;
      if (!this.#socketOpened) this.#finish({ code: 1006, reason: '' });
    });
    // Receivers map 4001–4015 back to 1001–1015 (WebSocket clients may not send most 1xxx codes).
    ws.addEventListener('close', (e) => this.#finish({ code: e.code > 4000 && e.code < 4016 ? e.code - 3000 : e.code, reason: e.reason }));
    ws.addEventListener('message', (e) => {
      if (this.#end) return;
      if (!(e.data instanceof ArrayBuffer)) return core.violation(wireError(WireErrorCode.BAD_PAYLOAD, 'a text message where frames were expected'), 1003);
      // Handshake payloads are limited to 64 KiB whatever maxPayload says (nothing is negotiated yet): the core's
      // limit until open().
      for (const frame of core.decode(new Uint8Array(e.data)) ?? []) {
        if (this.#connecting || queued) {
          queued++;
          steps = steps.then(() => (queued--, this.#connecting ? this.#handshake(handshake, local, every, frame) : void core.handleUncompressed(frame)));
        } else core.handleUncompressed(frame);
      }
    });
  }

  /**
   * One handshake frame: the HelloAck (checked and answered with HelloProof), then HelloDone (open). A refusal ends
   * the connection with 1008; a peer that cannot prove its id is a violation closed with 1008; anything else the peer
   * sent is a violation.
   */
  async #handshake(handshake: InitiatorHandshake, local: LocalHello, every: number, frame: LiteFrame): Promise<void> {
    if (this.#end) return;
    try {
      if (handshake.state === 'awaiting-ack') {
        const { proof } = await handshake.reply(frame.type, frame.payload);
        this.#raw(controlFrame(MessageType.HelloProof, 0, proof));
        return;
      }
      const peer = handshake.done(frame.type, frame.payload);
      const agreed = agree(local, peer);
      this.peer = idHex(peer.nodeId);
      this.#features = agreed.features & Feature.BATCHING;
      this.#core.open((this.#limit.maxPayload = agreed.maxPayload));
    } catch (error) {
      const e = error instanceof SwarmwireError ? error : sessionError(SessionErrorCode.PROTOCOL, String(error));
      if (e.code === SessionErrorCode.REJECTED) return this.#finish({ code: 1008, reason: e.code, error: e });
      return this.#core.violation(e, e.code === SessionErrorCode.IDENTITY || e.code === SessionErrorCode.UNSUPPORTED_KEY ? 1008 : undefined);
    }
    if (every > 0) {
      // The driver's part of heartbeats: a tick every interval. The core counts the silent ones and pings.
      this.#timer = setInterval(() => this.#core.tick(0), every);
      (this.#timer as { unref?: () => void }).unref?.();
    }
    this.#connecting?.(); // (gone if the deadline or a close ended the connection while the proof was checked)
  }

  /** An application frame from the peer (the core took the session's own), or (unwrapped) from node `from.key` behind it. */
  #onFrame(f: LiteFrame, from: Route): void {
    switch (f.type) {
      case MessageType.Routed:
        if (from === DIRECT) this.#onRouted(f);
        return;
      case MessageType.Request:
        return this.#serve(f, from);
      case MessageType.Cancel:
        return this.#running.get(`${from.key}#${f.requestId}`)?.();
      case MessageType.Response:
      case MessageType.Error:
      case MessageType.StreamHandle:
        return this.#onReply(f, from);
    }
    // Anything else (broadcasts, discovery, load reports, stream frames) is for the full SDK: ignored here.
  }

  /** A Routed envelope: the frame inside comes from node `from`. Envelopes that do not parse are dropped. */
  #onRouted(f: LiteFrame): void {
    let inner: LiteFrame | undefined;
    let from: Uint8Array | undefined;
    try {
      const body = unpackPlain(f.payload) as { from?: unknown; frame?: unknown };
      if (body.from instanceof Uint8Array && body.from.length === 16 && body.frame instanceof Uint8Array) {
        from = body.from;
        [inner] = readFrames(body.frame, this.#limit);
      }
    } catch {
      // a damaged envelope from a relay: nothing to answer it with, and the link itself is fine
    }
    if (inner && from) this.#onFrame(inner, { to: from, key: idHex(from) });
  }

  #onReply(f: LiteFrame, from: Route): void {
    const p = this.pending.get(f.requestId);
    // Only the node called answers (a relay may report a routed call's failure itself).
    if (!p || (p.route.key !== from.key && !(from === DIRECT && f.type === MessageType.Error))) return;
    p.done();
    try {
      if (f.type === MessageType.Response) return p.resolve(f.payload.length ? unpackPlain(f.payload) : undefined);
      if (f.type === MessageType.Error) return p.reject(remoteError(unpackPlain(f.payload, true)));
      const stream = (unpackPlain(f.payload) as { stream?: unknown }).stream;
      // Tell the producer to stop, so it does not wait on credit that will never come.
      if (typeof stream === 'number') this.#sendFrame(p.route, this.#frame(MessageType.StreamCancel, 0, Math.floor(stream / 0x100000000), stream >>> 0, 0, pack('no streams in lite')));
      p.reject(rpcError(RpcErrorCode.PROTOCOL, 'a stream result: swarmwire/lite reads none (the full SDK does)'));
    } catch (error) {
      p.reject(error);
    }
  }

  // --- serving --------------------------------------------------------------------------------------------

  #serve(f: LiteFrame, from: Route): void {
    const key = `${from.key}#${f.requestId}`;
    let answered = false;
    // Answers name the request as it came (id, module, method), with no features of its own.
    const answer = (type: number, payload: Uint8Array): void => {
      if (answered || this.#end) return;
      answered = true;
      this.#running.delete(key);
      try {
        this.#sendFrame(from, { ...f, type, payload, features: 0 });
      } catch (error) {
        // A result the link cannot carry (too large): the caller hears why now, not at its deadline.
        if (type !== MessageType.Error) this.#sendFrame(from, { ...f, type: MessageType.Error, payload: errorPayload(error, false, pack), features: 0 });
      }
    };
    const fail = (error: unknown): void => answer(MessageType.Error, errorPayload(error, false, pack));
    if (this.#seen.has(key)) {
      // A repeat (the caller re-sent after a reconnect): never run twice; lite keeps no answers to send again.
      if (!this.#running.has(key)) fail(rpcError(RpcErrorCode.GONE, `request ${f.requestId} was already handled (swarmwire/lite keeps no answers)`));
      return;
    }
    this.#seen.add(key);
    if (this.#seen.size > SEEN_MAX) this.#seen.delete(this.#seen.values().next().value!);
    this.#running.set(key, () => fail(rpcError(RpcErrorCode.CANCELLED, 'cancelled by the caller')));
    let result: unknown;
    try {
      result = this.#perform(f);
    } catch (error) {
      return fail(error);
    }
    const ok = (value: unknown): void => {
      try {
        answer(MessageType.Response, value === undefined ? EMPTY : pack(value));
      } catch (error) {
        fail(error);
      }
    };
    if (typeof (result as PromiseLike<unknown>)?.then === 'function') (result as PromiseLike<unknown>).then(ok, fail);
    else ok(result);
  }

  /** Runs what a Request asks: a method by method_hash (args array), or get / apply on a path (the extended form). */
  #perform(f: LiteFrame): unknown {
    const module = this.modules.get(moduleKey(f.moduleHi, f.moduleLo));
    const hexId = (f.moduleHi * 0x100000000 + f.moduleLo).toString(16);
    if (!module) throw rpcError(RpcErrorCode.MODULE_NOT_FOUND, `no module 0x${hexId} is exposed here`);
    const { limits } = module;
    if (this.#running.size > limits.maxConcurrent) throw rpcError(RpcErrorCode.BUSY, `${this.#running.size - 1} calls running (limit ${limits.maxConcurrent})`);
    if (f.payload.length > limits.maxArgBytes) throw rpcError(RpcErrorCode.BAD_ARGS, `arguments of ${f.payload.length} bytes (limit ${limits.maxArgBytes})`);
    let body: unknown;
    try {
      body = f.payload.length ? unpackPlain(f.payload) : [];
    } catch (error) {
      throw rpcError(RpcErrorCode.BAD_ARGS, (error as Error).message, error);
    }
    // The full SDK's dispatcher: the same method_hash table, reachability rules, arity and errors.
    return call(module, operationOf(module, f.methodHash, body), undefined, 'swarmwire/lite');
  }

  // --- calling --------------------------------------------------------------------------------------------

  /** @internal Sends a Request to module (hi, lo) on `route` and resolves with its answer. */
  call(route: Route, hi: number, lo: number, hash: number, body: unknown, options: Readonly<CallOptions>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const { signal, timeoutMs } = options;
      if (this.#end) return reject(this.#closedError());
      if (signal?.aborted) return reject(cancelled(signal));
      const id = this.#next++;
      const frame = this.#frame(MessageType.Request, id, hi, lo, hash, pack(body));
      const onAbort = (): void => this.#settle(id, cancelled(signal!), 'aborted');
      const timer = setTimeout(() => this.#settle(id, rpcError(RpcErrorCode.TIMEOUT, `no answer within ${timeoutMs} ms`), 'deadline exceeded'), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => {
        this.pending.delete(id);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, { resolve, reject, route, frame, done });
      try {
        this.#sendFrame(route, frame);
      } catch (error) {
        done();
        reject(error);
      }
    });
  }

  /** Ends a pending call with `error` and tells the callee to stop (Cancel, with the reason). */
  #settle(id: number, error: Error, reason: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    p.done();
    p.reject(error);
    this.#sendFrame(p.route, { ...p.frame, type: MessageType.Cancel, payload: pack(reason) });
  }

  // --- frames out -----------------------------------------------------------------------------------------

  #frame(type: number, id: number, hi: number, lo: number, hash: number, payload: Uint8Array): LiteFrame {
    return { type, requestId: id, moduleHi: hi, moduleLo: lo, methodHash: hash, payload, features: 0 };
  }

  /** Sends a frame to the peer, or in a Routed envelope (with the same request id) to the node behind it. */
  #sendFrame(route: Route, f: LiteFrame): void {
    const { maxPayload } = this.#limit;
    if (f.payload.length > maxPayload) throw wireError(WireErrorCode.TOO_LARGE, `payload of ${f.payload.length} bytes exceeds the limit of ${maxPayload}`);
    // The envelope carries the inner frame's id, so an Error a relay sends about the envelope names the call.
    this.#raw(route.to ? controlFrame(MessageType.Routed, f.requestId, pack({ to: route.to, ttl: 16, hops: 0, frame: frameBytes(f) })) : frameBytes(f));
  }

  /**
   * Sends a frame. With BATCHING negotiated, small frames sent in one task leave as one WebSocket message at its
   * end (as the full SDK's Batcher does: frames over 8 KiB alone, batches up to 64 KiB), in order.
   */
  #raw(bytes: Uint8Array): void {
    if (this.#end || this.#ws.readyState !== 1) return;
    const batching = this.#features & Feature.BATCHING;
    if (!batching || bytes.length > 8192 || this.#batchBytes + bytes.length > 65536) this.#flush();
    if (!batching || bytes.length > 8192) return this.#ws.send(bytes);
    if (this.#batch.push(bytes) === 1) queueMicrotask(() => this.#flush());
    this.#batchBytes += bytes.length;
  }

  #flush(): void {
    const parts = this.#batch;
    if (!parts.length) return;
    const message = new Uint8Array(this.#batchBytes);
    this.#batch = [];
    this.#batchBytes = 0;
    let at = 0;
    for (const p of parts) message.set(p, (at += p.length) - p.length);
    if (!this.#end && this.#ws.readyState === 1) this.#ws.send(message);
  }

  // --- closing --------------------------------------------------------------------------------------------

  /**
   * Says Goodbye and closes the socket; every pending call rejects with RpcError SW_ERR_RPC_CLOSED. Idempotent.
   * `code` defaults to 1000; codes a browser may not send (1001–2999) go out as 4000 + (code − 1000).
   */
  close(code = 1000, reason = ''): void {
    this.#core.goodbye(code, reason); // Goodbye when open; then drop() and ended(): #finish
  }

  #finish(info: CloseInfo): void {
    if (this.#end) return;
    this.#flush(); // a Goodbye or an Error frame queued just before goes out ahead of the close
    this.#end = info;
    this.#core.suspend(); // the socket or a deadline ended it: the core takes nothing more (a no-op once closed)
    clearInterval(this.#timer);
    try {
      this.#ws.close(info.code === 1000 || info.code >= 3000 ? info.code : 4000 + info.code - 1000, clipUtf8(info.reason, 123));
    } catch {
      // already closing
    }
    this.#connecting?.(info.error ?? (this.#socketOpened
      ? sessionError(SessionErrorCode.CLOSED, `the socket closed before the handshake completed (${info.code}${info.reason ? ` ${info.reason}` : ''})`)
      : connectFailed(this.#url, this.#failure, info.code)));
    const error = this.#closedError();
    for (const p of [...this.pending.values()]) {
      p.done();
      p.reject(error);
    }
    this.#running.clear();
    this.#onEnd(info);
  }

  #closedError(): Error {
    const { code, reason, error } = this.#end!;
    return rpcError(RpcErrorCode.CLOSED, `the connection closed (${code}${reason ? ` ${reason}` : ''})`, error);
  }
}

/**
 * Why a socket never opened: the runtime's own words where it gave them (`ws` on Node 20: ECONNREFUSED, a name that
 * does not resolve, an HTTP status). Browsers and Node 22+'s WebSocket say nothing (an empty TypeError at most).
 */
function connectFailed(url: string, cause: unknown, code: number): SwarmwireError {
  const why = (cause as Error)?.message || `closed with ${code} before it opened (no server there, a wrong path, or a refused origin: this runtime gives no reason)`;
  // The full SDK's code (TransportErrorCode.CONNECT_FAILED) on the base class: lite leaves the transport layer out.
  // Its verdict too (transport/connect-failure.ts): an HTTP client error answers every try the same, but 408 and 429.
  const http = /response:? (4\d\d)/.exec(why)?.[1];
  return withVerdict(new SwarmwireError('SW_ERR_CONNECT_FAILED', Status.ExecutionError, `cannot reach ${url}: ${why}`, { cause }), http && http !== '408' && http !== '429' ? false : undefined);
}

function cancelled(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason);
  return rpcError(RpcErrorCode.CANCELLED, `the call was cancelled${why ? `: ${why}` : ''}`, reason);
}
