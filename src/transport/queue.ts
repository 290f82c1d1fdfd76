// What the JavaScript-side transports (memory, postmessage) share: the send-side buffer with its limits and
// priority lanes, and the rule that decides which bytes a transport may keep after send() returns.
import { CHECKSUM_SIZE, HEADER_SIZE, MAX_PAYLOAD } from '../wire/constants.js';
import { Priority, TransportErrorCode, transportError } from './transport.js';

/** Limits of a transport's send buffer. */
export interface BufferOptions {
  /** ready() waits while bufferedAmount is at or above this many bytes. Default: 1 MiB. */
  highWaterMark: number;
  /**
   * send() throws FULL when bufferedAmount would pass this many bytes, and TOO_LARGE for a single frame larger than
   * this (or than the largest frame the wire allows). Default: 128 MiB.
   */
  maxBuffered: number;
}

/** Default of BufferOptions.highWaterMark: 1 MiB. */
export const DEFAULT_HIGH_WATER_MARK = 1 << 20;
/** Default of BufferOptions.maxBuffered: 128 MiB, room for two frames of the largest size the wire allows. */
export const DEFAULT_MAX_BUFFERED = 128 << 20;
/** The largest frame the wire allows: header, 64 MiB payload, checksum. */
const MAX_FRAME = HEADER_SIZE + MAX_PAYLOAD + CHECKSUM_SIZE;

/**
 * The bytes a transport keeps for a frame given to send(): a frame that spans a whole, unshared ArrayBuffer is taken
 * as it is (it is transferred later, which detaches the caller's view); any other view is copied first, so the
 * caller's larger or shared buffer can be reused at once and nobody can change bytes already sent.
 */
export function ownFrame(frame: Uint8Array): Uint8Array<ArrayBuffer> {
  const { buffer } = frame;
  if (buffer instanceof ArrayBuffer && frame.byteOffset === 0 && frame.byteLength === buffer.byteLength) {
    return frame as Uint8Array<ArrayBuffer>;
  }
  return frame.slice();
}

/** Unknown priorities count as High, the default. */
function lane(priority: number | undefined): 0 | 1 | 2 {
  return priority === Priority.Critical ? 0 : priority === Priority.Low ? 2 : 1;
}

/** One queued frame and the earliest time (ms, performance.now()) it may leave; 0 means at once. */
export interface Queued {
  frame: Uint8Array<ArrayBuffer>;
  at: number;
}

/**
 * A bounded send buffer with three FIFO lanes, served Critical first. Counts the bytes it holds; admit() enforces
 * the limits before anything is queued.
 */
export class FrameQueue {
  readonly highWaterMark: number;
  readonly maxBuffered: number;
  /** Bytes queued. */
  bytes = 0;
  readonly #lanes: Array<{ items: Queued[]; head: number }> = [
    { items: [], head: 0 }, { items: [], head: 0 }, { items: [], head: 0 },
  ];

  constructor(options: Readonly<Partial<BufferOptions>> = {}) {
    this.highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    this.maxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
  }

  /** True while the queue holds less than the high-water mark. */
  get hasRoom(): boolean {
    return this.bytes < this.highWaterMark;
  }

  get empty(): boolean {
    return this.peek() === undefined;
  }

  /** Throws TOO_LARGE for a frame that can never be accepted and FULL when queuing it would pass maxBuffered. */
  admit(frame: Uint8Array, kind: string): void {
    const size = frame.byteLength;
    const limit = Math.min(this.maxBuffered, MAX_FRAME);
    if (size > limit) {
      throw transportError(TransportErrorCode.TOO_LARGE, `${kind} transport: a frame of ${size} bytes exceeds the limit of ${limit}`);
    }
    if (this.bytes + size > this.maxBuffered) {
      throw transportError(TransportErrorCode.FULL, `${kind} transport: send buffer full (${this.bytes} of ${this.maxBuffered} bytes); await ready() before sending more`);
    }
  }

  push(frame: Uint8Array<ArrayBuffer>, priority?: number, at = 0): void {
    this.#lanes[lane(priority)]!.items.push({ frame, at });
    this.bytes += frame.byteLength;
  }

  /** The next frame to leave, without removing it. */
  peek(): Queued | undefined {
    for (const l of this.#lanes) if (l.head < l.items.length) return l.items[l.head];
    return undefined;
  }

  /** Removes and returns the next frame to leave, Critical lane first. */
  shift(): Queued | undefined {
    for (const l of this.#lanes) {
      if (l.head === l.items.length) continue;
      const q = l.items[l.head]!;
      l.items[l.head++] = undefined as unknown as Queued; // let the bytes go
      // Compact now and then instead of Array.shift() on every frame, which is O(n).
      if (l.head === l.items.length) {
        l.items.length = 0;
        l.head = 0;
      } else if (l.head >= 1024 && l.head * 2 >= l.items.length) {
        l.items.splice(0, l.head);
        l.head = 0;
      }
      this.bytes -= q.frame.byteLength;
      return q;
    }
    return undefined;
  }

  clear(): void {
    for (const l of this.#lanes) {
      l.items.length = 0;
      l.head = 0;
    }
    this.bytes = 0;
  }
}
