// One end of a shared-memory ring link as a Transport (kind 'ring'). Frames go through three SPSC rings per
// direction (Critical, High, Low) in a WebAssembly memory both threads share; a MessagePort carries only the
// close handshake. The consumer drains Critical first, checks frames in place (CRC when flagged) and hands out views
// into the ring, valid during the listener call. When a ring is full the frames wait here, in order, within
// maxBuffered; ready() is the promise to wait on. Connect with connectWorker() (./worker.ts).
import { type Core } from '../core/wasm.js';
import {
  CTRL_CONSUMER_BELL, CTRL_PRODUCER_BELL, CTRL_PRODUCER_WAITING, DRAIN_MAX, FRAMES_BIT, type LinkLayout, RING_OK,
  type EndpointScratch, createLink, ctrlIndex, endpointScratch, recycleLink, recycleScratch, ringAt, ringCore, threadBell,
} from '../core/ring.js';
import { MAGIC, MAX_PAYLOAD, Status } from '../wire/constants.js';
import { FrameBacklog } from './backlog.js';
import { WireErrorCode, wireError } from '../wire/errors.js';
import { DEFAULT_HIGH_WATER_MARK } from './queue.js';
import { type ReactorOptions, Reactor, ring } from './ring-reactor.js';
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

/**
 * Ring bytes a frame takes: its record header and padding (assembly/ring.ts). bufferedAmount counts these, as the
 * rings do, so a frame weighs the same before and after it is published.
 */
const recordBytes = (size: number): number => (size + 15) & ~7;

function laneOf(priority: number | undefined): 0 | 1 | 2 {
  return priority === 0 ? 0 : priority === 2 ? 2 : 1;
}

/** A record of whole frames when the bytes start with the frame magic; anything else travels unchecked. */
function tagged(frame: Uint8Array): number {
  const n = frame.byteLength;
  return n >= 32 && frame[0] === MAGIC_B0 && frame[1] === 0x4c && frame[2] === 0x4e && frame[3] === 0x4b ? (n | FRAMES_BIT) >>> 0 : n;
}

/** One end of a ring link. Made by connectWorker() / acceptWorker(); `side` 0 sends on direction 0. */
export class RingTransport extends BaseTransport {
  readonly kind = 'ring' as const;
  readonly #core: Core;
  readonly #link: LinkLayout;
  readonly #side: 0 | 1;
  readonly #port: PortLike;
  readonly #reactor: Reactor;
  readonly #tx: number[];
  readonly #rx: number[];
  readonly #scratch: EndpointScratch;
  /** maxFrameBytes, fixed at construction (send() reads it for every frame). */
  readonly #maxFrame: number;
  readonly #hwm: number;
  readonly #maxBuffered: number;
  readonly #maxPayload: number;
  readonly #closeTimeoutMs: number;
  /** Frames the rings had no room for, per lane, copied; #backlogBytes counts them as recordBytes(). */
  readonly #backlog = [new FrameBacklog(), new FrameBacklog(), new FrameBacklog()];
  #backlogBytes = 0;
  /** Bytes reserved in the rings and not yet published (record bytes). */
  #uncommitted = 0;
  /** Lanes (bit per lane) with reserved records not yet published. */
  #dirty = 0;
  #commitScheduled = false;
  #wantDrain = false;
  #peerClosed: { code: number; reason: string } | undefined;
  /** Our close, sent to the peer once the backlog is out. */
  #closingOut: CloseInfo | undefined;
  #closeDeadline = 0;
  #peerDone = false;
  #localDone = false;
  #u32: Uint32Array;
  #bytes: Uint8Array;
  /** The memory's buffer as of #bytes: views made from it directly cost half what subarray() does. */
  #buffer: ArrayBufferLike;
  /** Int32 index of the link's last control slot: views of the memory must reach it. */
  readonly #ctrlEnd: number;

  /** @internal */
  constructor(core: Core, link: LinkLayout, side: 0 | 1, port: PortLike, options: Readonly<Partial<RingOptions>>) {
    super();
    this.#core = core;
    this.#link = link;
    this.#side = side;
    this.#port = port;
    this.#reactor = Reactor.of(core.memory, threadBell(core), options);
    this.#tx = [0, 1, 2].map((l) => ringAt(link, side, l));
    this.#rx = [0, 1, 2].map((l) => ringAt(link, side === 0 ? 1 : 0, l));
    this.#scratch = endpointScratch(core);
    this.#hwm = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    this.#maxBuffered = options.maxBuffered ?? 128 << 20;
    this.#maxFrame = Math.min(core.api.ringMaxRecord(this.#tx[0]!), Math.floor(this.#maxBuffered / 8) * 8 - 8);
    this.#maxPayload = options.maxPayload ?? MAX_PAYLOAD;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 5000;
    this.#bytes = core.bytes();
    this.#buffer = this.#bytes.buffer;
    this.#u32 = new Uint32Array(this.#buffer);
    // Tell the peer where to ring this thread: as consumer of the incoming direction, producer of the outgoing one.
    this.#ctrlEnd = ctrlIndex(link, 1, 15);
    const slots = this.#reactor.slots(this.#ctrlEnd);
    Atomics.store(slots, ctrlIndex(link, side === 0 ? 1 : 0, CTRL_CONSUMER_BELL), this.#reactor.bell);
    Atomics.store(slots, ctrlIndex(link, side, CTRL_PRODUCER_BELL), this.#reactor.bell);
    port.onmessage = (event) => this.#onPort(event.data as PortMessage);
    this.#reactor.add(this);
  }

  /**
   * Bytes accepted by send() and not yet released by the peer: the rings' contents plus frames waiting for room, each
   * frame counted as the rings hold it (with its 8-byte record header, padded to 8).
   */
  get bufferedAmount(): number {
    if (this.#localDone) return 0;
    let used = this.#backlogBytes + this.#uncommitted;
    for (const r of this.#tx) used += this.#core.api.ringUsed(r);
    return used;
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
      throw transportError(TransportErrorCode.TOO_LARGE, `ring transport: a frame of ${size} bytes exceeds the limit of ${this.maxFrameBytes} (half a ring of ${this.#link.laneBytes} bytes)`);
    }
    // The rings hold at most 3 × laneBytes: only ask them (three wasm calls) when that much could matter.
    const need = recordBytes(size);
    const bound = this.#backlogBytes + this.#uncommitted + 3 * this.#link.laneBytes + need;
    const buffered = bound <= this.#maxBuffered ? 0 : this.bufferedAmount;
    if (bound > this.#maxBuffered && buffered + need > this.#maxBuffered) {
      throw transportError(TransportErrorCode.FULL, `ring transport: send buffer full (${buffered} of ${this.#maxBuffered} bytes); await ready() before sending more`);
    }
    const lane = laneOf(priority);
    if (this.state === 'open' && (this.#backlog[lane]!.length === 0 || this.#catchUp(lane))) {
      const at = this.#core.api.ringReserveOne(this.#tx[lane]!, tagged(frame));
      if (at !== 0) {
        this.#place(lane, frame, at);
        this.#publishSoon();
        return;
      }
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
    // a batch would tag and list up to DRAIN_MAX waiting frames each time only to place none.
    const list = this.#backlog[lane]!;
    while (list.length > 0) {
      const frame = list.at(0);
      const at = this.#core.api.ringReserveOne(this.#tx[lane]!, tagged(frame));
      if (at === 0) break;
      this.#place(lane, frame, at);
      this.#backlogBytes -= recordBytes(frame.byteLength);
      list.shift(1);
    }
    this.#publishSoon();
    return list.length === 0;
  }

  /** Copies `frame` into `lane`'s ring at `at`, reserved and not yet published. */
  #place(lane: number, frame: Uint8Array, at: number): void {
    this.#view(at + frame.byteLength).set(frame, at);
    this.#uncommitted += recordBytes(frame.byteLength);
    this.#dirty |= 1 << lane;
  }

  /** Publishes at once when COMMIT_BYTES wait (so the consumer starts while this task still sends), else at its end. */
  #publishSoon(): void {
    if (this.#uncommitted >= COMMIT_BYTES) this.#commit();
    else if (this.#uncommitted > 0) this.#scheduleCommit();
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
      if (this.#uncommitted > 0) this.#commit();
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
    if (this.#peerClosed && this.state !== 'closed' && this.#rx.every((r) => this.#core.api.ringUsed(r) === 0)) {
      this.#peerDone = true;
      this.finish(this.#peerClosed);
      return true;
    }
    if (this.#wantDrain) this.#checkDrain();
    return progress;
  }

  /**
   * A byte view that reaches `end`. Views are re-made only when the memory has grown past them: reading
   * memory.buffer of a shared memory costs more than the copy of a small frame.
   */
  #view(end: number): Uint8Array {
    if (end > this.#bytes.byteLength) {
      this.#bytes = this.#core.bytes();
      this.#buffer = this.#bytes.buffer;
      this.#u32 = new Uint32Array(this.#buffer);
    }
    return this.#bytes;
  }

  #scheduleCommit(): void {
    if (this.#commitScheduled) return;
    this.#commitScheduled = true;
    microtask(() => {
      this.#commitScheduled = false;
      if (this.#uncommitted > 0) this.#commit();
    });
  }

  /** Publishes every lane's reserved records and rings the consumer if it sleeps. */
  #commit(): void {
    const api = this.#core.api;
    for (let lane = 0; lane < 3; lane++) if (this.#dirty & (1 << lane)) api.ringCommit(this.#tx[lane]!);
    this.#dirty = 0;
    this.#uncommitted = 0;
    const bell = Atomics.load(this.#reactor.slots(this.#ctrlEnd), ctrlIndex(this.#link, this.#side, CTRL_CONSUMER_BELL));
    if (bell !== 0) ring(this.#reactor.slots(bell >>> 2), bell >>> 2);
    // Whoever sent likely waits for an answer: keep this thread's loop spinning rather than asleep.
    this.#reactor.kick();
  }

  /** Moves `lane`'s waiting frames into its ring while they fit, many per wasm call; says whether any moved. */
  #moveBacklog(lane: number): boolean {
    const api = this.#core.api;
    const { lens, addrs } = this.#scratch;
    const list = this.#backlog[lane]!;
    let moved = false;
    while (list.length > 0) {
      const u32 = this.#u32;
      const n = Math.min(DRAIN_MAX, list.length);
      for (let i = 0; i < n; i++) u32[(lens >>> 2) + i] = tagged(list.at(i));
      const k = api.ringReserve(this.#tx[lane]!, lens, n, addrs);
      for (let i = 0; i < k; i++) {
        const frame = list.at(i);
        this.#place(lane, frame, u32[(addrs >>> 2) + i]!);
        this.#backlogBytes -= recordBytes(frame.byteLength);
      }
      list.shift(k);
      if (k > 0) moved = true;
      if (k < n) break;
    }
    return moved;
  }

  #flushBacklog(): boolean {
    let moved = false;
    for (let lane = 0; lane < 3; lane++) if (this.#moveBacklog(lane)) moved = true;
    if (moved) this.#commit();
    // Still waiting for room: ask the consumer to ring us when it frees some, then look once more (it may have
    // freed room before it could see the flag).
    const slots = this.#reactor.slots(this.#ctrlEnd);
    const waiting = ctrlIndex(this.#link, this.#side, CTRL_PRODUCER_WAITING);
    if (this.#backlogBytes > 0 || this.#wantDrain) Atomics.store(slots, waiting, 1);
    else Atomics.store(slots, waiting, 0);
    return moved;
  }

  #checkDrain(): void {
    const slots = this.#reactor.slots(this.#ctrlEnd);
    const waiting = ctrlIndex(this.#link, this.#side, CTRL_PRODUCER_WAITING);
    Atomics.store(slots, waiting, 1);
    if (this.hasRoom()) {
      this.#wantDrain = false;
      if (this.#backlogBytes === 0) Atomics.store(slots, waiting, 0);
      this.emitDrain();
    }
  }

  /** Delivers received records, Critical lane first, re-checking higher lanes after every batch. */
  #receive(): boolean {
    const api = this.#core.api;
    const drain = this.#scratch.drain;
    const d = drain >>> 2;
    let progress = false;
    for (let batches = 0; batches < 64; batches++) {
      let got = 0;
      for (let lane = 0; lane < 3 && got === 0; lane++) {
        const r = this.#rx[lane]!;
        const n = api.ringDrain(r, drain, DRAIN_MAX, this.#maxPayload);
        const u32 = this.#u32;
        const status = u32[d]!;
        const tail = u32[d + 1]!;
        for (let i = 0; i < n; i++) {
          const at = u32[d + 2 + 2 * i]!;
          const len = u32[d + 3 + 2 * i]!;
          if (at + len > this.#bytes.byteLength) this.#view(at + len);
          try {
            this.emitMessage(new Uint8Array(this.#buffer, at, len));
          } catch (error) {
            // As in an event dispatch: the listener's error is reported, and delivery goes on.
            reportLater(error);
          }
          if (this.state === 'closed' && !this.#peerClosed) break; // a listener closed us: the rest is not ours
        }
        if (n > 0 || status !== RING_OK) {
          api.ringRelease(r, tail);
          this.#ringProducer();
        }
        if (status !== RING_OK) {
          this.#corrupt(status);
          return true;
        }
        got = n;
        if (this.state === 'closed' && !this.#peerClosed) return true;
      }
      if (got === 0) break;
      progress = true;
    }
    return progress;
  }

  #ringProducer(): void {
    const slots = this.#reactor.slots(this.#ctrlEnd);
    const dir = this.#side === 0 ? 1 : 0;
    if (Atomics.load(slots, ctrlIndex(this.#link, dir, CTRL_PRODUCER_WAITING)) === 0) return;
    const bell = Atomics.load(slots, ctrlIndex(this.#link, dir, CTRL_PRODUCER_BELL));
    if (bell !== 0) ring(this.#reactor.slots(bell >>> 2), bell >>> 2);
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
    recycleScratch(this.#core, this.#scratch);
    this.#backlog.forEach((l) => l.clear());
    this.#backlogBytes = 0;
    this.#release();
  }

  /** Once both ends are done with the link, the side that allocated it keeps it for reuse. */
  #release(): void {
    if (!this.#localDone || !this.#peerDone) return;
    this.#port.onmessage = null;
    this.#port.close();
    if (this.#side === 0) recycleLink(this.#core, this.#link);
  }
}

/**
 * Two connected ring transports in this thread (both ends of one link), open in the next task: for tests of the
 * layers above, and to measure the ring without a worker. Needs the wasm core (await init() first).
 */
export function ringPair(options: Readonly<Partial<RingOptions>> = {}): [RingTransport, RingTransport] {
  const core = ringCore();
  const link = createLink(core, options.laneBytes ?? DEFAULT_LANE_BYTES);
  const { port1, port2 } = new MessageChannel();
  const a = new RingTransport(core, link, 0, port1 as unknown as PortLike, options);
  const b = new RingTransport(core, link, 1, port2 as unknown as PortLike, options);
  setTimeout(() => {
    a.opened();
    b.opened();
  }, 0);
  return [a, b];
}
