// Two transports joined in memory, for fast tests of the layers above, with a fault hook to make the link misbehave
// (capnweb's TestTransport.fence(), plus drop, delay, duplicate and disconnect).
//
// Delivery is a macrotask (setImmediate in Node, setTimeout(0) elsewhere), as when a frame arrives from a socket
// or a port: send() never re-enters anyone synchronously, timers still fire during a busy exchange (a microtask
// ping-pong would starve them), and a burst of sends is delivered in one task, in priority order.
import { type BufferOptions, FrameQueue } from './queue.js';
import { BaseTransport, type CloseInfo, CloseCode, type Priority, TransportErrorCode, transportError } from './transport.js';

export type MemoryPairOptions = BufferOptions;

/**
 * Faults injected into the frames one side sends (the other side's hook governs the other direction). Frames are
 * still accepted by send() and count in bufferedAmount until they are delivered or dropped.
 */
export interface MemoryFaults {
  /** Holds back every delivery from this side, including a close, until release(): capnweb's fence. */
  hold(): void;
  /** Ends hold() and delivers what it held, in order. */
  release(): void;
  /**
   * Drops the next `n` frames, or, given a predicate, every frame it returns true for until drop(0) is called.
   * Dropped frames vanish silently, as on a lossy link.
   */
  drop(what: number | ((frame: Uint8Array) => boolean)): void;
  /** Delivers every frame sent from now on no sooner than `ms` after its send(). 0 ends the delay. */
  delay(ms: number): void;
  /** Delivers each of the next `n` frames twice. */
  duplicate(n: number): void;
  /** Cuts the link: both sides close at once with 1006 and PEER_GONE, and frames still queued are lost. */
  disconnect(reason?: string): void;
}

const macrotask: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);

/** One end of a memoryPair(). */
export class MemoryTransport extends BaseTransport {
  readonly kind = 'memory' as const;
  readonly #queue: FrameQueue;
  #peer: MemoryTransport | undefined;
  #scheduled = false;
  #held = false;
  #dropCount = 0;
  #dropWhen: ((frame: Uint8Array) => boolean) | undefined;
  #delayMs = 0;
  #duplicates = 0;
  /** Our close, delivered to the peer after the frames queued before it. */
  #closing: CloseInfo | undefined;
  /** Set when the close came from the peer (or the link): nothing more goes out. */
  #silent = false;

  /** This side's fault hook: it acts on the frames this side sends. */
  readonly faults: MemoryFaults = {
    hold: () => {
      this.#held = true;
    },
    release: () => {
      this.#held = false;
      this.#kick();
    },
    drop: (what) => {
      if (typeof what === 'function') {
        this.#dropWhen = what;
      } else if (what === 0) {
        this.#dropWhen = undefined;
        this.#dropCount = 0;
      } else {
        this.#dropCount += what;
      }
    },
    delay: (ms) => {
      this.#delayMs = Math.max(0, ms);
    },
    duplicate: (n) => {
      this.#duplicates += n;
    },
    disconnect: (reason = 'disconnected') => {
      const error = transportError(TransportErrorCode.PEER_GONE, `memory transport: peer gone (${reason})`);
      for (const side of [this, this.#peer!]) {
        side.#silent = true;
        side.#queue.clear();
        side.finish({ code: CloseCode.Abnormal, reason, error });
      }
    },
  };

  /** @internal Use memoryPair(). */
  constructor(options: Readonly<Partial<MemoryPairOptions>>) {
    super();
    this.#queue = new FrameQueue(options);
  }

  get bufferedAmount(): number {
    return this.#queue.bytes;
  }

  /**
   * Queues a copy of the frame for the peer (so neither side can change what the other holds); the caller's
   * bytes are left alone, as the contract requires. The peer receives the frame in a later task.
   */
  send(frame: Uint8Array, priority?: Priority): void {
    if (this.state === 'closed') throw this.closedError();
    this.#queue.admit(frame, this.kind);
    this.#queue.push(frame.slice(), priority, this.#delayMs > 0 ? performance.now() + this.#delayMs : 0);
    if (this.state === 'open') this.#kick();
  }

  protected hasRoom(): boolean {
    return this.#queue.hasRoom;
  }

  protected onClose(info: CloseInfo): void {
    if (this.#silent) {
      this.#queue.clear();
      return;
    }
    this.#closing = info;
    this.#kick();
  }

  /** @internal */
  static link(a: MemoryTransport, b: MemoryTransport): void {
    a.#peer = b;
    b.#peer = a;
    macrotask(() => {
      for (const side of [a, b]) side.emitOpen();
      for (const side of [a, b]) side.#kick();
    });
  }

  /** Schedules a delivery task unless one is pending or the link is held. */
  #kick(): void {
    if (this.#scheduled || this.#held || this.#silent) return;
    const next = this.#queue.peek();
    if (!next && !this.#closing) return;
    this.#scheduled = true;
    const wait = next ? next.at - performance.now() : 0;
    if (wait > 0) setTimeout(() => this.#flush(), wait);
    else macrotask(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#held || this.#silent) return;
    const peer = this.#peer!;
    try {
      for (let q = this.#queue.peek(); q; q = this.#queue.peek()) {
        if (q.at > performance.now()) break;
        this.#queue.shift();
        if (this.#dropCount > 0) {
          this.#dropCount--;
          continue;
        }
        if (this.#dropWhen?.(q.frame)) continue;
        // The duplicate is copied first: the listener may scribble on the frame it gets.
        const twin = this.#duplicates > 0 ? (this.#duplicates--, q.frame.slice()) : undefined;
        peer.#receive(q.frame);
        if (twin) peer.#receive(twin);
        if (this.#held || this.#silent) return; // a listener held or cut the link
      }
      if (this.#closing && this.#queue.empty) {
        const { code, reason } = this.#closing;
        this.#closing = undefined;
        peer.#closedByPeer(code, reason);
      }
    } finally {
      // A throwing listener propagates like one in an event dispatch; the frames after it still go out.
      this.#kick();
      this.emitDrain();
    }
  }

  #receive(frame: Uint8Array<ArrayBuffer>): void {
    if (this.state === 'open') this.emitMessage(frame); // a closed receiver drops what was in flight
  }

  #closedByPeer(code: number, reason: string): void {
    this.#silent = true;
    this.finish({ code, reason });
  }
}

/**
 * Two connected in-memory transports (kind 'memory'). Both start 'connecting' and open together in the next
 * task; frames sent before then are delivered after 'open'. Each side's `faults` misbehaves on purpose for tests.
 * Options apply to both sides: highWaterMark (default 1 MiB) and maxBuffered (default 128 MiB).
 */
export function memoryPair(options: Readonly<Partial<MemoryPairOptions>> = {}): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport(options);
  const b = new MemoryTransport(options);
  MemoryTransport.link(a, b);
  return [a, b];
}
