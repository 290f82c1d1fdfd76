// One WebTransport session as a Transport. Frames travel over one bidirectional stream, back to back with no
// extra framing (the stream framer, FrameReader.readBytes, finds their ends); the client opens the stream, the
// server takes the first one the client opens. The same class wraps a browser/Deno client (connectWebTransport)
// and a server-side session (acceptWebTransport: Deno.upgradeWebTransport's, anything WHATWG-shaped).
//
// Sending: frames queued while the stream writer is busy are coalesced into one write (up to maxChunkBytes), and
// the next write waits for writer.ready, so many small frames cost one stream write per turn, not one each.
// Closing: WebTransport's close() resets its streams at once and loses bytes still in flight, and Deno 2.9 never
// reports a stream's FIN to the reader, so a close first lets the last writes settle, lingers closeLingerMs, then
// closes the session with the close code as `closeCode` (WebSocket's numbers). A reader that loses its stream
// takes the code from `wt.closed`, which is always handled (an unhandled rejection ends a Deno process).
import { CHECKSUM_SIZE, Feature, HEADER_SIZE, MAX_PAYLOAD, MessageType } from '../wire/constants.js';
import { WireError } from '../wire/errors.js';
import { encodeFrame } from '../wire/frame.js';
import { FrameReader } from '../wire/framer.js';
import { BaseTransport, CloseCode, Priority, TransportError, TransportErrorCode, transportError } from './transport.js';
import type { CloseInfo } from './transport.js';
import { FrameQueue } from './queue.js';
import { clipUtf8 } from './close-reason.js';
import { connectFailed } from './connect-failure.js';
import { createDebug } from '../core/debug.js';
import { concat } from '../core/concat.js';

const debug = /* @__PURE__ */ createDebug('swarmwire:transport');

/** The WebTransport close info: closeCode is an application code, here WebSocket's close codes. */
export interface WebTransportCloseInfoLike {
  closeCode?: number;
  reason?: string;
}

/** A bidirectional stream as WebTransport hands it out. */
export interface WebTransportStreamLike {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

/** The part of the WHATWG WebTransport API this transport uses; browsers' and Deno's sessions fit. */
export interface WebTransportLike {
  readonly ready: Promise<unknown>;
  readonly closed: Promise<WebTransportCloseInfoLike>;
  readonly incomingBidirectionalStreams: ReadableStream<WebTransportStreamLike>;
  readonly datagrams?: { readonly readable: ReadableStream<Uint8Array>; readonly writable: WritableStream<Uint8Array>; readonly maxDatagramSize?: number };
  createBidirectionalStream(): Promise<WebTransportStreamLike>;
  close(info?: WebTransportCloseInfoLike): void;
}

/** A WebTransport class: the platform's (browsers; Deno with --unstable-net) or a stand-in for tests. */
export type WebTransportConstructor = new (url: string, options?: { serverCertificateHashes?: Array<{ algorithm: string; value: BufferSource }> }) => WebTransportLike;

export interface WebTransportOptions {
  /** Largest frame payload accepted from the stream; a larger header closes with 1009. Default 64 MiB. */
  maxPayload: number;
  /** ready() waits while bufferedAmount is at or above this. Default 1 MiB. */
  highWaterMark: number;
  /** send() throws FULL past this while above the high-water mark. Default 16 MiB. */
  maxBuffered: number;
  /** Most bytes coalesced into one stream write. Default 256 KiB. */
  maxChunkBytes: number;
  /** Deadline for the session and its stream to be ready. Default 10 000 ms. */
  connectTimeoutMs: number;
  /** How long a closing side waits for its last writes to arrive before it closes the session. Default 100 ms. */
  closeLingerMs: number;
  /**
   * Send best-effort frames as datagrams: a single frame of Priority.Low without ACK_REQUIRED that fits
   * maxDatagramSize. Such frames may be lost or overtake others. Received datagrams are delivered like stream
   * frames whatever this says, so only the sender opts in. Default false.
   */
  datagrams: boolean;
}

export interface ConnectWebTransportOptions extends WebTransportOptions {
  /**
   * SHA-256 hashes of the server's certificate (bytes or hex), for self-signed certificates valid ≤ 14 days (what
   * `swarmwire relay --deno` prints). Default none: the certificate must chain to a trusted root.
   */
  serverCertificateHashes: ReadonlyArray<Uint8Array | string>;
  /** The WebTransport class. Default globalThis.WebTransport; without one the transport fails with CONNECT_FAILED. */
  WebTransport: WebTransportConstructor;
}

type Writer = WritableStreamDefaultWriter<Uint8Array>;

/** A Transport over one WebTransport session. Frames given to send() must not be modified afterwards. */
export class WebTransportTransport extends BaseTransport {
  readonly kind = 'webtransport' as const;
  readonly #options: WebTransportOptions;
  readonly #label: string;
  #wt: WebTransportLike | undefined;
  #writer: Writer | undefined;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #datagramWriter: Writer | undefined;
  #maxDatagram = 0;
  readonly #framer: FrameReader;
  // Priority lanes; frames wait here while a write is in flight or the writer is not ready.
  readonly #queue = new FrameQueue();
  #inFlight = 0;
  #writing = false;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  /** The Error frame a protocol violation is answered with, written last before the close. */
  #farewell: Uint8Array | undefined;

  /** @internal Use connectWebTransport or acceptWebTransport. */
  constructor(options: Readonly<Partial<WebTransportOptions>>, label: string) {
    super();
    this.#options = {
      maxPayload: options.maxPayload ?? MAX_PAYLOAD,
      highWaterMark: options.highWaterMark ?? 1024 * 1024,
      maxBuffered: options.maxBuffered ?? 16 * 1024 * 1024,
      maxChunkBytes: options.maxChunkBytes ?? 256 * 1024,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      closeLingerMs: options.closeLingerMs ?? 100,
      datagrams: options.datagrams ?? false,
    };
    this.#label = label;
    this.#framer = new FrameReader({ maxPayload: this.#options.maxPayload });
    this.#connectTimer = setTimeout(() => {
      this.fail(transportError(TransportErrorCode.CONNECT_FAILED, `${label}: not ready within ${this.#options.connectTimeoutMs} ms`));
    }, this.#options.connectTimeoutMs);
  }

  get bufferedAmount(): number {
    return this.#queue.bytes + this.#inFlight;
  }

  send(frame: Uint8Array, priority: Priority = Priority.High): void {
    if (this.state === 'closed') throw this.closedError();
    const size = frame.byteLength;
    if (size > this.#options.maxBuffered) {
      throw transportError(TransportErrorCode.TOO_LARGE, `frame of ${size} bytes exceeds maxBuffered ${this.#options.maxBuffered}`);
    }
    if (priority === Priority.Low && this.#datagramWriter && this.#sendDatagram(frame)) return;
    // Below the high-water mark a frame is always taken, so "await ready(); send()" never throws FULL.
    if (!this.hasRoom() && this.bufferedAmount + size > this.#options.maxBuffered) {
      throw transportError(TransportErrorCode.FULL, `webtransport buffer full (${this.bufferedAmount} bytes buffered, maxBuffered ${this.#options.maxBuffered}): await ready()`);
    }
    this.#queue.push(frame as Uint8Array<ArrayBuffer>, priority);
    this.#pump();
  }

  protected hasRoom(): boolean {
    return this.bufferedAmount < this.#options.highWaterMark;
  }

  /** @internal Starts using a ready session's stream. */
  attach(wt: WebTransportLike, stream: WebTransportStreamLike): void {
    if (this.state === 'closed') {
      closeSession(wt, CloseCode.Abnormal, 'transport already closed');
      return;
    }
    clearTimeout(this.#connectTimer);
    this.#writer = stream.writable.getWriter();
    this.#writer.closed.catch(() => {}); // a reset stream surfaces through the read loop and wt.closed
    this.#reader = stream.readable.getReader();
    // Datagrams are always read (each is one transport message, checked like any), so a peer that opted in to
    // sending them reaches a receiver that did not, such as the stock relay; only sending them is opt-in.
    if (wt.datagrams) void this.#readDatagrams(wt.datagrams.readable.getReader());
    if (this.#options.datagrams && wt.datagrams) {
      this.#datagramWriter = wt.datagrams.writable.getWriter();
      this.#datagramWriter.closed.catch(() => {});
      this.#maxDatagram = wt.datagrams.maxDatagramSize ?? 1200;
    }
    void this.#readStream(this.#reader);
    if (debug.on) debug.log('open', { transport: this.#label });
    this.emitOpen();
    this.#pump();
  }

  /** @internal Keeps the session to close it with the transport, and watches it end. */
  watch(wt: WebTransportLike): void {
    this.#wt = wt;
    wt.closed.then(
      (info) => this.#peerClosed(info),
      (error) => this.#peerClosed(undefined, error),
    );
  }

  /** @internal Fails a transport that never got a session or a stream. */
  fail(error: TransportError): void {
    this.finish({ code: CloseCode.Abnormal, reason: 'connect failed', error });
  }

  protected onClose(info: CloseInfo): void {
    clearTimeout(this.#connectTimer);
    if (debug.on) debug.log('close', { transport: this.#label, code: info.code, reason: info.reason, error: info.error });
    const writer = this.#writer;
    const wt = this.#wt;
    // A plain close() lets frames still queued go first (a Goodbye sent just before close(), say).
    const last = this.#farewell ?? (!info.error && writer ? this.#drainAll() : undefined);
    this.#queue.clear();
    this.#reader?.cancel().catch(() => {});
    if (!wt) return;
    if (!writer) {
      closeSession(wt, info.code, info.reason);
      return;
    }
    const written = last ? writer.write(last) : writer.ready;
    void settle(written, this.#options.closeLingerMs * 10).then(() => {
      setTimeout(() => closeSession(wt, info.code, info.reason), this.#options.closeLingerMs);
    });
  }

  /** Everything still queued, as one chunk, highest priority first. */
  #drainAll(): Uint8Array | undefined {
    return this.#queue.empty ? undefined : this.#coalesce(Infinity);
  }

  /** Writes queued frames as one chunk when the writer can take it; the next write waits for writer.ready. */
  #pump(): void {
    const writer = this.#writer;
    if (this.#writing || this.#queue.empty || !writer || this.state !== 'open') return;
    this.#writing = true;
    const chunk = this.#coalesce(this.#options.maxChunkBytes);
    this.#inFlight += chunk.byteLength;
    writer.write(chunk).then(
      () => {
        this.#inFlight -= chunk.byteLength;
        if (this.state !== 'open') return;
        return writer.ready.then(() => {
          this.#writing = false;
          if (this.state !== 'open') return;
          this.#pump();
          this.emitDrain();
        });
      },
      (error: unknown) => this.#lost(error),
    ).catch((error: unknown) => this.#lost(error));
  }

  /** Takes whole frames off the queue, highest priority first, up to `limit` bytes (at least one frame). */
  #coalesce(limit: number): Uint8Array {
    const first = this.#queue.shift()!.frame;
    if (this.#queue.empty || first.byteLength >= limit) return first;
    const parts = [first];
    let size = first.byteLength;
    for (let next = this.#queue.peek(); next && size + next.frame.byteLength <= limit; next = this.#queue.peek()) {
      parts.push(this.#queue.shift()!.frame);
      size += next.frame.byteLength;
    }
    return parts.length === 1 ? first : concat(parts, size);
  }

  /** Sends one best-effort frame as a datagram if it qualifies; false sends it on the stream instead. */
  #sendDatagram(frame: Uint8Array): boolean {
    const writer = this.#datagramWriter!;
    if (this.state !== 'open' || frame.byteLength > this.#maxDatagram || frame.byteLength < HEADER_SIZE) return false;
    const features = (frame[6]! << 8) | frame[7]!;
    const length = ((frame[28]! << 24) | (frame[29]! << 16) | (frame[30]! << 8) | frame[31]!) >>> 0;
    // Only one whole frame that nobody waits an Ack for: a lost datagram is never re-sent.
    if (features & Feature.ACK_REQUIRED || frame.byteLength !== HEADER_SIZE + length + (features & Feature.CHECKSUM ? CHECKSUM_SIZE : 0)) return false;
    if ((writer.desiredSize ?? 1) <= 0) return true; // best effort: a full datagram queue drops it
    writer.write(frame).catch(() => {});
    return true;
  }

  async #readStream(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    // A function, not a property read: TypeScript would narrow `this.state` across the awaits below.
    const closed = (): boolean => this.state === 'closed';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || this.state === 'closed') break;
        this.#framer.push(value);
        for (let bytes = this.#framer.readBytes(); bytes !== undefined; bytes = this.#framer.readBytes()) {
          this.emitMessage(bytes);
          if (closed()) return;
        }
      }
    } catch (error) {
      if (this.state === 'closed') return;
      if (error instanceof WireError) return this.#violation(error);
      // The stream broke: wt.closed says why (the peer's close code) a moment later.
      return this.#waitForClose(error);
    }
    if (this.state !== 'closed') this.#waitForClose(undefined);
  }

  async #readDatagrams(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || this.state === 'closed') return;
        this.emitMessage(value);
      }
    } catch {
      // the session is ending; the stream reader reports it
    }
  }

  /** The stream cannot be framed any more: tell the peer why (an Error frame), then close with 1002 or 1009. */
  #violation(error: WireError): void {
    const tooBig = error.code === 'SW_ERR_FRAME_TOO_LARGE';
    this.#farewell = encodeFrame({ type: MessageType.Error, body: { status: error.status, message: error.message, name: error.name } });
    const code = tooBig ? CloseCode.TooBig : CloseCode.ProtocolError;
    this.finish({ code, reason: error.code, error: transportError(tooBig ? TransportErrorCode.TOO_LARGE : TransportErrorCode.PROTOCOL, `${this.#label}: ${error.message}`, error) });
  }

  /** Waits briefly for wt.closed to give the peer's code; without it the connection was lost. */
  #waitForClose(cause: unknown): void {
    const timer = setTimeout(() => this.#peerClosed(undefined, cause ?? new Error('stream ended without a session close')), 2000);
    this.#wt?.closed.finally(() => clearTimeout(timer)).catch(() => {});
  }

  #lost(error: unknown): void {
    if (this.state !== 'closed') this.#waitForClose(error);
  }

  #peerClosed(info: WebTransportCloseInfoLike | undefined, cause?: unknown): void {
    if (this.state === 'closed') return;
    if (!info) {
      const error = this.state === 'connecting'
        ? connectFailed(this.#label, cause)
        : transportError(TransportErrorCode.PEER_GONE, `${this.#label}: connection lost without a close (${(cause as Error)?.message ?? cause})`, cause);
      this.finish({ code: CloseCode.Abnormal, reason: this.state === 'connecting' ? 'could not connect' : 'connection lost without a close', error });
      return;
    }
    const raw = info.closeCode ?? 0;
    // 0 is WebTransport's default close(); anything outside WebSocket's range is the application's own.
    const code = raw === 0 ? CloseCode.Normal : raw;
    const reason = info.reason ?? '';
    let error: TransportError | undefined;
    const said = `${code}${reason ? ` ${reason}` : ''}`;
    if (this.state === 'connecting') error = transportError(TransportErrorCode.CONNECT_FAILED, `${this.#label}: closed before the stream opened (${said})`);
    else if (code === CloseCode.TooBig) error = transportError(TransportErrorCode.TOO_LARGE, `${this.#label}: the peer closed: message too big (${said})`);
    else if (code === CloseCode.Abnormal) error = transportError(TransportErrorCode.PEER_GONE, `${this.#label}: connection lost (${said})`);
    this.finish(error ? { code, reason, error } : { code, reason });
  }
}

/**
 * Opens a WebTransport session to `url` (https://…) and its stream, and returns the Transport at once, in state
 * 'connecting'; frames sent meanwhile are queued (bounded by maxBuffered) and go out on open, in order. If it never
 * opens, it closes with 1006 and TransportError CONNECT_FAILED — also where WebTransport does not exist (see
 * connectFallback for trying WebSocket next). Reconnecting is the caller's job.
 */
export function connectWebTransport(url: string | URL, options: Readonly<Partial<ConnectWebTransportOptions>> = {}): WebTransportTransport {
  const href = String(url);
  const label = `webtransport ${href}`;
  const transport = new WebTransportTransport(options, label);
  if (debug.on) debug.log('connect', { transport: label });
  const WebTransport = options.WebTransport ?? (globalThis as { WebTransport?: WebTransportConstructor }).WebTransport;
  // Failures are reported after this call returns, so listeners added right after it see them.
  queueMicrotask(() => {
    if (transport.state === 'closed') return;
    if (!WebTransport) {
      transport.fail(transportError(TransportErrorCode.CONNECT_FAILED, `${label}: this runtime has no WebTransport (Deno needs --unstable-net)`, undefined, false));
      return;
    }
    let wt: WebTransportLike;
    try {
      const hashes = (options.serverCertificateHashes ?? []).map((h) => ({ algorithm: 'sha-256', value: typeof h === 'string' ? fromHex(h) : h }));
      wt = new WebTransport(href, hashes.length ? { serverCertificateHashes: hashes as Array<{ algorithm: string; value: BufferSource }> } : {});
    } catch (e) {
      // A malformed URL, a scheme other than https:, a bad certificate hash: no retry fixes these.
      transport.fail(transportError(TransportErrorCode.CONNECT_FAILED, `${label}: ${(e as Error)?.message ?? e}`, e, false));
      return;
    }
    transport.watch(wt);
    wt.ready
      .then(() => wt.createBidirectionalStream())
      .then((stream) => transport.attach(wt, stream))
      // WebTransportError says what it can ("Opening handshake failed." in Chromium, the QUIC reason in Deno).
      .catch((e: unknown) => transport.fail(connectFailed(label, e)));
  });
  return transport;
}

/**
 * Wraps a server-side WebTransport session (Deno.upgradeWebTransport's): the transport opens when the client's
 * first bidirectional stream arrives, which is when the client first writes. Streams after the first are
 * cancelled. See listenWebTransport (webtransport-deno.ts) for a whole Deno server.
 */
export function acceptWebTransport(wt: WebTransportLike, options: Readonly<Partial<WebTransportOptions>> = {}): WebTransportTransport {
  const label = 'webtransport (accepted)';
  const transport = new WebTransportTransport(options, label);
  transport.watch(wt);
  const streams = wt.incomingBidirectionalStreams.getReader();
  void (async () => {
    try {
      await wt.ready;
      const first = await streams.read();
      if (first.done) throw new Error('the session ended before the client opened a stream');
      transport.attach(wt, first.value);
      // One stream per session: refuse any other the client opens.
      for (;;) {
        const next = await streams.read();
        if (next.done) return;
        next.value.readable.cancel().catch(() => {});
        next.value.writable.abort().catch(() => {});
      }
    } catch (e) {
      if (transport.state === 'connecting') transport.fail(transportError(TransportErrorCode.CONNECT_FAILED, `${label}: ${(e as Error)?.message ?? e}`, e));
    }
  })();
  transport.on('close', () => void streams.cancel().catch(() => {}));
  return transport;
}

/** Closes a session once; a session already gone throws, which nobody needs to hear. */
function closeSession(wt: WebTransportLike, code: number, reason: string): void {
  try {
    wt.close({ closeCode: code, reason: clipUtf8(reason, MAX_REASON_BYTES) });
  } catch {
    // already closed
  }
}

/** Resolves when `promise` settles or after `ms`, whichever is first; never rejects. */
function settle(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    promise.then(
      () => (clearTimeout(timer), resolve()),
      () => (clearTimeout(timer), resolve()),
    );
  });
}

/** A WebTransport close reason is at most 1024 UTF-8 bytes. */
const MAX_REASON_BYTES = 1024;

function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/[^0-9a-f]/gi, '');
  const out = new Uint8Array(clean.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
