// A Transport over a MessagePort (kind 'postmessage'): the fallback of connectWorker() when shared memory is not
// available (a page that is not cross-origin isolated, a runtime without SharedArrayBuffer). Same frames, same API
// as the ring. Each frame is copied once into a fresh ArrayBuffer that is transferred, not cloned.
//
// postMessage itself has no backpressure, so this adds credit: the receiver acknowledges the bytes it delivered
// (at most one ack per task, or every ACK_BYTES), and bufferedAmount counts frames posted and not yet acknowledged.
import { DEFAULT_HIGH_WATER_MARK, DEFAULT_MAX_BUFFERED, FrameQueue } from './queue.js';
import type { PortLike } from './ring.js';
import { BaseTransport, type CloseInfo, CloseCode, type Priority, TransportErrorCode, transportError } from './transport.js';

export interface PostMessageOptions {
  /** ready() waits while bufferedAmount is at or above this. Default 1 MiB. */
  highWaterMark: number;
  /** send() throws FULL when bufferedAmount would pass this, TOO_LARGE for a larger frame. Default 128 MiB. */
  maxBuffered: number;
}

/** The receiver acknowledges at least every this many bytes. */
const ACK_BYTES = 256 * 1024;

type Message =
  | { t: 'f'; b: ArrayBuffer }
  | { t: 'a'; n: number }
  | { t: 'close'; code: number; reason: string };

const macrotask: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);

/** One end of a postMessage link. Made by connectWorker() / acceptWorker() when shared memory is not available. */
export class PostMessageTransport extends BaseTransport {
  readonly kind = 'postmessage' as const;
  readonly #port: PortLike;
  readonly #queue: FrameQueue;
  /** Bytes posted and not yet acknowledged by the receiver. */
  #inFlight = 0;
  #unacked = 0;
  #ackScheduled = false;

  /** @internal */
  constructor(port: PortLike, options: Readonly<Partial<PostMessageOptions>> = {}) {
    super();
    this.#port = port;
    this.#queue = new FrameQueue({ highWaterMark: options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK, maxBuffered: options.maxBuffered ?? DEFAULT_MAX_BUFFERED });
    port.onmessage = (event) => this.#onMessage(event.data as Message);
  }

  get bufferedAmount(): number {
    return this.#queue.bytes + this.#inFlight;
  }

  /** Copies the frame and posts the copy, transferred; frames sent while connecting go out on open, Critical first. */
  send(frame: Uint8Array, priority?: Priority): void {
    if (this.state === 'closed') throw this.closedError();
    this.#queue.admit(frame, this.kind);
    if (this.bufferedAmount + frame.byteLength > this.#queue.maxBuffered) {
      throw transportError(TransportErrorCode.FULL, `postmessage transport: send buffer full (${this.bufferedAmount} of ${this.#queue.maxBuffered} bytes); await ready() before sending more`);
    }
    if (this.state === 'open') this.#post(frame.slice());
    else this.#queue.push(frame.slice(), priority);
  }

  protected hasRoom(): boolean {
    return this.bufferedAmount < this.#queue.highWaterMark;
  }

  /** @internal The handshake finished. */
  opened(): void {
    if (this.state !== 'connecting') return;
    this.emitOpen();
    for (let q = this.#queue.shift(); q; q = this.#queue.shift()) this.#post(q.frame);
  }

  /** @internal The peer thread died or vanished. */
  lost(reason: string): void {
    this.finish({ code: CloseCode.Abnormal, reason, error: transportError(TransportErrorCode.PEER_GONE, `postmessage transport: peer gone (${reason})`) });
  }

  protected onClose(info: CloseInfo): void {
    if (!info.error || info.error.code !== TransportErrorCode.PEER_GONE) {
      for (let q = this.#queue.shift(); q; q = this.#queue.shift()) this.#post(q.frame);
      if (!this.#closedByPeer) this.#send({ t: 'close', code: info.code, reason: info.reason });
    }
    this.#queue.clear();
    this.#inFlight = 0;
    this.#port.onmessage = null;
    this.#port.close();
  }

  #closedByPeer = false;

  #post(frame: Uint8Array<ArrayBuffer>): void {
    this.#inFlight += frame.byteLength;
    this.#send({ t: 'f', b: frame.buffer }, [frame.buffer]);
  }

  #send(message: Message, transfer?: Transferable[]): void {
    try {
      this.#port.postMessage(message, transfer);
    } catch {
      // A closed port: the liveness watch reports the peer.
    }
  }

  #onMessage(m: Message): void {
    if (this.state === 'closed') return;
    if (m.t === 'f') {
      const frame = new Uint8Array(m.b);
      this.emitMessage(frame);
      this.#unacked += frame.byteLength;
      if (this.#unacked >= ACK_BYTES) this.#ack();
      else if (!this.#ackScheduled) {
        this.#ackScheduled = true;
        macrotask(() => this.#ack());
      }
    } else if (m.t === 'a') {
      this.#inFlight -= m.n;
      this.emitDrain();
    } else if (m.t === 'close') {
      this.#closedByPeer = true;
      this.finish({ code: m.code, reason: m.reason });
    }
  }

  #ack(): void {
    this.#ackScheduled = false;
    if (this.#unacked === 0 || this.state === 'closed') return;
    this.#send({ t: 'a', n: this.#unacked });
    this.#unacked = 0;
  }
}

/** Two connected postMessage transports over a fresh MessageChannel, open in the next task: for tests. */
export function postMessagePair(options: Readonly<Partial<PostMessageOptions>> = {}): [PostMessageTransport, PostMessageTransport] {
  const { port1, port2 } = new MessageChannel();
  const a = new PostMessageTransport(port1 as unknown as PortLike, options);
  const b = new PostMessageTransport(port2 as unknown as PortLike, options);
  setTimeout(() => {
    a.opened();
    b.opened();
  }, 0);
  return [a, b];
}
