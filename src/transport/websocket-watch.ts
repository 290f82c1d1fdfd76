// Watches the WebSocket frames a client sends, as raw bytes off the TCP socket, for their sizes alone (RFC 6455
// §5.2): nothing is unmasked or kept. A server fed by `ws` learns a message's size only once `ws` has buffered it
// whole; this reads each frame's header as it arrives, so a message announced larger than a limit is refused before
// its payload is read. ws's receiver (lib/receiver.js) is the model: an explicit state per header part.

const enum State {
  Info,
  Length16,
  Length64,
  Mask,
  Payload,
}

/** Why `feed` refused: the message or the byte total passed its limit. */
export type WatchVerdict = 'ok' | 'message' | 'total';

export class WebSocketWatch {
  readonly #maxMessage: number;
  readonly #maxTotal: number;
  #state = State.Info;
  /** Header bytes of the frame being read (at most 8 at a time: the 64-bit length). */
  readonly #header = new Uint8Array(8);
  #have = 0;
  #fin = false;
  #control = false;
  #masked = false;
  /** Payload bytes of the current frame still to skip. */
  #skip = 0;
  /** Payload bytes of the data message being read so far (its fragments summed). */
  #message = 0;
  /** Every byte fed. */
  total = 0;

  /** `maxMessage`: payload bytes of one data message (fragments summed); `maxTotal`: bytes overall, framing included. */
  constructor(maxMessage: number, maxTotal: number) {
    this.#maxMessage = maxMessage;
    this.#maxTotal = maxTotal;
  }

  /** Reads `chunk`; says which limit it passed, if any (the caller then drops the connection). */
  feed(chunk: Uint8Array): WatchVerdict {
    this.total += chunk.length;
    if (this.total > this.#maxTotal) return 'total';
    let at = 0;
    while (at < chunk.length) {
      if (this.#state === State.Payload) {
        const n = Math.min(this.#skip, chunk.length - at);
        this.#skip -= n;
        at += n;
        if (this.#skip === 0) this.#endFrame();
        continue;
      }
      const want = this.#want();
      const n = Math.min(want - this.#have, chunk.length - at);
      this.#header.set(chunk.subarray(at, at + n), this.#have);
      this.#have += n;
      at += n;
      if (this.#have < want) break;
      this.#have = 0;
      if (!this.#advance()) return 'message';
    }
    return 'ok';
  }

  #want(): number {
    switch (this.#state) {
      case State.Info: return 2;
      case State.Length16: return 2;
      case State.Length64: return 8;
      default: return 4;
    }
  }

  /** A header part is complete: move on. False when the frame makes its message too big. */
  #advance(): boolean {
    const h = this.#header;
    switch (this.#state) {
      case State.Info: {
        this.#fin = (h[0]! & 0x80) !== 0;
        this.#control = (h[0]! & 0x08) !== 0;
        this.#masked = (h[1]! & 0x80) !== 0;
        const length = h[1]! & 0x7f;
        if (length === 126) this.#state = State.Length16;
        else if (length === 127) this.#state = State.Length64;
        else return this.#length(length);
        return true;
      }
      case State.Length16:
        return this.#length((h[0]! << 8) | h[1]!);
      case State.Length64: {
        const high = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
        // Anything of 4 GiB or more is past every limit; the low word alone is exact below that.
        if (high !== 0) return false;
        return this.#length(((h[4]! << 24) | (h[5]! << 16) | (h[6]! << 8) | h[7]!) >>> 0);
      }
      case State.Mask:
        return this.#payload();
      default:
        return true;
    }
  }

  #length(length: number): boolean {
    this.#skip = length;
    // Control frames (ping, pong, close) sit between a message's fragments and are not part of it.
    if (!this.#control) {
      this.#message += length;
      if (this.#message > this.#maxMessage) return false;
    }
    if (this.#masked) {
      this.#state = State.Mask;
      return true;
    }
    return this.#payload();
  }

  #payload(): boolean {
    this.#state = State.Payload;
    if (this.#skip === 0) this.#endFrame();
    return true;
  }

  #endFrame(): void {
    if (this.#fin && !this.#control) this.#message = 0;
    this.#state = State.Info;
  }
}
