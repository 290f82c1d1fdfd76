// One WebSocket connection as a Transport. Binary messages only: each message is one frame or one BATCHING
// message; this layer never parses them. The same class wraps a client socket (connectWebSocket) and an
// already-upgraded server socket (acceptWebSocket: Node's `ws`, Deno.upgradeWebSocket, anything WHATWG-shaped).
//
// Close codes: a text (or otherwise non-binary) message closes with 1003 Unsupported Data, RFC 6455 §7.4.1's code
// for "received a type of data it cannot accept"; 1002 stays for broken WebSocket framing, which `ws` reports.
// WHATWG client sockets (browsers, Deno, Node 22) may only send 1000 and 3000–4999, so a code they refuse goes out
// as 4000 + (code − 1000) and every receiver maps 4001–4015 back to 1001–1015: swarmwire reserves that range.
import { CHECKSUM_SIZE, HEADER_SIZE, MAX_PAYLOAD } from '../wire/constants.js';
import { BaseTransport, CloseCode, Priority, TransportError, TransportErrorCode, transportError } from './transport.js';
import type { CloseInfo } from './transport.js';
import { clipUtf8 } from './close-reason.js';
import { microtask } from './microtask.js';
import { connectFailed } from './connect-failure.js';
import { createDebug } from '../core/debug.js';

const debug = /* @__PURE__ */ createDebug('swarmwire:transport');

/** The largest message by default: one frame of MAX_PAYLOAD bytes with its header and checksum. */
export const DEFAULT_MAX_MESSAGE_BYTES = MAX_PAYLOAD + HEADER_SIZE + CHECKSUM_SIZE;

/** Default of WebSocketOptions.closeTimeoutMs: how long a Close waits for the peer's answer before the socket is destroyed. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 500;

/** Close code for a message that is not binary (RFC 6455 Unsupported Data). */
export const UNSUPPORTED_DATA = CloseCode.UnsupportedData;

/** The part of the WHATWG WebSocket API this transport uses; `ws`, Deno's and browsers' sockets all fit. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: string;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: any) => void): void;
  removeEventListener(type: string, listener: (event: any) => void): void;
  /** Destroys the connection without a close handshake (`ws` has it; platform sockets do not). */
  terminate?(): void;
}

/** A WebSocket class: the platform's, or `ws`'s (which also reads the third argument, its options). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: any) => WebSocketLike;

export interface WebSocketOptions {
  /** Largest message accepted in either direction; a larger one closes with 1009. Default 64 MiB + 36. */
  maxMessageBytes: number;
  /** ready() waits while bufferedAmount is at or above this. Default 1 MiB. */
  highWaterMark: number;
  /** send() throws FULL past this while above the high-water mark. Default 16 MiB. */
  maxBuffered: number;
  /** How often bufferedAmount is polled while frames wait or ready() waits (WebSocket has no drain event). Default 1 ms. */
  pollIntervalMs: number;
  /** Deadline for the socket to open. Default 10 000 ms. */
  connectTimeoutMs: number;
  /**
   * After this side sends its Close, how long the peer has to answer it before the connection is destroyed (with
   * `ws`; platform sockets cannot be destroyed and are left to their own close). Without it `ws` waits 30 s, still
   * reading whatever a peer trickles in. Default 500 ms.
   */
  closeTimeoutMs: number;
}

export interface ConnectWebSocketOptions extends WebSocketOptions {
  /** Subprotocols offered to the server. Default none. */
  protocols: string | string[];
  /**
   * The WebSocket class. Default: on Node, `ws` (loaded on first use; it tells why a connection failed, which Node's
   * built-in WebSocket does not); elsewhere globalThis.WebSocket.
   */
  WebSocket: WebSocketConstructor;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;
const MAX_REASON_BYTES = 123;
/**
 * Critical frames (Hello, HelloAck, the Error before a close, Goodbye) may pass maxBuffered by this much: they are few
 * and small, and a peer dropped for not reading must still be told why.
 */
const CRITICAL_ALLOWANCE = 64 * 1024;

/** `options` with the defaults filled in. */
function withDefaults(options: Readonly<Partial<WebSocketOptions>>): WebSocketOptions {
  return {
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    highWaterMark: options.highWaterMark ?? 1024 * 1024,
    maxBuffered: options.maxBuffered ?? 16 * 1024 * 1024,
    pollIntervalMs: options.pollIntervalMs ?? 1,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    closeTimeoutMs: options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
  };
}

/** The defaults, one object for every transport given no options (a relay's thousands of accepted sockets). */
const DEFAULTS: WebSocketOptions = /* @__PURE__ */ Object.freeze(withDefaults({}));

/** `ws`'s sockets: EventEmitters as well as EventTargets. */
interface EmitterSocket extends WebSocketLike {
  on(type: string, listener: (...args: any[]) => void): unknown;
  removeListener(type: string, listener: (...args: any[]) => void): unknown;
}

const isEmitter = (socket: WebSocketLike): socket is EmitterSocket => typeof (socket as { on?: unknown }).on === 'function';

/** The transport of each `ws` socket, for the listeners they all share (WebSocketTransport.#wsListeners). */
const TRANSPORTS = /* @__PURE__ */ new WeakMap<object, WebSocketTransport>();

/** A Transport over one WebSocket. Frames given to send() must not be modified afterwards. */
export class WebSocketTransport extends BaseTransport {
  readonly kind = 'websocket' as const;
  readonly #options: WebSocketOptions;
  readonly #label: string;
  #socket: WebSocketLike | undefined;
  // One FIFO per priority, and the index of each one's head; frames wait here only while the socket's own buffer is
  // above the high-water mark, so most sockets never need them: made on the first frame queued.
  #queues: Uint8Array[][] | undefined;
  #heads: number[] | undefined;
  #queued = 0;
  /** Frames queued: a 0-byte frame adds nothing to #queued and must still go out, in order. */
  #waitingFrames = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #waiting = false;
  #socketClosed = false;
  /** A frame was refused as FULL and the buffer has not drained since: the peer has stopped reading. */
  #stalled = false;
  #lastError: unknown;
  /** The TCP socket's writes are held until the end of this task (#cork). */
  #corked = false;
  /** #schedule's timer callback, made on the first wait. */
  #tick: (() => void) | undefined;
  /** The listeners of a platform socket (browsers, Deno, Node's built-in); undefined with `ws` (#wsListeners). */
  #domListeners: { open(): void; message(e: { data: unknown }): void; close(e: { code: number; reason?: string }): void; error(e: { error?: unknown; message?: unknown }): void } | undefined;

  /** @internal Use connectWebSocket or acceptWebSocket. */
  constructor(options: Readonly<Partial<WebSocketOptions>>, label: string) {
    super();
    this.#options = Object.keys(options).length === 0 ? DEFAULTS : withDefaults(options);
    this.#label = label;
    this.#connectTimer = setTimeout(() => {
      this.#fail(CloseCode.Abnormal, 'connect timeout', transportError(TransportErrorCode.CONNECT_FAILED, `${label}: no connection within ${this.#options.connectTimeoutMs} ms`));
    }, this.#options.connectTimeoutMs);
  }

  get bufferedAmount(): number {
    return this.#queued + (this.#socket?.bufferedAmount ?? 0);
  }

  send(frame: Uint8Array, priority: Priority = Priority.High): void {
    if (this.state === 'closed') throw this.closedError();
    const size = frame.byteLength;
    if (size > this.#options.maxMessageBytes) {
      throw transportError(TransportErrorCode.TOO_LARGE, `frame of ${size} bytes exceeds maxMessageBytes ${this.#options.maxMessageBytes}`);
    }
    // Below the high-water mark a frame is always taken, so "await ready(); send()" never throws FULL.
    const limit = this.#options.maxBuffered + (priority === Priority.Critical ? CRITICAL_ALLOWANCE : 0);
    if (!this.hasRoom() && this.bufferedAmount + size > limit) {
      this.#stalled = true;
      throw transportError(TransportErrorCode.FULL, `websocket buffer full (${this.bufferedAmount} bytes buffered, maxBuffered ${this.#options.maxBuffered}): await ready()`);
    }
    const socket = this.#socket;
    if (this.#waitingFrames === 0 && socket?.readyState === OPEN && socket.bufferedAmount < this.#options.highWaterMark) {
      this.#cork(socket);
      socket.send(frame);
      return;
    }
    const queues = (this.#queues ??= [[], [], []]);
    this.#heads ??= [0, 0, 0];
    (queues[priority] ?? queues[Priority.Low]!).push(frame);
    this.#queued += size;
    this.#waitingFrames++;
    if (this.state === 'open') this.#schedule();
  }

  override ready(): Promise<void> {
    const result = super.ready();
    if (this.state !== 'closed' && !this.hasRoom()) {
      this.#waiting = true;
      if (this.state === 'open') this.#schedule();
    }
    return result;
  }

  protected hasRoom(): boolean {
    return this.bufferedAmount < this.#options.highWaterMark;
  }

  /**
   * Holds the TCP socket's writes (Node's `ws`: its `_socket`) until the end of the task, so every message sent
   * to this peer in one task leaves in one system call instead of one each: a relay's broadcast burst sends each
   * peer many small messages at once, and a writev per message was most of their cost. Each is still its own
   * WebSocket message. Sockets that expose no TCP socket (browsers, Deno) send as they are.
   */
  #cork(socket: WebSocketLike): void {
    if (this.#corked) return;
    const raw = (socket as { _socket?: { cork?: () => void; uncork?: () => void } })._socket;
    if (typeof raw?.cork !== 'function') return;
    raw.cork();
    this.#corked = true;
    microtask(() => {
      this.#corked = false;
      raw.uncork!();
    });
  }

  /** @internal Starts using `socket`: open or still connecting. */
  attach(socket: WebSocketLike): void {
    this.#socket = socket;
    // `ws` (an EventEmitter, hence `on`) hands over its own Buffer without a copy with 'nodebuffer'; platform
    // sockets only know 'arraybuffer' (and browsers log a warning for anything else).
    const emitter = isEmitter(socket);
    socket.binaryType = emitter ? 'nodebuffer' : 'arraybuffer';
    if (emitter) {
      TRANSPORTS.set(socket, this);
      const on = WebSocketTransport.#wsListeners;
      socket.on('open', on.open);
      socket.on('message', on.message);
      socket.on('close', on.close);
      // Never removed: `ws` throws an 'error' event nobody listens to.
      socket.on('error', on.error);
    } else {
      const on = (this.#domListeners = {
        open: () => this.#opened(),
        message: (event: { data: unknown }) => this.#received(event.data),
        close: (event: { code: number; reason?: string }) => this.#closed(event.code, event.reason ?? ''),
        error: (event: { error?: unknown; message?: unknown }) => this.#errored(event?.error, event?.message),
      });
      socket.addEventListener('open', on.open);
      socket.addEventListener('message', on.message);
      socket.addEventListener('close', on.close);
      socket.addEventListener('error', on.error); // never removed, as with `ws`
    }
    if (socket.readyState === OPEN) this.#opened();
    else if (socket.readyState !== CONNECTING) this.#closed(CloseCode.Abnormal, 'socket already closed');
  }

  /**
   * The listeners of every `ws` socket, one set for all, each finding its transport by the socket `ws` calls it on:
   * through addEventListener, `ws` wrapped each listener of each socket in a closure of its own (and each message in
   * an event object), so a relay's peer carried eight closures here with their contexts, ~0.7 KB (issue 17).
   */
  static readonly #wsListeners = {
    open(this: object): void {
      TRANSPORTS.get(this)!.#opened();
    },
    message(this: object, data: unknown, isBinary: boolean): void {
      TRANSPORTS.get(this)!.#received(isBinary ? data : ''); // a text message: refused, so not decoded
    },
    close(this: object, code: number, reason: { toString(): string }): void {
      TRANSPORTS.get(this)!.#closed(code, reason.toString());
    },
    error(this: object, error: Error): void {
      TRANSPORTS.get(this)!.#errored(error, error?.message);
    },
  };

  /** @internal Fails a transport that never got a socket. */
  fail(error: TransportError): void {
    this.#fail(CloseCode.Abnormal, 'no socket', error);
  }

  protected onClose(info: CloseInfo): void {
    clearTimeout(this.#timer);
    clearTimeout(this.#connectTimer);
    if (debug.on) debug.log('close', { transport: this.#label, code: info.code, reason: info.reason, error: info.error });
    const socket = this.#socket;
    if (socket) {
      const dom = this.#domListeners;
      if (dom) {
        socket.removeEventListener('open', dom.open);
        socket.removeEventListener('message', dom.message);
        socket.removeEventListener('close', dom.close);
      } else if (isEmitter(socket)) {
        const on = WebSocketTransport.#wsListeners;
        socket.removeListener('open', on.open);
        socket.removeListener('message', on.message);
        socket.removeListener('close', on.close);
      }
      if (!this.#socketClosed) {
        // A plain close() lets frames still queued go first (a Goodbye sent just before close(), say). A peer that
        // stopped reading gets only the Critical ones (the Error and Goodbye saying why it is dropped), ahead of the
        // backlog it could not take, which is dropped.
        if (!info.error && socket.readyState === OPEN) {
          const lanes = this.#stalled && !this.hasRoom() ? Priority.Critical + 1 : 3;
          for (let f = this.#dequeue(lanes); f; f = this.#dequeue(lanes)) socket.send(f);
        }
        closeSocket(socket, info.code, info.reason);
        this.#destroyLater(socket);
      }
    }
    this.#queues = undefined;
    this.#heads = undefined;
    this.#queued = 0;
    this.#waitingFrames = 0;
  }

  #opened(): void {
    if (this.state !== 'connecting') return;
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined; // not kept for the life of the connection
    if (debug.on) debug.log('open', { transport: this.#label });
    this.#pump();
    this.emitOpen();
    this.#progress();
  }

  #received(data: unknown): void {
    if (this.state === 'closed') return;
    let bytes: Uint8Array;
    if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
    // A plain view, not the Buffer itself: Buffer#slice would not copy as the Transport contract promises.
    else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    else {
      const what = typeof data === 'string' ? 'text' : 'non-binary';
      this.#fail(UNSUPPORTED_DATA, 'binary messages only', transportError(TransportErrorCode.PROTOCOL, `${this.#label}: received a ${what} message; swarmwire sends binary messages only`));
      return;
    }
    if (bytes.byteLength > this.#options.maxMessageBytes) {
      this.#fail(CloseCode.TooBig, 'message too big', transportError(TransportErrorCode.TOO_LARGE, `${this.#label}: received a message of ${bytes.byteLength} bytes, maxMessageBytes is ${this.#options.maxMessageBytes}`));
      return;
    }
    this.emitMessage(bytes);
  }

  #closed(closeCode: number, reason: string): void {
    this.#socketClosed = true;
    if (this.state === 'closed') return;
    // Deno reports a connection that never opened with code 0; the standard says 1006.
    const raw = closeCode >= 1000 && closeCode <= 4999 ? closeCode : CloseCode.Abnormal;
    const code = raw >= 4001 && raw <= 4015 ? raw - 3000 : raw;
    const said = `${code}${reason ? ` ${reason}` : ''}`;
    let error: TransportError | undefined;
    if (this.state === 'connecting') error = connectFailed(this.#label, this.#lastError, code);
    else if (code === CloseCode.TooBig) error = transportError(TransportErrorCode.TOO_LARGE, `${this.#label}: the peer closed: message too big (${said})`);
    else if (code === CloseCode.Abnormal) error = transportError(TransportErrorCode.PEER_GONE, `${this.#label}: connection lost without a close (${said})`, this.#lastError);
    this.finish(error ? { code, reason, error } : { code, reason });
  }

  /** An error event: `ws`'s error, or a platform socket's event (which may carry only a message, or nothing). */
  #errored(thrown: unknown, message: unknown): void {
    const error = thrown ?? (typeof message === 'string' && message ? new Error(message) : undefined);
    if (error !== undefined) this.#lastError = error;
    // An error before the socket opened is the connection failing (WHATWG: a close follows). Fail now: Node 22's
    // built-in WebSocket sends no close after a refused connect, which left the connect deadline to say it.
    if (this.state === 'connecting') {
      this.#fail(CloseCode.Abnormal, 'connect failed', connectFailed(this.#label, this.#lastError));
      return;
    }
    if (this.state !== 'open') return;
    // `ws` names what its receiver rejected (and has already sent its close); platform sockets say nothing and
    // follow with a close event.
    const code = (error as { code?: unknown } | undefined)?.code;
    if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) return;
    if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      this.#fail(CloseCode.TooBig, 'message too big', transportError(TransportErrorCode.TOO_LARGE, `${this.#label}: received a message over maxMessageBytes ${this.#options.maxMessageBytes}`, error));
    } else {
      this.#fail(code === 'WS_ERR_INVALID_UTF8' ? 1007 : CloseCode.ProtocolError, 'protocol error', transportError(TransportErrorCode.PROTOCOL, `${this.#label}: WebSocket protocol error (${code})`, error));
    }
  }

  /**
   * Destroys the connection if the peer has not answered this side's Close within closeTimeoutMs: `ws` would wait
   * 30 s, reading all the while, so a peer trickling bytes could hold a closed connection that long.
   */
  #destroyLater(socket: WebSocketLike): void {
    if (typeof socket.terminate !== 'function' || socket.readyState === CLOSED) return;
    const timer = setTimeout(() => {
      if (socket.readyState !== CLOSED) socket.terminate!();
    }, this.#options.closeTimeoutMs);
    (timer as { unref?: () => void }).unref?.();
    socket.addEventListener('close', () => clearTimeout(timer));
  }

  #fail(code: number, reason: string, error: TransportError): void {
    this.finish({ code, reason, error });
  }

  /** The next queued frame of the first `lanes` priorities, highest first. */
  #dequeue(lanes = 3): Uint8Array | undefined {
    const queues = this.#queues;
    const heads = this.#heads;
    if (!queues || !heads) return undefined;
    for (let p = 0; p < lanes; p++) {
      const queue = queues[p]!;
      const head = heads[p]!;
      if (head === queue.length) continue;
      const frame = queue[head]!;
      queue[head] = undefined as unknown as Uint8Array;
      if (head + 1 === queue.length) {
        queue.length = 0;
        heads[p] = 0;
      } else heads[p] = head + 1;
      this.#queued -= frame.byteLength;
      this.#waitingFrames--;
      return frame;
    }
    return undefined;
  }

  /** Hands queued frames to the socket, highest priority first, while its buffer is below the high-water mark. */
  #pump(): void {
    const socket = this.#socket;
    if (socket?.readyState !== OPEN) return;
    while (this.#waitingFrames > 0 && socket.bufferedAmount < this.#options.highWaterMark) socket.send(this.#dequeue()!);
  }

  #progress(): void {
    if (this.hasRoom()) {
      this.#stalled = false;
      this.#waiting = false;
      this.emitDrain();
    }
    if (this.state === 'open' && (this.#waitingFrames > 0 || this.#waiting)) this.#schedule();
  }

  #schedule(): void {
    // The callback is made on the first wait: most of a relay's sockets never wait.
    if (this.#timer === undefined) this.#timer = setTimeout((this.#tick ??= () => this.#tock()), this.#options.pollIntervalMs);
  }

  #tock(): void {
    this.#timer = undefined;
    if (this.state !== 'open') return;
    this.#pump();
    this.#progress();
  }
}

/**
 * Opens a WebSocket to `url` and returns its Transport at once, in state 'connecting'; frames sent meanwhile are
 * queued (bounded by maxBuffered) and go out on open, in order. If it never opens, it closes with 1006 and a
 * TransportError CONNECT_FAILED. Reconnecting is the caller's job (see `reconnecting`).
 */
export function connectWebSocket(url: string | URL, options: Readonly<Partial<ConnectWebSocketOptions>> = {}): WebSocketTransport {
  const href = String(url);
  const transport = new WebSocketTransport(options, `websocket ${href}`);
  if (debug.on) debug.log('connect', { transport: `websocket ${href}` });
  const open = (WebSocket: WebSocketConstructor): void => {
    if (transport.state === 'closed') return;
    try {
      // The third argument is `ws`'s options; platform sockets ignore it.
      transport.attach(new WebSocket(href, options.protocols ?? [], { maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, perMessageDeflate: false }));
    } catch (e) {
      // The constructor refuses what no retry can fix: a malformed URL, a scheme other than ws: / wss:.
      transport.fail(transportError(TransportErrorCode.CONNECT_FAILED, `websocket ${href}: ${(e as Error)?.message ?? e}`, e, false));
    }
  };
  const builtIn = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  const platform = options.WebSocket ?? (onNode() ? undefined : builtIn);
  // Failures arrive as close events even when immediate, so listeners added right after this call see them.
  if (platform) queueMicrotask(() => open(platform));
  else {
    loadWs().then(open, (e) => {
      if (builtIn) open(builtIn); // Node 22+ without `ws` installed: its own WebSocket, reasons or not
      else transport.fail(transportError(TransportErrorCode.CONNECT_FAILED, 'no WebSocket class: pass options.WebSocket, or install `ws` (Node 20)', e, false));
    });
  }
  return transport;
}

/**
 * Wraps an already-upgraded server-side socket: a `ws` WebSocket from a WebSocketServer (give the server
 * `maxPayload` = maxMessageBytes so oversized messages are refused before they are buffered) or the `socket` of
 * Deno.upgradeWebSocket (which opens once the response is returned). Attach listeners before returning to the event loop.
 */
export function acceptWebSocket(socket: WebSocketLike, options: Readonly<Partial<WebSocketOptions>> = {}): WebSocketTransport {
  const transport = new WebSocketTransport(options, 'websocket (accepted)');
  transport.attach(socket);
  return transport;
}

/**
 * Node (not Deno or Bun, which also have `process`): there `ws` is the WebSocket, even where Node has one built in
 * (22+). Node's own says nothing of why a connection failed ("Received network error or non-101 status code", or
 * no message at all), and on Node 22 sends no close event after a refused connect; `ws` gives the OS's error
 * (ECONNREFUSED, ENOTFOUND) and the HTTP status of a refused upgrade.
 */
function onNode(): boolean {
  const g = globalThis as { process?: { versions?: { node?: unknown; bun?: unknown } }; Deno?: unknown };
  return typeof g.process?.versions?.node === 'string' && g.process.versions.bun === undefined && g.Deno === undefined;
}

async function loadWs(): Promise<WebSocketConstructor> {
  const ws = await import('ws');
  return (ws.WebSocket ?? ws.default) as unknown as WebSocketConstructor;
}

/** Sends a close the socket accepts: the code itself, else its 4000-range mirror, else a bare close. */
function closeSocket(socket: WebSocketLike, code: number, reason: string): void {
  if (socket.readyState === CONNECTING) {
    socket.close();
    return;
  }
  const short = clipUtf8(reason, MAX_REASON_BYTES);
  try {
    socket.close(code, short);
    return;
  } catch {
    // The platform refuses this code from a client; fall through to the mirror.
  }
  try {
    if (code >= 1001 && code <= 1015) {
      socket.close(code + 3000, short);
      return;
    }
  } catch {
    // Fall through to a bare close.
  }
  socket.close();
}
