// One end of a shared-memory ring link as a Transport (kind 'ring'). Frames go through three SPSC rings per
// direction (Critical, High, Low) in a WebAssembly memory both threads share; a MessagePort carries only the
// close handshake. The consumer drains Critical first, checks frames in place (CRC when flagged) and hands out views
// into the ring, valid during the listener call. When a ring is full the frames wait here, in order, within
// maxBuffered; ready() is the promise to wait on. Connect with connectWorker() (./worker.ts).
// The rings themselves — their memory, the wasm calls, the bells — are a RingEnd's business (src/core/ring.ts).
import { RING_OK, RingEnd, type RingStorage, recordBytes, ringStorage } from '../core/ring.js';
import { MAGIC, MAX_PAYLOAD, Status } from '../wire/constants.js';
import { FrameBacklog } from './backlog.js';
import { WireErrorCode, wireError } from '../wire/errors.js';
import { DEFAULT_HIGH_WATER_MARK } from './queue.js';
import { type ReactorOptions, Reactor } from './ring-reactor.js';
import { BaseTransport, type CloseInfo, CloseCode, type Priority, TransportErrorCode, transportError } from './transport.js';
import { microtask } from './microtask.js';

/** A MessagePort as both browsers and Node's worker_threads have it. */
export interface PortLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}

export interface RingOptions extends ReactorOptions {
  /** Data bytes of each of the six rings of a link (a power of two); frames up to half of it fit. Default 1 MiB. */
  laneBytes: number;
  /** ready() waits while bufferedAmount is at or above this. Default 1 MiB. */
  highWaterMark: number;
  /** send() throws FULL when bufferedAmount would pass this (frames in the rings count). Default 128 MiB. */
  maxBuffered: number;
  /** Largest frame payload the consumer's in-place check accepts. Default 64 MiB (the wire's limit). */
  maxPayload: number;
  /** How long a closing side keeps pushing frames the rings had no room for, in ms. Default 5000. */
  closeTimeoutMs: number;
}

/** Default RingOptions.laneBytes: 1 MiB. */
export const DEFAULT_LANE_BYTES = 1 << 20;

/**
 * Bytes reserved in a task after which send() publishes them at once (one atomic store, and a bell if asleep),
 * instead of at the end of the task: a sender that fills the ring in one synchronous loop would otherwise keep the
 * consumer idle until the loop yields, and the two threads would take turns instead of working at once.
 */
const COMMIT_BYTES = 8 * 1024;

/** Messages on the link's port. */
type PortMessage = { t: 'close'; code: number; reason: string } | { t: 'closed' };

const MAGIC_B0 = MAGIC >>> 24;
const STATUS_ERRORS: Record<number, { code: (typeof WireErrorCode)[keyof typeof WireErrorCode]; what: string }> = {
  [Status.ChecksumMismatch]: { code: WireErrorCode.CHECKSUM, what: 'checksum mismatch' },
  [Status.UnsupportedVersion]: { code: WireErrorCode.BAD_VERSION, what: 'unsupported frame version' },
  [Status.PayloadTooLarge]: { code: WireErrorCode.TOO_LARGE, what: 'frame payload too large' },
};

/** Rethrows outside the delivery loop, where the runtime reports it as uncaught (reportError in browsers). */
function reportLater(error: unknown): void {
  const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
  if (report) report(error);
  else setTimeout(() => {
    throw error;
  }, 0);
}

function laneOf(priority: number | undefined): 0 | 1 | 2 {
  return priority === 0 ? 0 : priority === 2 ? 2 : 1;
}

/** Bytes that start with the frame magic are whole frames, checked in place by the consumer; others travel unchecked. */
function isFrame(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 32 && bytes[0] === MAGIC_B0 && bytes[1] === 0x4c && bytes[2] === 0x4e && bytes[3] === 0x4b;
}

/** One end of a ring link. Made by connectWorker() / acceptWorker(); `side` 0 sends on direction 0. */
export class RingTransport extends BaseTransport {
  readonly kind = 'ring' as const;
  readonly #end: RingEnd;
  readonly #side: 0 | 1;
  readonly #port: PortLike;
  readonly #reactor: Reactor;
  /** maxFrameBytes, fixed at construction (send() reads it for every frame). */
  readonly #maxFrame: number;
  readonly #hwm: number;
  readonly #maxBuffered: number;
  readonly #closeTimeoutMs: number;
  /** Frames the rings had no room for, per lane, copied; #backlogBytes counts them as recordBytes(). */
  readonly #backlog = [new FrameBacklog(), new FrameBacklog(), new FrameBacklog()];
  #backlogBytes = 0;
  #commitScheduled = false;
  #wantDrain = false;
  #peerClosed: { code: number; reason: string } | undefined;
  /** Our close, sent to the peer once the backlog is out. */
  #closingOut: CloseInfo | undefined;
  #closeDeadline = 0;
  #peerDone = false;
  #localDone = false;

  /** @internal Wraps `storage` (from ringStorage()) as `side`; needs the wasm core (init()). */
  constructor(storage: RingStorage, side: 0 | 1, port: PortLike, options: Readonly<Partial<RingOptions>>) {
    super();
    this.#end = new RingEnd(storage, side, { framed: isFrame, maxPayload: options.maxPayload ?? MAX_PAYLOAD });
    this.#side = side;
    this.#port = port;
    this.#reactor = Reactor.of(this.#end.bell, options);
    this.#hwm = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    this.#maxBuffered = options.maxBuffered ?? 128 << 20;
    this.#maxFrame = Math.min(this.#end.maxRecord, Math.floor(this.#maxBuffered / 8) * 8 - 8);
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 5000;
    port.onmessage = (event) => this.#onPort(event.data as PortMessage);
    this.#reactor.add(this);
  }

  /**
   * Bytes accepted by send() and not yet released by the peer: the rings' contents plus frames waiting for room, each
   * frame counted as the rings hold it (with its 8-byte record header, padded to 8).
   */
  get bufferedAmount(): number {
    if (this.#localDone) return 0;
    return this.#backlogBytes + this.#end.outgoing();
  }

  /** The largest frame this link carries: half a ring, less the record header (and within maxBuffered as a record). */
  get maxFrameBytes(): number {
    return this.#maxFrame;
  }

  /**
   * Copies the frame into its lane's ring (or, when that ring is full, into the backlog); the consumer sees it at
   * the end of the current task, or at once every 8 KiB (COMMIT_BYTES). Throws TOO_LARGE for a frame above
   * maxFrameBytes, FULL past maxBuffered.
   */
  send(frame: Uint8Array, priority?: Priority): void {
    if (this.state === 'closed') throw this.closedError();
    const size = frame.byteLength;
    if (size > this.#maxFrame) {
      throw transportError(TransportErrorCode.TOO_LARGE, `ring transport: a frame of ${size} bytes exceeds the limit of ${this.maxFrameBytes} (half a ring of ${this.#end.laneBytes} bytes)`);
    }
    // Only ask the rings how full they are (three wasm calls) when their whole capacity could matter.
    const need = recordBytes(size);
    const bound = this.#backlogBytes + this.#end.capacity + need;
    const buffered = bound <= this.#maxBuffered ? 0 : this.bufferedAmount;
    if (bound > this.#maxBuffered && buffered + need > this.#maxBuffered) {
      throw transportError(TransportErrorCode.FULL, `ring transport: send buffer full (${buffered} of ${this.#maxBuffered} bytes); await ready() before sending more`);
    }
    const lane = laneOf(priority);
    if (this.state === 'open' && (this.#backlog[lane]!.length === 0 || this.#catchUp(lane)) && this.#end.reserve(lane, frame)) {
      this.#publishSoon();
      return;
    }
    this.#backlog[lane]!.push(frame);
    this.#backlogBytes += need;
    if (this.state === 'open') this.#reactor.kick();
  }

  /**
   * Moves `lane`'s waiting frames into its ring while they fit, and says whether none is left waiting. send() calls
   * it so that a long synchronous run of sends keeps feeding the ring as the consumer frees room, instead of piling
   * everything up for the next pump (which cannot run before the sending task ends).
   */
  #catchUp(lane: number): boolean {
    // One frame per wasm call, not #moveBacklog's batches: while the ring stays full this runs for every send, and
    // a batch would tag and list up to 512 waiting frames each time only to place none.
    const list = this.#backlog[lane]!;
    while (list.length > 0) {
      const frame = list.at(0);
      if (!this.#end.reserve(lane, frame)) break;
      this.#backlogBytes -= recordBytes(frame.byteLength);
      list.shift(1);
    }
    this.#publishSoon();
    return list.length === 0;
  }

  /** Publishes at once when COMMIT_BYTES wait (so the consumer starts while this task still sends), else at its end. */
  #publishSoon(): void {
    const reserved = this.#end.reserved;
    if (reserved >= COMMIT_BYTES) this.#commit();
    else if (reserved > 0) this.#scheduleCommit();
  }

  override ready(): Promise<void> {
    const p = super.ready();
    // Not "if there is still no room": the consumer thread may free room between super.ready()'s look and a second
    // one, which would leave the waiter with nobody to wake it. The loop's next look settles it either way.
    if (this.state !== 'closed') {
      this.#wantDrain = true;
      this.#reactor.kick();
    }
    return p;
  }

  protected hasRoom(): boolean {
    return this.bufferedAmount < this.#hwm;
  }

  /** @internal The handshake finished: frames may flow. */
  opened(): void {
    this.emitOpen();
    this.#reactor.kick();
  }

  /** @internal The peer thread died or vanished: everything pending ends with PEER_GONE. */
  lost(reason: string): void {
    this.#peerDone = true;
    if (this.#closingOut) {
      this.#closingOut = undefined;
      this.#finishLocal();
    }
    this.finish({ code: CloseCode.Abnormal, reason, error: transportError(TransportErrorCode.PEER_GONE, `ring transport: peer gone (${reason})`) });
    this.#release();
  }

  /** @internal The loop caught `error` from pump(): a bug, not the peer's doing. Closes with 1011. */
  fail(error: unknown): void {
    this.#closingOut = undefined;
    this.finish({
      code: CloseCode.InternalError,
      reason: 'internal error',
      error: transportError(TransportErrorCode.PROTOCOL, `ring transport: internal error: ${(error as Error)?.message ?? error}`, error),
    });
    this.#post({ t: 'close', code: CloseCode.InternalError, reason: 'internal error' });
    this.#finishLocal();
  }

  protected onClose(info: CloseInfo): void {
    if (this.#peerDone) {
      // Closed by the peer's close (ack it, so the allocating side may reuse the memory) or by its death.
      if (this.#peerClosed) this.#post({ t: 'closed' });
      this.#finishLocal();
      return;
    }
    this.#closingOut = info;
    this.#closeDeadline = performance.now() + this.#closeTimeoutMs;
    this.#reactor.kick();
  }

  /** Moves what can move: backlog into the rings, received records to the listeners, the close handshake. */
  pump(): boolean {
    if (this.#localDone) return false;
    let progress = false;
    if (this.state === 'open' || this.#closingOut) {
      if (this.#backlogBytes > 0) progress = this.#flushBacklog();
      if (this.#end.reserved > 0) this.#commit();
    }
    if (this.#closingOut) {
      if (this.#backlogBytes === 0 || performance.now() > this.#closeDeadline) {
        const { code, reason } = this.#closingOut;
        this.#closingOut = undefined;
        this.#post({ t: 'close', code, reason });
        this.#finishLocal();
      }
      return progress;
    }
    if (this.state === 'open' || (this.#peerClosed && this.state !== 'closed')) {
      if (this.#receive()) progress = true;
    }
    if (this.#peerClosed && this.state !== 'closed' && this.#end.incomingEmpty()) {
      this.#peerDone = true;
      this.finish(this.#peerClosed);
      return true;
    }
    if (this.#wantDrain) this.#checkDrain();
    return progress;
  }

  #scheduleCommit(): void {
    if (this.#commitScheduled) return;
    this.#commitScheduled = true;
    microtask(() => {
      this.#commitScheduled = false;
      if (this.#end.reserved > 0) this.#commit();
    });
  }

  /** Publishes every lane's reserved records (ringing the consumer if it sleeps). */
  #commit(): void {
    this.#end.commit();
    // Whoever sent likely waits for an answer: keep this thread's loop spinning rather than asleep.
    this.#reactor.kick();
  }

  /** Moves `lane`'s waiting frames into its ring while they fit, many per wasm call; says whether any moved. */
  #moveBacklog(lane: number): boolean {
    const list = this.#backlog[lane]!;
    const k = this.#end.reserveFrom(lane, list);
    for (let i = 0; i < k; i++) this.#backlogBytes -= recordBytes(list.at(i).byteLength);
    list.shift(k);
    return k > 0;
  }

  #flushBacklog(): boolean {
    let moved = false;
    for (let lane = 0; lane < 3; lane++) if (this.#moveBacklog(lane)) moved = true;
    if (moved) this.#commit();
    // Still waiting for room: ask the consumer to ring us when it frees some; the next pump looks once more (it may
    // have freed room before it could see the flag).
    this.#end.wantRoom(this.#backlogBytes > 0 || this.#wantDrain);
    return moved;
  }

  #checkDrain(): void {
    this.#end.wantRoom(true);
    if (this.hasRoom()) {
      this.#wantDrain = false;
      if (this.#backlogBytes === 0) this.#end.wantRoom(false);
      this.emitDrain();
    }
  }

  /** Delivers received records, Critical lane first, re-checking higher lanes after every batch (drainFirst). */
  #receive(): boolean {
    const end = this.#end;
    let progress = false;
    for (let batches = 0; batches < 64; batches++) {
      const n = end.drainFirst();
      for (let i = 0; i < n; i++) {
        try {
          this.emitMessage(end.record(i));
        } catch (error) {
          // As in an event dispatch: the listener's error is reported, and delivery goes on.
          reportLater(error);
        }
        if (this.state === 'closed' && !this.#peerClosed) break; // a listener closed us: the rest is not ours
      }
      const status = end.release();
      if (status !== RING_OK) {
        this.#corrupt(status);
        return true;
      }
      if (this.state === 'closed' && !this.#peerClosed) return true;
      if (n === 0) break;
      progress = true;
    }
    return progress;
  }

  /** Bad bytes in the ring: the channel cannot resync without a gap, so it closes with the reason. */
  #corrupt(status: number): void {
    const known = STATUS_ERRORS[status] ?? { code: WireErrorCode.BAD_MAGIC, what: 'invalid record or frame' };
    const error = wireError(known.code, `ring transport: ${known.what} in the incoming ring`);
    this.finish({ code: CloseCode.ProtocolError, reason: known.what, error });
  }

  #onPort(message: PortMessage): void {
    if (message.t === 'close') {
      if (this.state === 'closed') {
        this.#peerDone = true;
        this.#release();
        return;
      }
      this.#peerClosed = { code: message.code, reason: message.reason };
      this.#reactor.kick();
    } else if (message.t === 'closed') {
      this.#peerDone = true;
      this.#release();
    }
  }

  #post(message: PortMessage): void {
    try {
      this.#port.postMessage(message);
    } catch {
      // The port is gone with its worker: the peer learns of it through its own liveness watch.
    }
  }

  #finishLocal(): void {
    if (this.#localDone) return;
    this.#localDone = true;
    this.#reactor.remove(this);
    this.#end.free();
    this.#backlog.forEach((l) => l.clear());
    this.#backlogBytes = 0;
    this.#release();
  }

  /** Once both ends are done with the link, the side that allocated it keeps it for reuse. */
  #release(): void {
    if (!this.#localDone || !this.#peerDone) return;
    this.#port.onmessage = null;
    this.#port.close();
    if (this.#side === 0) this.#end.freeStorage();
  }
}

/**
 * Two connected ring transports in this thread (both ends of one link), open in the next task: for tests of the
 * layers above, and to measure the ring without a worker. Needs the wasm core (await init() first).
 */
export function ringPair(options: Readonly<Partial<RingOptions>> = {}): [RingTransport, RingTransport] {
  const storage = ringStorage(options.laneBytes ?? DEFAULT_LANE_BYTES);
  const { port1, port2 } = new MessageChannel();
  const a = new RingTransport(storage, 0, port1 as unknown as PortLike, options);
  const b = new RingTransport(storage, 1, port2 as unknown as PortLike, options);
  setTimeout(() => {
    a.opened();
    b.opened();
  }, 0);
  return [a, b];
}
