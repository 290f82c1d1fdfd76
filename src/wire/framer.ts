// A parser for frames arriving as a byte stream (WebTransport streams, TCP-like pipes), in the manner of ws's
// Receiver: an explicit state machine over a list of chunks. It hands out views into the chunks and copies only
// when a header or payload spans two of them. "Not enough bytes yet" is a value (read() returns undefined), and the
// payload limit is checked as soon as the header is in, before any payload is waited for.
import { CHECKSUM_SIZE, Feature, HEADER_SIZE, MAX_PAYLOAD } from './constants.js';
import { crc32c } from './crc32c.js';
import type { WireError } from './errors.js';
import { type Frame, checkTrailer, toFrame } from './frame.js';
import { headerFields, readHeaderBytes, u32 } from './header.js';

const EMPTY = /* @__PURE__ */ new Uint8Array(0);

const enum State {
  Header,
  Payload,
  Failed,
}

export interface FrameReaderOptions {
  /** Largest payload_len accepted, in bytes. Default: MAX_PAYLOAD (64 MiB). */
  maxPayload: number;
}

/**
 * Turns pushed chunks into frames. Chunks are kept by reference: do not reuse a buffer after pushing it.
 * After the first bad frame the reader stays failed and every read() rethrows that same WireError: a byte
 * stream cannot resync reliably, so the transport should close with the error's status.
 */
export class FrameReader {
  readonly #maxPayload: number;
  // Consumed chunks are skipped by #head, not shifted out: shift() moves every later chunk, so a frame that came in
  // a byte at a time (a peer decides how its stream is cut) would cost the square of its length to take.
  #chunks: Uint8Array[] = [];
  #head = 0; // index of the first unread chunk
  #offset = 0; // read position in #chunks[#head]
  #buffered = 0;
  #state = State.Header;
  #error: WireError | undefined;
  readonly #header = headerFields();

  constructor(options: Readonly<Partial<FrameReaderOptions>> = {}) {
    this.#maxPayload = Math.min(options.maxPayload ?? MAX_PAYLOAD, MAX_PAYLOAD);
  }

  /** Bytes received but not yet returned as frames. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Adds received bytes. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0 || this.#state === State.Failed) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /** The next complete frame, or undefined until more bytes are pushed. Throws WireError on a bad frame. */
  read(): Frame | undefined {
    const bytes = this.readBytes();
    if (bytes === undefined) return undefined;
    try {
      const h = this.#header;
      const end = HEADER_SIZE + h.payloadLength;
      if (h.features & Feature.CHECKSUM) checkTrailer(u32(bytes, end), crc32c(bytes.subarray(0, end)));
      return toFrame(h, bytes.subarray(HEADER_SIZE, end));
    } catch (error) {
      throw this.#fail(error as WireError);
    }
  }

  /**
   * The next complete frame's bytes (header, payload, trailer) without decoding them, or undefined until more
   * bytes are pushed: for transports that only delimit frames and leave decoding to the session. Checks the header
   * (magic, version, type, payload limit) but not the checksum. A view when one chunk holds the frame, else a copy.
   * Throws WireError on a bad header.
   */
  readBytes(): Uint8Array | undefined {
    if (this.#state === State.Failed) throw this.#error!;
    try {
      const h = this.#header;
      if (this.#state === State.Header) {
        if (this.#buffered < HEADER_SIZE) return undefined;
        const first = this.#chunks[this.#head]!;
        // Peek, do not take: the header stays in the buffer so the whole frame comes out as one piece.
        const header = first.length - this.#offset >= HEADER_SIZE ? first.subarray(this.#offset, this.#offset + HEADER_SIZE) : this.#peek(HEADER_SIZE);
        readHeaderBytes(header, 0, h, this.#maxPayload); // no DataView per frame
        this.#state = State.Payload;
      }
      const size = HEADER_SIZE + h.payloadLength + (h.features & Feature.CHECKSUM ? CHECKSUM_SIZE : 0);
      if (this.#buffered < size) return undefined;
      this.#state = State.Header;
      return this.#take(size);
    } catch (error) {
      throw this.#fail(error as WireError);
    }
  }

  #fail(error: WireError): WireError {
    this.#state = State.Failed;
    this.#error = error;
    this.#chunks = [];
    this.#head = 0;
    this.#buffered = 0;
    return error;
  }

  /** A copy of the next n buffered bytes, left in the buffer. */
  #peek(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let offset = this.#offset;
    for (let filled = 0, i = this.#head; filled < n; i++, offset = 0) {
      const chunk = this.#chunks[i]!;
      const part = Math.min(n - filled, chunk.length - offset);
      out.set(chunk.subarray(offset, offset + part), filled);
      filled += part;
    }
    return out;
  }

  /** The next n buffered bytes: a view when one chunk holds them all, else a copy. */
  #take(n: number): Uint8Array {
    if (n === 0) return EMPTY;
    this.#buffered -= n;
    const first = this.#chunks[this.#head]!;
    if (first.length - this.#offset >= n) {
      const view = first.subarray(this.#offset, this.#offset + n);
      this.#offset += n;
      if (this.#offset === first.length) this.#drop();
      return view;
    }
    const out = new Uint8Array(n);
    for (let filled = 0; filled < n; ) {
      const chunk = this.#chunks[this.#head]!;
      const part = Math.min(n - filled, chunk.length - this.#offset);
      out.set(chunk.subarray(this.#offset, this.#offset + part), filled);
      filled += part;
      this.#offset += part;
      if (this.#offset === chunk.length) this.#drop();
    }
    return out;
  }

  #drop(): void {
    this.#offset = 0;
    if (++this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head); // amortized: each chunk is copied at most once more
      this.#head = 0;
    }
  }
}
