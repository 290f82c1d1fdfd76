// A minimal Redis client: RESP2 over one TCP connection, for the handful of commands the relay bridge needs
// (PUBLISH, SUBSCRIBE, SET … PX, DEL, SCAN). Binary-safe both ways: frames travel as bulk strings. Node only.
// Small on purpose — the bridge needs pub/sub and TTL keys, not a general client with cluster and pipelining APIs.
import { connect, type Socket } from 'node:net';
import { SwarmwireError, named, withVerdict } from '../wire/errors.js';
import { Status } from '../wire/constants.js';

/** A reply: simple strings and bulk strings arrive as bytes (null for a nil), integers as numbers. */
export type RespValue = Uint8Array | number | null | RespValue[];

/** Redis answered with an error (`-ERR …`), or the connection failed. */
export class RedisError extends SwarmwireError {}
named(RedisError, 'RedisError');

/** Replies larger than this are refused: the bridge carries frames, each at most 64 MiB plus its envelope. */
const MAX_BULK = 80 * 1024 * 1024;
const CRLF = Buffer.from('\r\n');
const INCOMPLETE = Symbol('incomplete');

/** Reads one reply at `at`; INCOMPLETE when the bytes are not all in yet. */
function parse(buf: Buffer, at: number): { value: RespValue | Error; end: number } | typeof INCOMPLETE {
  const eol = buf.indexOf(CRLF, at);
  if (eol < 0) return INCOMPLETE;
  const kind = buf[at];
  const line = buf.toString('latin1', at + 1, eol);
  switch (kind) {
    case 0x2b: // + simple string
      return { value: new Uint8Array(buf.subarray(at + 1, eol)), end: eol + 2 };
    case 0x2d: // - error
      return { value: new Error(line), end: eol + 2 };
    case 0x3a: // : integer
      return { value: Number(line), end: eol + 2 };
    case 0x24: { // $ bulk string
      const length = Number(line);
      if (length < 0) return { value: null, end: eol + 2 };
      if (length > MAX_BULK) throw new RangeError(`[swarmwire] Redis reply of ${length} bytes exceeds ${MAX_BULK}`);
      const end = eol + 2 + length + 2;
      if (buf.length < end) return INCOMPLETE;
      return { value: buf.slice(eol + 2, eol + 2 + length), end };
    }
    case 0x2a: { // * array
      const count = Number(line);
      if (count < 0) return { value: null, end: eol + 2 };
      const items: RespValue[] = [];
      let next = eol + 2;
      for (let i = 0; i < count; i++) {
        const item = parse(buf, next);
        if (item === INCOMPLETE) return INCOMPLETE;
        items.push(item.value as RespValue);
        next = item.end;
      }
      return { value: items, end: next };
    }
    default:
      throw new RangeError(`[swarmwire] not a RESP reply (byte 0x${(kind ?? 0).toString(16)})`);
  }
}

/** Encodes a command as a RESP array of bulk strings. */
export function encodeCommand(args: ReadonlyArray<string | Uint8Array | number>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' || typeof arg === 'number' ? Buffer.from(String(arg)) : Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength);
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

export interface RespOptions {
  /** Deadline for connecting and for each reply, ms. Default: 5,000. */
  timeoutMs: number;
}

/**
 * One connection. Commands are answered in order. After SUBSCRIBE the connection only takes (un)subscribe
 * commands and delivers messages to `onMessage`.
 */
export class RespConnection {
  readonly #socket: Socket;
  readonly #timeoutMs: number;
  readonly #pending: Array<{ resolve: (v: RespValue) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }> = [];
  #chunks: Buffer[] = [];
  #buffered = 0;
  #closed: Error | undefined;
  /** Pub/sub messages: (channel, payload). */
  onMessage: ((channel: string, payload: Uint8Array) => void) | undefined;
  /** Called once when the connection ends, with why. */
  onClose: ((error: Error) => void) | undefined;

  private constructor(socket: Socket, timeoutMs: number) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (e) => this.#fail(e));
    socket.on('close', () => this.#fail(new Error('connection closed')));
  }

  /** Connects to `redis://host:port`. Rejects with RedisError on failure or after the deadline. */
  static connect(url: string, options: Readonly<Partial<RespOptions>> = {}): Promise<RespConnection> {
    const { hostname, port } = new URL(url);
    const timeoutMs = options.timeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 6379) });
      socket.setNoDelay(true);
      const timer = setTimeout(() => socket.destroy(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RespConnection(socket, timeoutMs));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(redisError(`cannot connect to ${url}: ${e.message}`, e));
      });
    });
  }

  /** Sends a command and resolves with its reply; rejects with RedisError for an error reply, a timeout or a lost connection. */
  command(...args: Array<string | Uint8Array | number>): Promise<RespValue> {
    if (this.#closed) return Promise.reject(redisError(`Redis connection closed: ${this.#closed.message}`, this.#closed));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(new Error(`no reply to ${String(args[0])} within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      this.#pending.push({ resolve, reject, timer });
      this.#socket.write(encodeCommand(args));
    });
  }

  /** Subscribes to channels; resolves once Redis has confirmed each. */
  async subscribe(...channels: string[]): Promise<void> {
    for (const channel of channels) await this.command('SUBSCRIBE', channel);
  }

  async unsubscribe(...channels: string[]): Promise<void> {
    for (const channel of channels) await this.command('UNSUBSCRIBE', channel);
  }

  /** Closes the connection; pending commands reject. */
  close(): void {
    this.#socket.destroy();
    this.#fail(new Error('closed by the client'));
  }

  #onData(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    let buf = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
    let at = 0;
    try {
      for (;;) {
        if (at === buf.length) break;
        const reply = parse(buf, at);
        if (reply === INCOMPLETE) break;
        at = reply.end;
        this.#deliver(reply.value);
      }
    } catch (error) {
      this.#fail(error as Error);
      return;
    }
    buf = buf.subarray(at);
    this.#chunks = buf.length ? [buf] : [];
    this.#buffered = buf.length;
  }

  #deliver(value: RespValue | Error): void {
    // A pub/sub message is pushed, not a reply: ['message', channel, payload].
    if (Array.isArray(value) && value.length === 3 && value[0] instanceof Uint8Array && Buffer.from(value[0]).toString() === 'message') {
      this.onMessage?.(Buffer.from(value[1] as Uint8Array).toString(), value[2] as Uint8Array);
      return;
    }
    const waiter = this.#pending.shift();
    if (!waiter) return;
    clearTimeout(waiter.timer);
    // Redis's own answer (NOAUTH, WRONGPASS, NOPERM, an unknown command): asking again gets it again.
    if (value instanceof Error) waiter.reject(redisError(`Redis: ${value.message}`, undefined, false));
    else waiter.resolve(value);
  }

  #fail(error: Error): void {
    if (this.#closed) return;
    this.#closed = error;
    this.#socket.destroy();
    for (const w of this.#pending.splice(0)) {
      clearTimeout(w.timer);
      w.reject(redisError(`Redis connection lost: ${error.message}`, error));
    }
    this.onClose?.(error);
  }
}

/** A failure to reach Redis or a lost connection is worth another try; `recoverable` false says otherwise. */
function redisError(message: string, cause?: unknown, recoverable = true): RedisError {
  return withVerdict(new RedisError('SW_ERR_REDIS', Status.ExecutionError, message, cause === undefined ? undefined : { cause }), recoverable);
}
