// A parser for frames arriving as a byte stream (WebTransport streams, TCP-like pipes), in the manner of ws's
// Receiver: an explicit state machine over a list of chunks. It hands out views into the chunks and copies only
// when a header or payload spans two of them. "Not enough bytes yet" is a value (read() returns undefined), and the
// payload limit is checked as soon as the header is in, before any payload is waited for.
import { CHECKSUM_SIZE, Feature, HEADER_SIZE, MAX_PAYLOAD } from './constants.js';
import { crc32c } from './crc32c.js';
import type { WireError } from './errors.js';
import { type Frame, checkTrailer, toFrame } from './frame.js';
import { headerFields, readHeaderBytes, u32 } from './header.js';

const EMPTY = new Uint8Array(0);

const enum State {
  Header,
  Payload,
  Failed,
}

export interface FrameReaderOptions {
  /** Largest payload_len accepted, in bytes. Default: MAX_PAYLOAD (64 MiB). */
  maxPayload?: number;
}

/**
 * Turns pushed chunks into frames. Chunks are kept by reference: do not reuse a buffer after pushing it.
 * After the first bad frame the reader stays failed and every read() rethrows that same WireError: a byte
 * stream cannot resync reliably, so the transport should close with the error's status.
 */
export class FrameReader {
  readonly #maxPayload: number;
  readonly #chunks: Uint8Array[] = [];
  #offset = 0; // read position in #chunks[0]
  #buffered = 0;
  #state = State.Header;
  #error: WireError | undefined;
  readonly #header = headerFields();
  #headerBytes: Uint8Array | undefined;

  constructor(options: Readonly<FrameReaderOptions> = {}) {
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
    if (this.#state === State.Failed) throw this.#error!;
    try {
      if (this.#state === State.Header) {
        if (this.#buffered < HEADER_SIZE) return undefined;
        const bytes = this.#take(HEADER_SIZE);
        readHeaderBytes(bytes, 0, this.#header, this.#maxPayload); // no DataView per frame
        this.#headerBytes = bytes;
        this.#state = State.Payload;
      }
      const h = this.#header;
      const checksum = (h.features & Feature.CHECKSUM) !== 0;
      const need = h.payloadLength + (checksum ? CHECKSUM_SIZE : 0);
      if (this.#buffered < need) return undefined;
      const body = this.#take(need);
      const payload = body.subarray(0, h.payloadLength);
      if (checksum) {
        const trailer = u32(body, h.payloadLength);
        checkTrailer(trailer, crc32c(payload, crc32c(this.#headerBytes!)));
      }
      this.#state = State.Header;
      this.#headerBytes = undefined;
      return toFrame(h, payload);
    } catch (error) {
      this.#state = State.Failed;
      this.#error = error as WireError;
      this.#chunks.length = 0;
      this.#buffered = 0;
      throw error;
    }
  }

  /** The next n buffered bytes: a view when one chunk holds them all, else a copy. */
  #take(n: number): Uint8Array {
    if (n === 0) return EMPTY;
    this.#buffered -= n;
    const first = this.#chunks[0]!;
    if (first.length - this.#offset >= n) {
      const view = first.subarray(this.#offset, this.#offset + n);
      this.#offset += n;
      if (this.#offset === first.length) this.#drop();
      return view;
    }
    const out = new Uint8Array(n);
    for (let filled = 0; filled < n; ) {
      const chunk = this.#chunks[0]!;
      const part = Math.min(n - filled, chunk.length - this.#offset);
      out.set(chunk.subarray(this.#offset, this.#offset + part), filled);
      filled += part;
      this.#offset += part;
      if (this.#offset === chunk.length) this.#drop();
    }
    return out;
  }

  #drop(): void {
    this.#chunks.shift();
    this.#offset = 0;
  }
}
