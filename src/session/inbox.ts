// Messages that arrive while a handshake is awaited. A transport may deliver several messages in one tick (ws
// parses a whole TCP read at once), so between the HelloAck and the session attaching its own listener, frames
// would slip by unheard. An Inbox listens from the moment a handshake starts and hands everything over at once.
import { CloseCode, type Transport } from '../transport/transport.js';
import { SessionErrorCode, sessionError } from './errors.js';
import { type Clock, realClock } from '../core/clock.js';

const inboxes = new WeakMap<Transport, Inbox>();

export class Inbox {
  readonly #queue: Uint8Array[] = [];
  readonly #off: () => void;
  #wake: (() => void) | undefined;

  constructor(transport: Transport) {
    // Copies: a message may be a view into a buffer the transport reuses after the call.
    this.#off = transport.on('message', (bytes) => {
      this.#queue.push(bytes.slice());
      this.#wake?.();
    });
  }

  /** The next message, within `timeoutMs`; rejects with HANDSHAKE_TIMEOUT (closing the transport) or the close error. */
  next(transport: Transport, timeoutMs: number, clock: Clock = realClock): Promise<Uint8Array> {
    if (this.#queue.length) return Promise.resolve(this.#queue.shift()!);
    // Closed already: its close event has been and gone, so waiting for it would wait out the whole deadline.
    if (transport.state === 'closed') return Promise.reject(sessionError(SessionErrorCode.CLOSED, 'the transport closed during the handshake'));
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clock.clearTimeout(timer);
        offClose();
        this.#wake = undefined;
      };
      const timer = clock.setTimeout(() => {
        done();
        transport.close(CloseCode.PolicyViolation, 'handshake timeout');
        reject(sessionError(SessionErrorCode.HANDSHAKE_TIMEOUT, `no handshake within ${timeoutMs} ms`));
      }, timeoutMs);
      const offClose = transport.on('close', (info) => {
        done();
        reject(info.error ?? sessionError(SessionErrorCode.CLOSED, `the transport closed during the handshake (${info.code})`));
      });
      this.#wake = () => {
        done();
        resolve(this.#queue.shift()!);
      };
    });
  }

  /** Puts bytes back in front, e.g. the frames that followed the handshake frame in one batch. */
  unshift(bytes: Uint8Array): void {
    this.#queue.unshift(bytes);
  }

  /** Stops listening and returns what is still queued, oldest first. */
  close(): Uint8Array[] {
    this.#off();
    return this.#queue.splice(0);
  }
}

/** The transport's inbox, started on first use. */
export function inboxOf(transport: Transport): Inbox {
  let inbox = inboxes.get(transport);
  if (!inbox) inboxes.set(transport, (inbox = new Inbox(transport)));
  return inbox;
}

/** Stops the transport's inbox (if any) and returns what it held. */
export function takeInbox(transport: Transport): Uint8Array[] {
  const inbox = inboxes.get(transport);
  inboxes.delete(transport);
  return inbox ? inbox.close() : [];
}
