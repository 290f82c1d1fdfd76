// The one contract every transport implements: frames in, frames out, close with a reason, and events.
// Modelled on capnweb's RpcTransport, with the backpressure of WHATWG streams (`ready()`, like writer.ready):
// send() never blocks and never drops; it queues within a bound and throws beyond it.
import { Status } from '../wire/constants.js';
import { SwarmwireError, named, withVerdict } from '../wire/errors.js';

/** Which mechanism carries the frames. */
export type TransportKind = 'memory' | 'ring' | 'postmessage' | 'websocket' | 'webtransport';

export type TransportState = 'connecting' | 'open' | 'closed';

export { CloseCode, Priority } from './codes.js';
import { CloseCode, Priority } from './codes.js';
import { added, emit, type Listeners, NONE, pushed, removed } from '../core/listeners.js';

export interface CloseInfo {
  code: number;
  reason: string;
  /** The error that closed the transport, if one did. */
  error?: SwarmwireError;
}

export interface TransportEvents {
  open: [];
  /**
   * One received frame (or one BATCHING message). The bytes may be a view into a reusable buffer (a ring's
   * memory): valid only during the listener call. Copy (`frame.slice()`) to keep them.
   */
  message: [frame: Uint8Array];
  close: [info: CloseInfo];
  error: [error: SwarmwireError];
}

/**
 * A transport is one connection. While open it delivers frames in order and without gaps; when it dies it may lose
 * a suffix of what was sent, never a frame in the middle. Sessions build exactly-once delivery on that.
 */
export interface Transport {
  readonly kind: TransportKind;
  readonly state: TransportState;
  /** Bytes accepted by send() and not yet handed to the peer. */
  readonly bufferedAmount: number;
  /**
   * The largest frame this transport can ever carry, when it has a limit well below the wire's (a ring: half a
   * lane). Sessions refuse bigger frames at send(), before any compression. Default: undefined (the wire's limit).
   */
  readonly maxFrameBytes?: number;
  /**
   * Queues one encoded frame. Frames queued while connecting go out on open, in order. The transport never
   * modifies or detaches `frame` (a session keeps acked frames to re-send them) but may hold a reference until
   * the frame is out: do not change the bytes after sending them.
   * Throws TransportError: CLOSED after close; TOO_LARGE for a frame that can never fit;
   * FULL (BackpressureRejection) when bufferedAmount would pass the transport's hard limit — await ready() first.
   */
  send(frame: Uint8Array, priority?: Priority): void;
  /** Resolves when bufferedAmount is below the high-water mark; rejects with the close error if it closes first. */
  ready(): Promise<void>;
  /** Closes both directions. Pending ready() calls reject with CLOSED. Idempotent. */
  close(code?: number, reason?: string): void;
  /** Adds a listener; returns a function that removes it. */
  on<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): () => void;
}

/** A transport failed or refused. */
export class TransportError extends SwarmwireError {
  /** The HTTP status a server answered a WebSocket upgrade with instead of switching (CONNECT_FAILED), where the runtime tells it. */
  declare readonly httpStatus?: number;
}
named(TransportError, 'TransportError');

export const TransportErrorCode = {
  CLOSED: 'SW_ERR_TRANSPORT_CLOSED',
  FULL: 'SW_ERR_TRANSPORT_FULL',
  TOO_LARGE: 'SW_ERR_TRANSPORT_TOO_LARGE',
  PEER_GONE: 'SW_ERR_PEER_GONE',
  CONNECT_FAILED: 'SW_ERR_CONNECT_FAILED',
  TIMEOUT: 'SW_ERR_TRANSPORT_TIMEOUT',
  /** The peer broke the transport's own rules (a text WebSocket message, bad stream framing). */
  PROTOCOL: 'SW_ERR_TRANSPORT_PROTOCOL',
  /** A WebSocket upgrade from an Origin the server's allowlist does not name. */
  ORIGIN: 'SW_ERR_ORIGIN_REFUSED',
} as const;
export type TransportErrorCode = (typeof TransportErrorCode)[keyof typeof TransportErrorCode];

const STATUS_OF: Record<TransportErrorCode, Status> = {
  SW_ERR_TRANSPORT_CLOSED: Status.ExecutionError,
  SW_ERR_TRANSPORT_FULL: Status.BackpressureRejection,
  SW_ERR_TRANSPORT_TOO_LARGE: Status.PayloadTooLarge,
  SW_ERR_PEER_GONE: Status.Timeout,
  SW_ERR_CONNECT_FAILED: Status.ExecutionError,
  SW_ERR_TRANSPORT_TIMEOUT: Status.Timeout,
  SW_ERR_TRANSPORT_PROTOCOL: Status.InvalidFrame,
  SW_ERR_ORIGIN_REFUSED: Status.Unauthorized,
};

/** @internal `recoverable` overrides the verdict of the code and status (see SwarmwireError.recoverable). */
export function transportError(code: TransportErrorCode, message: string, cause?: unknown, recoverable?: boolean): TransportError {
  return withVerdict(new TransportError(code, STATUS_OF[code], message, cause === undefined ? undefined : { cause }), recoverable);
}

/**
 * What every transport shares: listeners, state, the first error kept, ready() waiters. Subclasses call
 * emitOpen / emitMessage / finish, and implement send and their own teardown in onClose().
 */
export abstract class BaseTransport implements Transport {
  abstract readonly kind: TransportKind;
  abstract readonly bufferedAmount: number;
  #state: TransportState = 'connecting';
  #closeInfo: CloseInfo | undefined;
  /** Each event's listeners (core/listeners.ts): a relay's peer's transport has one or none per event. */
  readonly #listeners: { [E in keyof TransportEvents]: Listeners<TransportEvents[E]> } = {
    open: NONE, message: NONE, close: NONE, error: NONE,
  };
  #waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = NONE;

  get state(): TransportState {
    return this.#state;
  }

  /** How the transport closed, once it has. */
  get closeInfo(): CloseInfo | undefined {
    return this.#closeInfo;
  }

  abstract send(frame: Uint8Array, priority?: Priority): void;

  /** True while bufferedAmount is below the high-water mark. */
  protected abstract hasRoom(): boolean;

  /** Releases the transport's resources; called once, by finish(). */
  protected abstract onClose(info: CloseInfo): void;

  ready(): Promise<void> {
    if (this.#closeInfo) return Promise.reject(this.closedError());
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve, reject) => (this.#waiters = pushed(this.#waiters, { resolve, reject })));
  }

  close(code: number = CloseCode.Normal, reason = ''): void {
    this.finish({ code, reason });
  }

  on<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): () => void {
    // Copy on write: an emit walks the list it started with, so a listener that removes itself (or another) while
    // an event is being delivered cannot make the walk skip the listener after it — a skipped close listener
    // left a handshake waiting out its whole deadline.
    const listeners = this.#listeners as unknown as Record<E, Listeners<TransportEvents[E]>>;
    listeners[event] = added(listeners[event], listener);
    return () => {
      listeners[event] = removed(listeners[event], listener);
    };
  }

  /** The error send() and ready() throw once closed: the close error if there was one. */
  protected closedError(): SwarmwireError {
    const info = this.#closeInfo;
    return info?.error ?? transportError(TransportErrorCode.CLOSED, `${this.kind} transport is closed${info ? ` (${info.code}${info.reason ? ` ${info.reason}` : ''})` : ''}`);
  }

  protected emitOpen(): void {
    if (this.#state !== 'connecting') return;
    this.#state = 'open';
    emit(this.#listeners.open, this);
  }

  protected emitMessage(frame: Uint8Array): void {
    const list = this.#listeners.message;
    if (typeof list === 'function') list(frame);
    else for (let i = 0; i < list.length; i++) list[i]!(frame);
  }

  /** Wakes ready() waiters once there is room again. */
  protected emitDrain(): void {
    if (this.#waiters.length === 0 || !this.hasRoom()) return;
    const waiters = this.#waiters;
    this.#waiters = NONE;
    for (const w of waiters) w.resolve();
  }

  /** Closes with `info` (the first close wins), rejecting waiters and telling listeners. */
  protected finish(info: CloseInfo): void {
    if (this.#closeInfo) return;
    this.#closeInfo = info;
    this.#state = 'closed';
    try {
      this.onClose(info);
    } finally {
      const error = this.closedError();
      const waiters = this.#waiters;
      this.#waiters = NONE;
      for (const w of waiters) w.reject(error);
      if (info.error) emit(this.#listeners.error, this, info.error);
      emit(this.#listeners.close, this, info);
    }
  }
}
