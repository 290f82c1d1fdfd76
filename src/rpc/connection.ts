// One RPC connection per channel, shared by expose() and wrap(): callbacks make every link two-way, so each side
// both serves Requests (its modules, and the refs it handed out) and makes calls. It owns the pending calls and
// their deadlines, the calls being served (with the request-id dedupe that keeps a callee from running a call
// twice), the refs, and both directions of streams.
import { MessageType } from '../wire/constants.js';
import type { Frame } from '../wire/frame.js';
import { SwarmwireError } from '../wire/errors.js';
import type { SessionFrame } from '../session/session.js';
import { ReplayWindow, isRequestId } from '../session/replay-window.js';
import { type RpcChannel, type RpcLink, linkOf } from './channel.js';
import { MAX_BIGINT_DIGITS } from '../wire/msgpack/bigint.js';
import { type CodecHost, decodeValue, encodeValue, isStreamSource } from './codec.js';
import { type CallContext, withCall } from './context.js';
import { Deadlines } from './deadlines.js';
import { errorPayload, remoteError } from './error-codec.js';
import { RpcError, RpcErrorCode, rpcError } from './errors.js';
import { detachTransferred, finalizer } from './markers.js';
import { type Module, operationOf, perform } from './dispatch.js';
import { Op, type StreamHandleBody, StreamKind } from './messages.js';
import { createRemote } from './remote.js';
import { type CallNames, withNames } from './not-found.js';
import { type SpanHandle, tracer } from './tracing.js';
import { createDebug } from '../core/debug.js';

const debug = /* @__PURE__ */ createDebug('swarmwire:rpc');
import { StreamConsumer, StreamProducer, kindOf, streamClosedError, toReadableStream } from './streams.js';

/** Limits and habits of an exposed module. */
export interface ServeLimits {
  /** Deepest nesting of arguments accepted, arrays and maps inside Map, Set and Error values included. Default: 64. */
  maxDepth: number;
  /** Most decimal digits of a bigint argument (parsing costs more than linear time in the digits). Default: 2,048. */
  maxBigIntDigits: number;
  /** Largest argument payload accepted, bytes. Default: 16 MiB. */
  maxArgBytes: number;
  /** Send error stacks to the caller. Default: false (stacks show file paths). */
  stacks: boolean;
  /**
   * Calls running at once on the connection, at most; more are answered with SW_ERR_RPC_BUSY (QuotaExceeded), so a
   * peer cannot pile up unbounded work. Default: 10,000.
   */
  maxConcurrent: number;
  /**
   * Which properties callers may write (`remote.x = v`, the extended form's set): true for any, or a list of dotted
   * paths ('count', 'config.level'). Even then a write reaches only an own data property that holds no function, or
   * a setter; it never replaces a method, never stores a function, never creates a property and never reaches a
   * prototype. Anything else is SW_ERR_RPC_READ_ONLY. Default: false (no writes).
   */
  writable: boolean | readonly string[];
}

/** Per-call options: a deadline and a cancel signal. */
export interface CallOptions {
  /** Deadline of each call, ms, from the call to its answer (connecting time included). Default: 30,000. */
  timeoutMs: number;
  /** Aborting it cancels the call: a Cancel frame goes out and the call rejects with SW_ERR_RPC_CANCELLED. Default: none. */
  signal?: AbortSignal | undefined;
}

export const DEFAULT_SERVE_LIMITS: Readonly<ServeLimits> = { maxDepth: 64, maxBigIntDigits: MAX_BIGINT_DIGITS, maxArgBytes: 16 * 1024 * 1024, stacks: false, maxConcurrent: 10_000, writable: false };
export const DEFAULT_TIMEOUT_MS = 30_000;
/** method_hash of the empty name: calls a proxied function itself. */
export { SELF_HASH } from './dispatch.js';
/** Refs (proxy()) are served as modules with ids from here up, far from typical FNV-1a 64 values of names. */
const REF_BASE = 0x5357_0000_0000_0000n;
/** Answers kept for repeated requests (a reconnect), at most this many and this many bytes. */
const REPLY_CACHE_COUNT = 4096;
const REPLY_CACHE_BYTES = 4 * 1024 * 1024;
const EMPTY = /* @__PURE__ */ new Uint8Array(0);
/**
 * Streams the peer sends before their StreamHandle (possible after a reconnect) wait for it; at most this many, so
 * a peer cannot make this side keep buffers for streams nobody will read.
 */
const MAX_UNCLAIMED_STREAMS = 256;

interface Reply {
  type: MessageType;
  payload: Uint8Array;
}

interface Served {
  id: number;
  moduleId: bigint;
  methodHash: number;
  /** Made when first needed (an AbortController costs more than a whole small call). */
  controller: AbortController | undefined;
  /** The served module's limits (undefined: no such module); refs its answer hands out are served with them. */
  limits: ServeLimits | undefined;
  stacks: boolean;
  reply: Reply | undefined;
  producer: number | undefined;
  /** The server span while tracing is on. */
  span: SpanHandle | undefined;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  frame: SessionFrame;
  timeoutMs: number;
  off: (() => void) | undefined;
  resend: boolean;
  /** What the caller calls the module and method, for errors that would otherwise show hashes. */
  names: CallNames | undefined;
  /** The client span while tracing is on (resolve and reject end it). */
  span: SpanHandle | undefined;
}

const connections = new WeakMap<object, Connection>();

/** The connection of a channel, made on first use. @internal */
export function connectionOf(channel: RpcChannel): Connection {
  let c = connections.get(channel);
  if (!c || c.closed) {
    c = new Connection(linkOf(channel));
    connections.set(channel, c);
  }
  return c;
}

const hex = (n: bigint): string => n.toString(16).padStart(16, '0');

/** @internal */
export class Connection implements CodecHost {
  readonly link: RpcLink;
  stacks = false;
  #closed: SwarmwireError | undefined;
  readonly #modules = new Map<bigint, Module>();
  /** Module names known to this side (exposed or wrapped by name), for spans: the wire carries only their hashes. */
  readonly #names = new Map<bigint, string>();
  readonly #seen = new ReplayWindow();
  readonly #served = new Map<number, Served>();
  /** Served calls without an answer yet. */
  #running = 0;
  /** Ids of answered calls, oldest first, in a ring of REPLY_CACHE_COUNT (no array shifting per call). */
  readonly #doneOrder = new Float64Array(REPLY_CACHE_COUNT);
  #doneHead = 0;
  #doneCount = 0;
  #cacheBytes = 0;
  readonly #pending = new Map<number, Pending>();
  readonly #deadlines: Deadlines;
  #nextRef = 1;
  readonly #refIds = new WeakMap<object, number>();
  /** While an answer is encoded: the limits of the module answering, for the refs it hands out. */
  #refLimits: ServeLimits | undefined;
  #nextStream = 1;
  readonly #producers = new Map<number, { producer: StreamProducer; served: Served | undefined }>();
  readonly #consumers = new Map<number, { consumer: StreamConsumer; imported: boolean }>();
  readonly #off: Array<() => void>;

  constructor(link: RpcLink) {
    this.link = link;
    this.#deadlines = new Deadlines((id) => this.#expire(id), (id) => this.#pending.has(id), () => this.#pending.size, link.clock);
    this.#off = [
      link.onFrame((frame) => this.#onFrame(frame)),
      link.onDisconnect(() => {
        for (const p of this.#pending.values()) p.resend = true;
      }),
      link.onOpen(() => {
        // Answers lost in flight on the old connection: ask again. The callee answers repeats from its cache.
        for (const p of this.#pending.values()) {
          if (!p.resend) continue;
          p.resend = false;
          p.span?.event('retry', { 'swarmwire.reason': 'reconnect' });
          this.#transmit(p);
        }
      }),
      link.onClose((info) => this.close(rpcError(RpcErrorCode.CLOSED, `the connection closed (${info.code}${info.reason ? ` ${info.reason}` : ''})`, info.error))),
    ];
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  // --- serving --------------------------------------------------------------------------------------------

  /** Remembers the name of a module, for the spans of calls to and from it. */
  name(moduleId: bigint, name: string | undefined): void {
    if (name !== undefined) this.#names.set(moduleId, name);
  }

  expose(moduleId: bigint, target: object, limits: ServeLimits): () => void {
    const module: Module = { target, limits, table: undefined, ref: false };
    this.#modules.set(moduleId, module);
    return () => {
      if (this.#modules.get(moduleId) === module) this.#modules.delete(moduleId);
    };
  }

  #onFrame(frame: Frame): void {
    switch (frame.type) {
      case MessageType.Request:
        return this.#onRequest(frame);
      case MessageType.Response:
      case MessageType.Error:
      case MessageType.StreamHandle:
        return this.#onReply(frame);
      case MessageType.Cancel:
        return this.#onCancel(frame);
      case MessageType.StreamData:
      case MessageType.StreamEnd:
        return this.#onStreamFromPeer(frame);
      case MessageType.StreamCredit:
      case MessageType.StreamCancel:
        return this.#onStreamToPeer(frame);
    }
  }

  #onRequest(frame: Frame): void {
    const id = Number(frame.requestId);
    // Calls are told apart by their id as a number (the duplicate filter, the table of calls served): past 2^53 two
    // ids are one number, and the filter could not count past it.
    if (!isRequestId(id)) return this.#badId(frame);
    if (!this.#seen.accept(id)) return this.#repeat(id, frame);
    const module = this.#modules.get(frame.moduleId);
    const served: Served = {
      id, moduleId: frame.moduleId, methodHash: frame.methodHash, controller: undefined,
      limits: module?.limits, stacks: module?.limits.stacks ?? false, reply: undefined, producer: undefined, span: undefined,
    };
    this.#served.set(id, served);
    this.#running++;
    let result: unknown;
    try {
      if (!module) throw rpcError(RpcErrorCode.MODULE_NOT_FOUND, `no module 0x${hex(frame.moduleId)} is exposed here`);
      if (this.#running > module.limits.maxConcurrent) throw rpcError(RpcErrorCode.BUSY, `${this.#running - 1} calls are already running (the limit is ${module.limits.maxConcurrent})`);
      if (frame.payload.length > module.limits.maxArgBytes) throw rpcError(RpcErrorCode.BAD_ARGS, `arguments of ${frame.payload.length} bytes exceed the limit of ${module.limits.maxArgBytes}`);
      const body = frame.payload.length === 0 ? [] : decodeValue(this, frame.payload, module.limits);
      const op = operationOf(module, frame.methodHash, body);
      if (op.op === Op.Release) {
        // A ref is forgotten; a module stays exposed for other proxies. Either way the caller let go of its proxy.
        if (module.ref) this.#modules.delete(served.moduleId);
        const finalize = (module.target as { [finalizer]?: unknown })[finalizer];
        if (typeof finalize === 'function') result = withCall(contextOf(served, ''), () => Reflect.apply(finalize, module.target, []));
      } else if (tracer) {
        const span = (served.span = tracer.server({ service: this.#names.get(served.moduleId), method: op.path.join('.'), requestId: id }, frame.trace));
        result = span.run(() => perform(module, op, (method) => contextOf(served, method), served.moduleId));
      } else {
        result = perform(module, op, (method) => contextOf(served, method), served.moduleId);
      }
    } catch (error) {
      // What the RPC layer refused (no such module or method, too busy, bad arguments); a thrown result is no news.
      if (debug.on && error instanceof RpcError) debug.log('refused', { id, module: hex(frame.moduleId), method: frame.methodHash, error }, frame.trace?.traceId);
      return this.#fail(served, error);
    }
    if (typeof (result as PromiseLike<unknown>)?.then === 'function') {
      (result as PromiseLike<unknown>).then((v) => this.#succeed(served, v), (e: unknown) => this.#fail(served, e));
    } else {
      this.#succeed(served, result);
    }
  }

  #succeed(served: Served, value: unknown): void {
    if (served.reply || this.#closed) return;
    let reply: Reply;
    try {
      this.stacks = served.stacks;
      if (isStreamSource(value)) {
        const [stream, kind] = this.#exportStream(value, served);
        reply = { type: MessageType.StreamHandle, payload: encodeValue(this, { stream, kind } satisfies StreamHandleBody) };
      } else if (value === undefined) {
        reply = { type: MessageType.Response, payload: EMPTY };
      } else {
        // Refs in the answer (proxy() results, `new`) are served as the module that handed them out is.
        this.#refLimits = served.limits;
        try {
          reply = { type: MessageType.Response, payload: encodeValue(this, value) };
        } finally {
          this.#refLimits = undefined;
        }
      }
      detachTransferred([value]);
    } catch (error) {
      return this.#fail(served, error);
    }
    this.#answer(served, reply);
  }

  #fail(served: Served, error: unknown): void {
    if (served.reply || this.#closed) return;
    served.span?.end(error);
    served.span = undefined;
    this.#answer(served, { type: MessageType.Error, payload: this.#errorPayload(error, served.stacks) });
  }

  /** An Error frame's payload (error-codec.ts), nested errors written with or without their stacks as `stacks` says. */
  #errorPayload(error: unknown, stacks: boolean): Uint8Array {
    this.stacks = stacks;
    return errorPayload(error, stacks, (body) => encodeValue(this, body));
  }

  #answer(served: Served, reply: Reply): void {
    served.span?.end();
    served.span = undefined;
    served.reply = reply;
    this.#running--;
    this.#sendReply(served, reply);
    this.#cacheBytes += reply.payload.length;
    while (this.#doneCount === REPLY_CACHE_COUNT || (this.#cacheBytes > REPLY_CACHE_BYTES && this.#doneCount > 0)) {
      const old = this.#served.get(this.#doneOrder[this.#doneHead]!);
      this.#doneHead = (this.#doneHead + 1) % REPLY_CACHE_COUNT;
      this.#doneCount--;
      if (!old) continue;
      this.#served.delete(old.id);
      this.#cacheBytes -= old.reply?.payload.length ?? 0;
    }
    this.#doneOrder[(this.#doneHead + this.#doneCount++) % REPLY_CACHE_COUNT] = served.id;
  }

  #sendReply(served: Served, reply: Reply): void {
    const frame: SessionFrame = { type: reply.type, requestId: served.id, moduleId: served.moduleId, methodHash: served.methodHash, payload: reply.payload };
    try {
      this.link.send(frame);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'SW_ERR_FRAME_TOO_LARGE' || code === 'SW_ERR_TRANSPORT_TOO_LARGE') {
        // A result the link cannot carry: the caller gets PayloadTooLarge now, not a timeout later.
        const fallback: Reply = { type: MessageType.Error, payload: this.#errorPayload(error, false) };
        served.reply = fallback;
        this.#send({ ...frame, type: fallback.type, payload: fallback.payload });
      } else {
        this.#retry(frame, error);
      }
    }
  }

  /** A request id seen before (a caller asking again after a reconnect): answer from the cache, never run it again. */
  /** A Request whose id is not below 2^53: answered with an Error under the id it carried, and not run. */
  #badId(frame: Frame): void {
    const error = rpcError(RpcErrorCode.PROTOCOL, `request_id ${frame.requestId} is not below 2^53`);
    this.#send({ type: MessageType.Error, requestId: frame.requestId, moduleId: frame.moduleId, methodHash: frame.methodHash, payload: this.#errorPayload(error, false) });
  }

  #repeat(id: number, frame: Frame): void {
    const served = this.#served.get(id);
    if (served?.reply) return this.#sendReply(served, served.reply);
    if (served) return; // still running: its answer will come
    const error = rpcError(RpcErrorCode.GONE, `request ${id} was already handled and its answer is no longer kept`);
    this.#send({ type: MessageType.Error, requestId: id, moduleId: frame.moduleId, methodHash: frame.methodHash, payload: this.#errorPayload(error, false) });
  }

  #onCancel(frame: Frame): void {
    const served = this.#served.get(Number(frame.requestId));
    if (!served || served.reply) return;
    let reason = 'cancelled by the caller';
    try {
      const r = frame.payload.length ? decodeValue(this, frame.payload, DEFAULT_SERVE_LIMITS) : undefined;
      if (typeof r === 'string') reason = `${reason}: ${r}`;
    } catch {
      // a reason that does not decode is no reason to keep running
    }
    const error = rpcError(RpcErrorCode.CANCELLED, reason);
    this.#fail(served, error);
    controllerOf(served).abort(error);
  }

  // --- calling --------------------------------------------------------------------------------------------

  /**
   * Sends a Request and resolves with its answer. `body` is the argument array, or an OpBody; `names` lets a
   * missing module or method be reported by name.
   */
  call(moduleId: bigint, methodHash: number, body: unknown, options: Readonly<CallOptions>, args: readonly unknown[] = [], names?: CallNames): Promise<unknown> {
    if (this.#closed) return Promise.reject(this.#closed);
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(cancelled(signal));
    let payload: Uint8Array;
    try {
      payload = encodeValue(this, body);
    } catch (error) {
      return Promise.reject(error);
    }
    detachTransferred(args);
    const id = this.link.nextId();
    return new Promise<unknown>((resolve, reject) => {
      const span = tracer?.client({ service: names?.module ?? this.#names.get(moduleId), method: names?.method ?? '', requestId: id });
      if (span) {
        const [settled, failed] = [resolve, reject];
        resolve = (value) => (span.end(), settled(value));
        reject = (error) => (span.end(error), failed(error));
      }
      const frame: SessionFrame = { type: MessageType.Request, requestId: id, moduleId, methodHash, payload, trace: span?.context };
      let off: (() => void) | undefined;
      if (signal) {
        const onAbort = (): void => this.#settle(id, cancelled(signal), true, 'aborted');
        signal.addEventListener('abort', onAbort, { once: true });
        off = () => signal.removeEventListener('abort', onAbort);
      }
      const pending: Pending = { resolve, reject, frame, timeoutMs, off, resend: false, names, span };
      this.#pending.set(id, pending);
      this.#deadlines.add(id, timeoutMs);
      this.#transmit(pending);
    });
  }

  /** Sends (or re-sends) a pending Request; waits for room when the link is full. */
  #transmit(pending: Pending): void {
    const id = Number(pending.frame.requestId);
    try {
      this.link.send(pending.frame);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'SW_ERR_SESSION_FULL' || code === 'SW_ERR_TRANSPORT_FULL') {
        this.link.ready().then(() => this.#pending.get(id) === pending && this.#transmit(pending), (e: unknown) => this.#settle(id, e, false));
      } else {
        this.#settle(id, error, false);
      }
    }
  }

  #expire(id: number): void {
    const p = this.#pending.get(id);
    if (!p) return;
    const note = this.link.open ? '' : ' (the link is not connected)';
    if (debug.on) debug.log('timeout', { id, module: hex(BigInt(p.frame.moduleId ?? 0)), method: p.frame.methodHash, timeoutMs: p.timeoutMs, linkOpen: this.link.open }, p.frame.trace?.traceId);
    p.span?.event('deadline exceeded', { 'swarmwire.timeout_ms': p.timeoutMs });
    this.#settle(id, rpcError(RpcErrorCode.TIMEOUT, `no answer within ${p.timeoutMs} ms${note}`), true, 'deadline exceeded');
  }

  /** Forgets a pending call; with the last one the deadline timers stop holding the process open. */
  #take(id: number): Pending | undefined {
    const p = this.#pending.get(id);
    if (!p) return undefined;
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#deadlines.idle();
    p.off?.();
    return p;
  }

  /** Ends a pending call with an error; with `cancel`, tells the callee to stop. */
  #settle(id: number, error: unknown, cancel: boolean, reason = ''): void {
    const p = this.#take(id);
    if (!p) return;
    p.reject(error);
    if (cancel && !this.#closed) this.#send({ type: MessageType.Cancel, requestId: id, moduleId: p.frame.moduleId, methodHash: p.frame.methodHash, payload: encodeValue(this, reason) });
  }

  #onReply(frame: Frame): void {
    const p = this.#take(Number(frame.requestId));
    if (!p) return; // late (after a deadline or a cancel) or repeated: nobody waits for it
    try {
      const body = frame.payload.length === 0 ? undefined : decodeValue(this, frame.payload, DEFAULT_SERVE_LIMITS);
      if (frame.type === MessageType.Response) return p.resolve(body);
      if (frame.type === MessageType.StreamHandle) {
        const handle = body as Partial<StreamHandleBody>;
        if (typeof handle?.stream !== 'number') throw rpcError(RpcErrorCode.PROTOCOL, 'a StreamHandle without a stream id');
        return p.resolve(this.importStream(handle.stream, handle.kind === StreamKind.ReadableStream ? StreamKind.ReadableStream : StreamKind.AsyncIterable));
      }
      p.reject(withNames(remoteError(body), p.names, BigInt(p.frame.moduleId ?? 0), p.frame.methodHash ?? 0));
    } catch (error) {
      p.reject(error);
    }
  }

  // --- references -----------------------------------------------------------------------------------------

  exportRef(value: object): number {
    let id = this.#refIds.get(value);
    if (id === undefined || !this.#modules.has(REF_BASE + BigInt(id))) {
      id = this.#nextRef++;
      this.#refIds.set(value, id);
      this.#modules.set(REF_BASE + BigInt(id), { target: value, limits: this.#refLimits ?? DEFAULT_SERVE_LIMITS, table: undefined, ref: true });
    }
    return id;
  }

  importRef(id: number): unknown {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw rpcError(RpcErrorCode.BAD_ARGS, 'a bad reference id');
    return createRemote(this, REF_BASE + BigInt(id), [], { timeoutMs: DEFAULT_TIMEOUT_MS }, true);
  }

  /** How many refs this side serves (for tests of releaseProxy). */
  get refCount(): number {
    let n = 0;
    for (const m of this.#modules.values()) if (m.ref) n++;
    return n;
  }

  // --- streams --------------------------------------------------------------------------------------------

  exportStream(source: object): [number, StreamKind] {
    return this.#exportStream(source, undefined);
  }

  #exportStream(source: object, served: Served | undefined): [number, StreamKind] {
    const id = this.#nextStream++;
    const context = served && contextOf(served, '');
    const producer = new StreamProducer(source, {
      data: (value) => this.#streamFrame(MessageType.StreamData, id, encodeValue(this, value)),
      end: (error) => {
        this.#producers.delete(id);
        this.#streamFrame(MessageType.StreamEnd, id, error === undefined ? EMPTY : this.#errorPayload(error, served?.stacks ?? false));
      },
    }, context ? (fn) => withCall(context, fn) : undefined);
    this.#producers.set(id, { producer, served });
    if (served) served.producer = id;
    queueMicrotask(() => void producer.run()); // after the frame that announces the stream
    return [id, kindOf(source)];
  }

  importStream(id: number, kind: StreamKind): unknown {
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw rpcError(RpcErrorCode.BAD_ARGS, 'a bad stream id');
    const entry = this.#consumerEntry(id);
    entry.imported = true;
    if (entry.consumer.done) this.#consumers.delete(id);
    entry.consumer.attach({
      credit: (n) => this.#streamFrame(MessageType.StreamCredit, id, encodeValue(this, n)),
      cancel: (reason) => {
        this.#consumers.delete(id);
        this.#streamFrame(MessageType.StreamCancel, id, encodeValue(this, reason));
      },
    });
    return kind === StreamKind.ReadableStream && typeof ReadableStream === 'function' ? toReadableStream(entry.consumer) : entry.consumer;
  }

  /** The consumer of a stream id; made on first sight (its data may overtake its StreamHandle after a reconnect). */
  #consumerEntry(id: number): { consumer: StreamConsumer; imported: boolean } {
    let entry = this.#consumers.get(id);
    if (!entry) {
      entry = { consumer: new StreamConsumer(), imported: false };
      this.#consumers.set(id, entry);
    }
    return entry;
  }

  #onStreamFromPeer(frame: Frame): void {
    const id = Number(frame.moduleId);
    if (!this.#consumers.has(id) && this.#unclaimed() >= MAX_UNCLAIMED_STREAMS) return;
    const entry = this.#consumerEntry(id);
    try {
      if (frame.type === MessageType.StreamData) {
        entry.consumer.push(decodeValue(this, frame.payload, DEFAULT_SERVE_LIMITS));
        return;
      }
      const error = frame.payload.length ? remoteError(decodeValue(this, frame.payload, DEFAULT_SERVE_LIMITS)) : undefined;
      entry.consumer.end(error);
    } catch (error) {
      entry.consumer.end(error);
    }
    if (entry.consumer.done && entry.imported) this.#consumers.delete(id);
  }

  #unclaimed(): number {
    let n = 0;
    for (const e of this.#consumers.values()) if (!e.imported) n++;
    return n;
  }

  #onStreamToPeer(frame: Frame): void {
    const id = Number(frame.moduleId);
    const entry = this.#producers.get(id);
    if (!entry) return; // already ended
    if (frame.type === MessageType.StreamCredit) {
      let n: unknown;
      try {
        n = decodeValue(this, frame.payload, DEFAULT_SERVE_LIMITS);
      } catch {
        return;
      }
      if (typeof n === 'number' && n > 0 && n <= 0xffffffff) entry.producer.grant(n);
      return;
    }
    this.#producers.delete(id);
    entry.producer.cancel();
    if (entry.served) controllerOf(entry.served).abort(rpcError(RpcErrorCode.CANCELLED, 'the reader stopped the stream'));
  }

  /** Stream frames name their stream in module_id; request_id is left to the session, so they can be acked. */
  #streamFrame(type: MessageType, stream: number, payload: Uint8Array): void {
    this.#send({ type, moduleId: stream, payload, ack: this.link.acked });
  }

  #send(frame: SessionFrame): void {
    if (this.#closed) return;
    try {
      this.link.send(frame);
    } catch (error) {
      this.#retry(frame, error);
    }
  }

  /** A send that failed: once the link has room again if it was full; dropped if it is closed (close() rejects all). */
  #retry(frame: SessionFrame, error: unknown): void {
    const code = (error as { code?: string }).code;
    if (code === 'SW_ERR_SESSION_FULL' || code === 'SW_ERR_TRANSPORT_FULL') this.link.ready().then(() => this.#send(frame), () => {});
  }

  // --- closing --------------------------------------------------------------------------------------------

  /** Rejects every pending call with `error`, aborts the calls being served and ends every stream. Idempotent. */
  close(error: SwarmwireError = rpcError(RpcErrorCode.CLOSED, 'the connection was closed')): void {
    if (this.#closed) return;
    this.#closed = error;
    if (debug.on) debug.log('closed', { pending: this.#pending.size, served: this.#running, error });
    for (const off of this.#off) off();
    for (const id of [...this.#pending.keys()]) this.#take(id)!.reject(error);
    this.#deadlines.clear();
    for (const s of this.#served.values()) if (s.controller && !s.controller.signal.aborted) s.controller.abort(error);
    this.#served.clear();
    for (const { producer } of this.#producers.values()) producer.cancel();
    this.#producers.clear();
    for (const { consumer } of this.#consumers.values()) consumer.end(streamClosedError());
    this.#consumers.clear();
  }
}

function controllerOf(served: Served): AbortController {
  return (served.controller ??= new AbortController());
}

/** The call context of a served call; its signal (and AbortController) is made only if the function reads it. */
class ServedContext implements CallContext {
  constructor(readonly served: Served, readonly method: string) {}
  get signal(): AbortSignal {
    return controllerOf(this.served).signal;
  }
  get requestId(): number {
    return this.served.id;
  }
  get moduleId(): bigint {
    return this.served.moduleId;
  }
}
const contextOf = (served: Served, method: string): CallContext => new ServedContext(served, method);

function cancelled(signal: AbortSignal): SwarmwireError {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason);
  return rpcError(RpcErrorCode.CANCELLED, `the call was cancelled${why ? `: ${why}` : ''}`, reason);
}
