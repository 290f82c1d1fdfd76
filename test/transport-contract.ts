// The transport contract (src/transport/transport.ts) as executable cases, run against every transport: each case
// gets a factory for a connected pair and throws on a violation. No test-runner imports, so another runtime runs
// the very same cases: memory, ring and postMessage in vitest (test/transport-memory.test.ts,
// test/transport-ring.test.ts), WebSocket in Node (test/transport-contract-websocket.test.ts) and WebTransport
// under Deno (test/transport-contract-webtransport.test.ts, test/fixtures/contract-deno.ts). Where a transport
// legitimately differs, its test declares it in Capabilities; no case is skipped.
import { type Transport, type CloseInfo, TransportErrorCode } from '../src/transport/transport.js';
import { HEADER_SIZE, MessageType, Status } from '../src/wire/constants.js';
import { encodeFrame } from '../src/wire/frame.js';

/** The limits a case may set on both sides of a pair. */
export interface PairOptions {
  highWaterMark?: number;
  maxBuffered?: number;
  /** WebSocket's and WebTransport's bound on one message. */
  maxMessageBytes?: number;
}

/** Makes a connected pair; `options` carry the buffer limits a case needs (both sides get them). */
export type PairFactory = (options?: PairOptions) => Promise<[Transport, Transport]>;

/** Where a transport may legitimately differ from the memory transport, which the defaults describe. */
export interface Capabilities {
  /**
   * The option that bounds a single frame, TOO_LARGE above it: maxBuffered where frames wait in the transport's own
   * queue (memory, ring, postMessage); maxMessageBytes over a socket whose empty buffer admits any frame it may
   * carry (WebSocket, WebTransport). Default: 'maxBuffered'.
   */
  frameLimit: 'maxBuffered' | 'maxMessageBytes';
  /**
   * What a message may be: any bytes, or only swarmwire frames, where the transport finds message boundaries in
   * the frame header (WebTransport: frames back to back on one stream). With 'frames' the cases send Event frames
   * of the sizes they name, their payloads the same patterns. Default: 'bytes'.
   */
  messages: 'bytes' | 'frames';
  /**
   * send() may keep a reference to the caller's bytes until they are out, as Transport.send allows (WebTransport
   * queues and coalesces views): the sender must not change them meanwhile, and the case checks instead that the
   * transport itself changed nothing. False where send() copies or takes the buffer over. Default: false.
   */
  holdsSentBytes: boolean;
}

const DEFAULT_CAPABILITIES: Capabilities = { frameLimit: 'maxBuffered', messages: 'bytes', holdsSentBytes: false };

type Maker = (size: number, index: number) => Uint8Array<ArrayBuffer>;

/** How a case makes the message of `size` bytes numbered `index`, for a transport with these capabilities. */
function makerFor(capabilities: Readonly<Partial<Capabilities>> | undefined): Maker {
  if ((capabilities?.messages ?? DEFAULT_CAPABILITIES.messages) === 'bytes') return pattern;
  return (size, index) => encodeFrame({ type: MessageType.Event, requestId: index, payload: pattern(Math.max(0, size - HEADER_SIZE), index) }) as Uint8Array<ArrayBuffer>;
}

export interface ContractCase {
  name: string;
  run(make: PairFactory, capabilities?: Readonly<Partial<Capabilities>>): Promise<void>;
}

/** A connected transport to a worker that echoes every frame, and a way to kill that worker. */
export interface EchoLink {
  transport: Transport;
  terminate(): void;
}

export interface EchoCase {
  name: string;
  run(connect: () => Promise<EchoLink>): Promise<void>;
}

const DEADLINE_MS = 5000;

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`contract: ${message}`);
}

export function equal<T>(actual: T, expected: T, what: string): void {
  if (!Object.is(actual, expected)) throw new Error(`contract: ${what}: expected ${String(expected)}, got ${String(actual)}`);
}

/** Resolves with `promise`, or rejects naming `what` after `ms`. */
export function within<T>(promise: Promise<T>, what: string, ms = DEADLINE_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`contract: no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The error `fn` throws (or its promise rejects with), checked to be a swarmwire error with `code`. */
export async function expectError(fn: () => unknown, code: string, what: string): Promise<Error & { code: string; status: number }> {
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  check(error instanceof Error, `${what}: expected an error ${code}, got none`);
  const e = error as Error & { code: string; status: number };
  equal(e.code, code, `${what}: error code`);
  check(e.message.startsWith('[swarmwire] '), `${what}: message "${e.message}" lacks the [swarmwire] prefix`);
  return e;
}

/** Deterministic bytes: the frame's index in the first 4 bytes (when it fits), then a pattern seeded by it. */
export function pattern(size: number, index: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let x = (index * 2654435761 + size) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x;
  }
  if (size >= 4) new DataView(bytes.buffer).setUint32(0, index);
  return bytes;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Records what a transport receives (copies, as the contract asks) and how it closes. */
export class Recorder {
  readonly frames: Uint8Array[] = [];
  readonly closes: CloseInfo[] = [];
  #wake: (() => void) | undefined;

  constructor(transport: Transport) {
    transport.on('message', (frame) => {
      this.frames.push(frame.slice());
      this.#wake?.();
    });
    transport.on('close', (info) => {
      this.closes.push(info);
      this.#wake?.();
    });
  }

  /** Waits until `done()` holds, re-checking after each event. */
  async until(done: () => boolean, what: string, ms = DEADLINE_MS): Promise<void> {
    await within((async () => {
      while (!done()) await new Promise<void>((resolve) => (this.#wake = resolve));
    })(), what, ms);
  }

  frameCount(n: number, ms?: number): Promise<void> {
    return this.until(() => this.frames.length >= n, `${n} frames (got ${this.frames.length})`, ms);
  }

  closed(ms?: number): Promise<CloseInfo> {
    return this.until(() => this.closes.length > 0, 'close event', ms).then(() => this.closes[0]!);
  }
}

/** Resolves once the transport is open. */
export function opened(t: Transport): Promise<void> {
  if (t.state === 'open') return Promise.resolve();
  check(t.state === 'connecting', `expected connecting or open, got ${t.state}`);
  return within(new Promise<void>((resolve) => t.on('open', resolve)), `open of the ${t.kind} transport`);
}

const SIZES = [1, 31, 32, 100, 1000, 4096, 65_537, 262_144];

/** Sends frames of SIZES (awaiting ready() as a well-behaved sender does) and checks they all arrive in order. */
async function roundTrip(from: Transport, to: Recorder, base: number, msg: Maker = pattern): Promise<void> {
  const start = to.frames.length;
  for (let i = 0; i < SIZES.length; i++) {
    await within(from.ready(), 'ready()');
    from.send(msg(SIZES[i]!, base + i));
  }
  await to.frameCount(start + SIZES.length);
  for (let i = 0; i < SIZES.length; i++) {
    check(sameBytes(to.frames[start + i]!, msg(SIZES[i]!, base + i)), `frame ${i} (${SIZES[i]} bytes) arrived changed or out of order`);
  }
}

export const CONTRACT_CASES: readonly ContractCase[] = [
  {
    name: 'both sides open, with the same kind',
    async run(make, capabilities) {
      const msg = makerFor(capabilities);
      const [a, b] = await make();
      await Promise.all([opened(a), opened(b)]);
      equal(a.state, 'open', 'a.state');
      equal(b.state, 'open', 'b.state');
      equal(a.kind, b.kind, 'kind of both sides');
      a.close();
    },
  },
  {
    name: 'frames of several sizes arrive whole and in order, in both directions at once',
    async run(make, capabilities) {
      const msg = makerFor(capabilities);
      const [a, b] = await make();
      const ra = new Recorder(a);
      const rb = new Recorder(b);
      await Promise.all([opened(a), opened(b)]);
      await Promise.all([roundTrip(a, rb, 0, msg), roundTrip(b, ra, 100, msg)]);
      equal(ra.frames.length, SIZES.length, 'frames a received');
      equal(rb.frames.length, SIZES.length, 'frames b received');
      a.close();
    },
  },
  {
    name: 'frames sent before open arrive after it, in order',
    async run(make, capabilities) {
      const msg = makerFor(capabilities);
      const [a, b] = await make();
      const rb = new Recorder(b);
      let openedFirst = false;
      b.on('open', () => (openedFirst = rb.frames.length === 0));
      const wasConnecting = b.state === 'connecting';
      for (let i = 0; i < 10; i++) a.send(msg(64, i));
      await rb.frameCount(10);
      for (let i = 0; i < 10; i++) check(sameBytes(rb.frames[i]!, msg(64, i)), `frame ${i} changed or out of order`);
      if (wasConnecting) check(openedFirst, "'open' fired after a frame had been delivered");
      a.close();
    },
  },
  {
    name: 'changing the sender\'s buffer after send() changes nothing delivered (or, Capabilities.holdsSentBytes, send() changes nothing of the sender\'s)',
    async run(make, capabilities) {
      const msg = makerFor(capabilities);
      const holds = capabilities?.holdsSentBytes ?? DEFAULT_CAPABILITIES.holdsSentBytes;
      const [a, b] = await make();
      const rb = new Recorder(b);
      await opened(a);
      const big = new Uint8Array(4096);
      big.set(msg(1000, 7), 1000);
      a.send(big.subarray(1000, 2000)); // a view into a larger buffer
      if (!holds) big.fill(0xee);
      const whole = msg(500, 8);
      a.send(whole); // a whole buffer: taken over (detached) or copied, either way not shared
      if (!holds && whole.byteLength > 0) whole.fill(0xee); // filling a detached view throws
      await rb.frameCount(2);
      if (holds) {
        // Held, then written: still the sender's, whole and unchanged (a session re-sends acked frames from them).
        check(sameBytes(big.subarray(1000, 2000), msg(1000, 7)), 'send() changed the bytes of the view it was given');
        check(whole.byteLength === 500 && sameBytes(whole, msg(500, 8)), 'send() changed or detached the buffer it was given');
      }
      check(sameBytes(rb.frames[0]!, msg(1000, 7)), 'the view was delivered changed');
      check(sameBytes(rb.frames[1]!, msg(500, 8)), 'the whole buffer was delivered changed');
      a.close();
    },
  },
  {
    name: 'close(code, reason) ends both sides; the peer hears the code and reason (either side closing)',
    async run(make, capabilities) {
      const msg = makerFor(capabilities);
      // An application's code: 4001–4015 are swarmwire's (WebSocket carries 1001–1015 there when a socket refuses them).
      const code = 4100;
      for (const closer of [0, 1]) {
        const pair = await make();
        const [a, b] = closer === 0 ? pair : [pair[1], pair[0]];
        const ra = new Recorder(a);
        const rb = new Recorder(b);
        await Promise.all([opened(a), opened(b)]);
        a.close(code, 'done here');
        equal(a.state, 'closed', 'state right after close()');
        a.close(code + 1, 'again'); // idempotent: the first close wins
        equal(ra.closes.length, 1, 'close events on the closing side');
        equal(ra.closes[0]!.code, code, 'local close code');
        await expectError(() => a.send(msg(8, 0)), TransportErrorCode.CLOSED, 'send after close');
        await expectError(() => a.ready(), TransportErrorCode.CLOSED, 'ready after close');
        const info = await rb.closed();
        equal(info.code, code, 'close code at the peer');
        equal(info.reason, 'done here', 'close reason at the peer');
        equal(b.state, 'closed', 'peer state');
        await expectError(() => b.send(msg(8, 0)), TransportErrorCode.CLOSED, 'peer send after close');
        await new Promise((r) => setTimeout(r, 20));
        equal(rb.closes.length, 1, 'close events at the peer');
        equal(ra.closes.length, 1, 'close events on the closing side, later');
      }
    },
  },
  {
    name: 'frames sent before close() arrive before the close',
    async run(make, capabilities) {
      const msg = makerFor(capabilities);
      const [a, b] = await make();
      const rb = new Recorder(b);
      let framesAtClose = -1;
      b.on('close', () => (framesAtClose = rb.frames.length));
      await opened(a);
      for (let i = 0; i < 20; i++) a.send(msg(1000, i));
      a.close(1000, 'bye');
      await rb.closed();
      equal(framesAtClose, 20, 'frames delivered before the close event');
      for (let i = 0; i < 20; i++) check(sameBytes(rb.frames[i]!, msg(1000, i)), `frame ${i} changed or out of order`);
    },
  },
  {
    name: 'a frame larger than the frame limit (Capabilities.frameLimit) throws TOO_LARGE and the transport carries on',
    async run(make, capabilities) {
      const msg = makerFor(capabilities);
      const { frameLimit } = { ...DEFAULT_CAPABILITIES, ...capabilities };
      const [a, b] = await make({ [frameLimit]: 65_536 });
      const rb = new Recorder(b);
      await opened(a);
      const e = await expectError(() => a.send(new Uint8Array(65_537)), TransportErrorCode.TOO_LARGE, 'oversized send');
      equal(e.status, Status.PayloadTooLarge, 'status of TOO_LARGE');
      equal(a.state, 'open', 'state after a refused frame');
      a.send(msg(100, 1));
      await rb.frameCount(1);
      check(sameBytes(rb.frames[0]!, msg(100, 1)), 'the next frame arrived changed');
      equal(rb.frames.length, 1, 'frames delivered');
      a.close();
    },
  },
  {
    name: 'bufferedAmount never passes maxBuffered: send() accepts or throws FULL, and ready() lets it go on',
    async run(make, capabilities) {
      const msg = makerFor(capabilities);
      const [a, b] = await make({ highWaterMark: 16_384, maxBuffered: 65_536 });
      const rb = new Recorder(b);
      await opened(a);
      let accepted = 0;
      let full = false;
      for (let i = 0; i < 32 && !full; i++) {
        try {
          a.send(msg(8192, i));
          accepted++;
        } catch (e) {
          full = true;
          equal((e as { code?: string }).code, TransportErrorCode.FULL, 'error of an over-full send');
          equal((e as { status?: number }).status, Status.BackpressureRejection, 'status of FULL');
        }
        check(a.bufferedAmount <= 65_536, `bufferedAmount ${a.bufferedAmount} passed maxBuffered`);
      }
      await within(a.ready(), 'ready() after filling the buffer');
      check(a.bufferedAmount < 16_384, `ready() resolved with bufferedAmount ${a.bufferedAmount} at the high-water mark`);
      a.send(msg(8192, accepted));
      await rb.frameCount(accepted + 1);
      for (let i = 0; i <= accepted; i++) check(sameBytes(rb.frames[i]!, msg(8192, i)), `frame ${i} lost, changed or out of order`);
      a.close();
    },
  },
  {
    name: 'a removed listener hears nothing more',
    async run(make, capabilities) {
      const msg = makerFor(capabilities);
      const [a, b] = await make();
      const rb = new Recorder(b);
      let heard = 0;
      const off = b.on('message', () => heard++);
      await opened(a);
      a.send(msg(10, 0));
      await rb.frameCount(1);
      off();
      a.send(msg(10, 1));
      await rb.frameCount(2);
      equal(heard, 1, 'frames heard by the removed listener');
      a.close();
    },
  },
];

export const ECHO_CASES: readonly EchoCase[] = [
  {
    name: 'the worker echoes frames of several sizes, in order',
    async run(connect) {
      const { transport, terminate } = await connect();
      const r = new Recorder(transport);
      await opened(transport);
      await roundTrip(transport, r, 0);
      await roundTrip(transport, r, 100);
      equal(r.frames.length, 2 * SIZES.length, 'frames echoed');
      transport.close();
      terminate();
    },
  },
  {
    name: 'many frames with ready() between them all come back, each priority in order',
    async run(connect) {
      const { transport, terminate } = await connect();
      const r = new Recorder(transport);
      await opened(transport);
      const n = 2000;
      for (let i = 0; i < n; i++) {
        await within(transport.ready(), 'ready()');
        transport.send(pattern(1024 + (i % 7), i), i % 3 === 0 ? 2 : 1);
      }
      await r.frameCount(n, 20_000);
      // Lanes may overtake each other (a transport with priority lanes delivers High before Low when both wait),
      // but each lane keeps its order, and every frame comes back unchanged.
      const seen = new Set<number>();
      const last = [-1, -1];
      for (const f of r.frames.slice(0, n)) {
        const i = new DataView(f.buffer, f.byteOffset).getUint32(0);
        check(i < n && !seen.has(i), `frame ${i} unknown or echoed twice`);
        check(sameBytes(f, pattern(1024 + (i % 7), i)), `frame ${i} changed`);
        const lane = i % 3 === 0 ? 0 : 1;
        check(i > last[lane]!, `frame ${i} overtook frame ${last[lane]} of its own priority`);
        last[lane] = i;
        seen.add(i);
      }
      transport.close();
      terminate();
    },
  },
  {
    name: 'terminating the worker ends the transport with PEER_GONE (1006) within the deadline',
    async run(connect) {
      const { transport, terminate } = await connect();
      const r = new Recorder(transport);
      await opened(transport);
      transport.send(pattern(100, 0));
      await r.frameCount(1);
      const waiting = transport.ready(); // settled or pending, it must end with the transport
      terminate();
      const info = await r.closed(3000);
      equal(info.code, 1006, 'close code');
      equal(info.error?.code, TransportErrorCode.PEER_GONE, 'close error code');
      equal(transport.state, 'closed', 'state');
      await expectError(() => transport.send(pattern(8, 1)), TransportErrorCode.PEER_GONE, 'send after the worker died');
      await expectError(() => transport.ready(), TransportErrorCode.PEER_GONE, 'ready after the worker died');
      await within(waiting.catch(() => undefined), 'the earlier ready() to settle');
    },
  },
];
