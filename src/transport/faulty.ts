// A fault-injecting wrapper over any Transport, for chaos tests: it drops, delays, duplicates and corrupts
// messages and cuts the link at random points, from a seed, so a failing run can be replayed. It works over the
// in-process pair, WebSocket, and any later transport (the ring), because it only uses the Transport contract.
//
// What each fault means is chosen so the wrapped link still looks like something a real network can do:
// - drop: a transport promises no gaps (it may lose a suffix, never a message in the middle), so a dropped message
//   starts a black hole: everything after it in that direction vanishes too, until the link is cut `dropCutMs` later
//   — a link that silently died and was noticed. Dropping one message and delivering the next would be a broken
//   transport, which no session can repair without sequence numbers.
// - delay: messages are held for a random time, in order (a late message never overtakes an earlier one).
// - duplicate: a message arrives twice (retransmission). Handshake frames (Hello, HelloAck, HelloProof, HelloDone)
//   are never duplicated: a handshake frame on an open session is a protocol violation by design.
// - corrupt: one to four random bytes of a copy are changed (the sender's bytes are never touched). Receivers that
//   require checksums (SessionOptions.requireChecksum) detect it and drop the link.
// - disconnect: after a message, the link is cut (both directions, close 1006, PEER_GONE).
import { MessageType } from '../wire/constants.js';
import { seededRandom } from './backoff.js';
import { BaseTransport, type CloseInfo, CloseCode, type Priority, type Transport, type TransportKind, TransportErrorCode, transportError } from './transport.js';

/** Fault probabilities (per message, 0–1) and timings. */
export interface FaultOptions {
  /** Seed of the fault sequence. Default: 1. */
  seed: number;
  /** Which messages the faults act on: those sent, those received, or both. Default: 'both'. */
  direction: 'send' | 'receive' | 'both';
  /** Probability that a message starts a black hole (see above). Default: 0. */
  drop: number;
  /** Milliseconds from a drop to the cut that reports it. Default: 50. */
  dropCutMs: number;
  /** Probability that a message is held back. Default: 0. */
  delay: number;
  /** Longest hold, ms. Default: 20. */
  maxDelayMs: number;
  /** Probability that a message is delivered twice. Default: 0. */
  duplicate: number;
  /** Probability that a message has bytes changed. Default: 0. */
  corrupt: number;
  /** Probability that the link is cut after a message. Default: 0. */
  disconnect: number;
}

/** What a FaultyTransport did so far. */
export interface FaultStats {
  messages: number;
  dropped: number;
  delayed: number;
  duplicated: number;
  corrupted: number;
  /** Cuts: random ones, the ones that report a drop, and cut() calls. */
  disconnects: number;
}

const HELLO_TYPES = /* @__PURE__ */ new Set<number>([MessageType.Hello, MessageType.HelloAck, MessageType.HelloProof, MessageType.HelloDone]);

/** One direction's pipeline: in-order delivery with optional holds, and the black hole after a drop. */
class Lane {
  readonly #deliver: (bytes: Uint8Array, priority: Priority | undefined) => void;
  readonly #held: Array<{ bytes: Uint8Array; at: number; priority: Priority | undefined }> = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  blackHole = false;
  heldBytes = 0;

  constructor(deliver: (bytes: Uint8Array, priority: Priority | undefined) => void) {
    this.#deliver = deliver;
  }

  /** Delivers now, or after `holdMs`, never before a message given earlier. */
  push(bytes: Uint8Array, holdMs: number, priority?: Priority): void {
    if (this.blackHole) return;
    if (holdMs <= 0 && this.#held.length === 0) {
      this.#deliver(bytes, priority);
      return;
    }
    const last = this.#held[this.#held.length - 1]?.at ?? 0;
    this.#held.push({ bytes, at: Math.max(performance.now() + holdMs, last), priority });
    this.heldBytes += bytes.length;
    this.#arm();
  }

  #arm(): void {
    if (this.#timer || this.#held.length === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const now = performance.now();
      while (this.#held.length && this.#held[0]!.at <= now && !this.blackHole) {
        const { bytes, priority } = this.#held.shift()!;
        this.heldBytes -= bytes.length;
        this.#deliver(bytes, priority);
      }
      this.#arm();
    }, Math.max(0, this.#held[0]!.at - performance.now()));
  }

  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#held.length = 0;
    this.heldBytes = 0;
  }
}

/** A Transport that passes everything through another one, with faults. */
export class FaultyTransport extends BaseTransport {
  readonly kind: TransportKind;
  readonly inner: Transport;
  readonly stats: FaultStats = { messages: 0, dropped: 0, delayed: 0, duplicated: 0, corrupted: 0, disconnects: 0 };
  readonly #o: FaultOptions;
  readonly #random: () => number;
  readonly #out: Lane;
  readonly #in: Lane;
  readonly #off: Array<() => void>;

  /** @internal Use faulty(). */
  constructor(inner: Transport, options: Readonly<Partial<FaultOptions>>) {
    super();
    this.inner = inner;
    this.kind = inner.kind;
    this.#o = {
      seed: 1, direction: 'both', drop: 0, dropCutMs: 50, delay: 0, maxDelayMs: 20, duplicate: 0, corrupt: 0, disconnect: 0,
      ...options,
    };
    this.#random = seededRandom(this.#o.seed);
    this.#out = new Lane((bytes, priority) => {
      if (this.state === 'closed') return;
      try {
        inner.send(bytes, priority);
      } catch (error) {
        // A held frame the inner transport now refuses would leave a gap: the link must end instead.
        this.cut(`fault: held frame refused (${(error as Error).message})`);
      }
    });
    this.#in = new Lane((bytes) => {
      if (this.state === 'open') this.emitMessage(bytes);
    });
    this.#off = [
      inner.on('open', () => this.emitOpen()),
      inner.on('message', (bytes) => this.#fault(bytes, this.#in, this.#o.direction !== 'send', true, undefined)),
      inner.on('close', (info) => this.finish(info)),
    ];
    if (inner.state === 'open') queueMicrotask(() => this.emitOpen());
    else if (inner.state === 'closed') queueMicrotask(() => this.finish({ code: CloseCode.Abnormal, reason: 'inner transport closed' }));
  }

  get bufferedAmount(): number {
    return this.inner.bufferedAmount + this.#out.heldBytes;
  }

  send(frame: Uint8Array, priority?: Priority): void {
    if (this.state === 'closed') throw this.closedError();
    // Admission is the inner transport's: a frame it would refuse (FULL, TOO_LARGE) is refused now, not later.
    if (this.#out.heldBytes === 0 && !this.#out.blackHole && this.#o.direction === 'receive') {
      this.inner.send(frame, priority);
      return;
    }
    this.#fault(frame, this.#out, this.#o.direction !== 'receive', false, priority);
  }

  override ready(): Promise<void> {
    return this.state === 'closed' ? Promise.reject(this.closedError()) : this.inner.ready();
  }

  protected hasRoom(): boolean {
    return true;
  }

  protected onClose(info: CloseInfo): void {
    for (const off of this.#off) off();
    this.#out.clear();
    this.#in.clear();
    this.inner.close(info.code, info.reason);
  }

  /** Cuts the link now: both directions end, close 1006 with PEER_GONE. */
  cut(reason = 'fault: link cut'): void {
    if (this.state === 'closed') return;
    this.stats.disconnects++;
    this.finish({ code: CloseCode.Abnormal, reason, error: transportError(TransportErrorCode.PEER_GONE, `${this.kind} transport: ${reason}`) });
  }

  #fault(bytes: Uint8Array, lane: Lane, active: boolean, incoming: boolean, priority: Priority | undefined): void {
    if (this.state === 'closed') return;
    if (!active) return lane.push(incoming && lane.heldBytes ? bytes.slice() : bytes, 0, priority);
    this.stats.messages++;
    const r = this.#random;
    const o = this.#o;
    if (lane.blackHole) return;
    if (r() < o.drop) {
      this.stats.dropped++;
      lane.blackHole = true;
      const timer = setTimeout(() => this.cut('fault: dropped messages, link declared dead'), o.dropCutMs);
      (timer as { unref?: () => void }).unref?.();
      return;
    }
    let out = bytes;
    if (r() < o.corrupt) {
      out = bytes.slice();
      const n = 1 + Math.floor(r() * 4);
      for (let i = 0; i < n; i++) out[Math.floor(r() * out.length)]! ^= 1 + Math.floor(r() * 255);
      this.stats.corrupted++;
    } else if (incoming) {
      out = bytes.slice(); // the inner transport may reuse its buffer once its listener returns
    }
    const hold = r() < o.delay ? (this.stats.delayed++, r() * o.maxDelayMs) : 0;
    lane.push(out, hold, priority);
    if (r() < o.duplicate && bytes.length > 5 && !HELLO_TYPES.has(bytes[5]!)) {
      this.stats.duplicated++;
      lane.push(out.slice(), hold, priority);
    }
    if (r() < o.disconnect) {
      // After this message has left (or arrived): the cut may still lose it, as a real one would.
      queueMicrotask(() => this.cut('fault: random disconnect'));
    }
  }
}

/**
 * Wraps `transport` so that messages through it suffer the given faults, reproducibly from `seed`. With all
 * probabilities 0 it is a transparent pass-through. Use `stats` for what happened and `cut()` for a scripted cut.
 */
export function faulty(transport: Transport, options: Readonly<Partial<FaultOptions>> = {}): FaultyTransport {
  return new FaultyTransport(transport, options);
}
