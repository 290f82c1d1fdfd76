// swarmwire/lite given bad bytes by a scripted peer (a raw `ws` server on 127.0.0.1 that speaks the handshake with
// the full SDK's frame codec, then misbehaves): each case ends in a typed error with a stable code, an Error frame
// to the peer, the close code the protocol names, and every pending call rejected — nothing hangs.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { RpcError, SessionError, WireError, connect, expose, wrap } from 'swarmwire/lite';
import { Feature, MessageType, decodeBody, decodeFrame, decodeFrames, encodeFrame, fnv1a32, fnv1a64 } from 'swarmwire';
import { frameBytes, readFrames } from '../src/lite/frames.js';
import { rejection } from './rejection.js';

const WS = WebSocket as never;
let server: WebSocketServer | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

const helloAck = (over: Record<string, unknown> = {}): Uint8Array => encodeFrame({
  type: MessageType.HelloAck,
  body: { version: 1, minVersion: 1, nodeId: new Uint8Array(16).fill(7), role: 'relay', capabilities: [], features: Feature.CHECKSUM, maxPayload: 1024, metadata: {}, ...over },
});

interface Peer {
  url: string;
  /** Frames the lite side sent, decoded (after the Hello). */
  frames: ReturnType<typeof decodeFrame>[];
  /** The same messages as sent. */
  raw: Uint8Array[];
  hello: Promise<Record<string, unknown>>;
  socket: Promise<WebSocket>;
  closed: Promise<number>;
}

/** A peer that answers the Hello with `answer` (default: a HelloAck) and records everything. */
async function scriptedPeer(answer: ((hello: Record<string, unknown>) => Uint8Array | string | undefined) = () => helloAck()): Promise<Peer> {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server!.once('listening', resolve));
  const frames: Peer['frames'] = [];
  const raw: Uint8Array[] = [];
  let onHello!: (h: Record<string, unknown>) => void, onSocket!: (s: WebSocket) => void, onClosed!: (code: number) => void;
  const hello = new Promise<Record<string, unknown>>((r) => (onHello = r));
  const socket = new Promise<WebSocket>((r) => (onSocket = r));
  const closed = new Promise<number>((r) => (onClosed = r));
  server.once('connection', (ws) => {
    onSocket(ws);
    ws.on('close', (code) => onClosed(code));
    let first = true;
    ws.on('message', (data: Buffer) => {
      const frame = decodeFrame(new Uint8Array(data));
      if (!first) return void (frames.push(frame), raw.push(new Uint8Array(data)));
      first = false;
      const body = decodeBody(frame) as Record<string, unknown>;
      onHello(body);
      const reply = answer(body);
      if (reply !== undefined) ws.send(reply);
    });
  });
  const { port } = server.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}`, frames, raw, hello, socket, closed };
}


const header = (type: number, over: { magic?: number; version?: number; features?: number; id?: number; length?: number } = {}): Uint8Array => {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  v.setUint32(0, over.magic ?? 0x4d4c4e4b);
  v.setUint8(4, over.version ?? 1);
  v.setUint8(5, type);
  v.setUint16(6, over.features ?? 0);
  v.setUint32(12, over.id ?? 1);
  v.setUint32(28, over.length ?? 0);
  return b;
};

describe('lite handshake', () => {
  it('writes the frames of docs/protocol.md byte for byte: calc.add(2, 3) as request 1', async () => {
    const peer = await scriptedPeer();
    const conn = await connect(peer.url, { WebSocket: WS });
    void wrap<{ add(a: number, b: number): number }>(conn, { name: 'calc', timeoutMs: 5_000 }).add(2, 3).catch(() => {});
    await expect.poll(() => peer.raw.length).toBe(1);
    // docs/protocol.md, "RPC examples"
    expect(Buffer.from(peer.raw[0]!).toString('hex')).toBe('4d4c4e4b01000000' + '0000000000000001' + 'b5168390e83bb3f4' + '3b391274' + '00000003' + '920203');
    conn.close();
  });

  it('sends a Hello the full SDK parses, and negotiates the CHECKSUM trailer when asked', async () => {
    const peer = await scriptedPeer();
    const conn = await connect(peer.url, { WebSocket: WS, checksum: true, token: 't' });
    const hello = await peer.hello;
    expect(hello).toMatchObject({ version: 1, minVersion: 1, role: 'edge', capabilities: [], features: Feature.CHECKSUM | Feature.BATCHING, metadata: {}, token: 't' });
    expect(Buffer.from(hello.nodeId as Uint8Array).toString('hex')).toBe(conn.id);
    expect(conn.peer).toBe('07'.repeat(16));
    const call = wrap<{ add(a: number, b: number): number }>(conn, { name: 'calc', timeoutMs: 5_000 }).add(2, 3);
    await expect.poll(() => peer.frames.length).toBe(1);
    const [request] = peer.frames;
    expect(request!.features & Feature.CHECKSUM).toBe(Feature.CHECKSUM); // decodeFrame checked the CRC
    expect([request!.type, request!.moduleId, request!.methodHash, decodeBody(request!)]).toEqual([MessageType.Request, fnv1a64('calc'), fnv1a32('add'), [2, 3]]);
    (await peer.socket).send(encodeFrame({ type: MessageType.Response, requestId: request!.requestId, features: Feature.CHECKSUM, body: 5 }));
    expect(await call).toBe(5);
    conn.close();
  });

  it('no answer: SW_ERR_HANDSHAKE_TIMEOUT at the deadline', async () => {
    const peer = await scriptedPeer(() => undefined);
    const e = await rejection(connect(peer.url, { WebSocket: WS, timeoutMs: 200 }));
    expect(e).toBeInstanceOf(SessionError);
    expect([e.code, e.status]).toEqual(['SW_ERR_HANDSHAKE_TIMEOUT', 4]);
  });

  it('anything but a HelloAck first: SW_ERR_PROTOCOL, an Error frame back and a 1002 close (sent as 4002)', async () => {
    const peer = await scriptedPeer(() => encodeFrame({ type: MessageType.Request, requestId: 1, body: [] }));
    const e = await rejection(connect(peer.url, { WebSocket: WS }));
    expect([e.constructor, e.code, e.status]).toEqual([SessionError, 'SW_ERR_PROTOCOL', 7]);
    expect(await peer.closed).toBe(4002);
    expect(peer.frames.map((f) => [f.type, (decodeBody(f) as { status: number }).status])).toEqual([[MessageType.Error, 7]]);
  });

  it('a HelloAck offering no common version: SW_ERR_VERSION_NEGOTIATION', async () => {
    const peer = await scriptedPeer(() => helloAck({ version: 3, minVersion: 2 }));
    const e = await rejection(connect(peer.url, { WebSocket: WS }));
    expect([e.constructor, e.code, e.status]).toEqual([WireError, 'SW_ERR_VERSION_NEGOTIATION', 10]);
  });

  it('no WebSocket global and none given (Node 20): lite loads the `ws` package itself', async () => {
    const global = globalThis as { WebSocket?: unknown };
    const saved = global.WebSocket;
    delete global.WebSocket;
    try {
      const peer = await scriptedPeer();
      const conn = await connect(peer.url);
      expect(conn.peer).toBe('07'.repeat(16));
      conn.close();
    } finally {
      if (saved) global.WebSocket = saved;
    }
  });
});

describe('lite: malformed frames from an open peer', () => {
  it.each([
    ['bad magic', header(MessageType.Response, { magic: 0xdeadbeef }), 'SW_ERR_FRAME_MAGIC', 7, 4002],
    ['wire version 2', header(MessageType.Response, { version: 2 }), 'SW_ERR_FRAME_VERSION', 10, 4002],
    ['unknown message type 200', header(200), 'SW_ERR_FRAME_TYPE', 7, 4002],
    ['a header cut short', header(MessageType.Response).subarray(0, 20), 'SW_ERR_FRAME_TRUNCATED', 7, 4002],
    ['a payload shorter than announced', header(MessageType.Response, { length: 10 }), 'SW_ERR_FRAME_TRUNCATED', 7, 4002],
    ['payload_len past the negotiated 1 KiB', header(MessageType.Response, { length: 4096 }), 'SW_ERR_FRAME_TOO_LARGE', 9, 4009],
    ['a CRC-32C trailer that does not match', (() => {
      const f = encodeFrame({ type: MessageType.Response, requestId: 1, features: Feature.CHECKSUM, body: 5 }).slice();
      f[f.length - 1]! ^= 1;
      return f;
    })(), 'SW_ERR_FRAME_CHECKSUM', 8, 4002],
  ])('%s → %s', async (_, bytes, code, status, closeCode) => {
    const peer = await scriptedPeer();
    const conn = await connect(peer.url, { WebSocket: WS });
    const pending = wrap<{ add(a: number, b: number): number }>(conn, { name: 'calc', timeoutMs: 10_000 }).add(1, 2);
    await expect.poll(() => peer.frames.length).toBe(1);
    (await peer.socket).send(bytes);
    const e = await rejection(pending);
    expect([e.constructor, e.code]).toEqual([RpcError, 'SW_ERR_RPC_CLOSED']);
    expect([e.cause.constructor, e.cause.code, e.cause.status]).toEqual([WireError, code, status]);
    const info = await conn.closed;
    expect([info.code, info.reason]).toEqual([closeCode - 3000, code]);
    expect(await peer.closed).toBe(closeCode);
    const error = peer.frames.find((f) => f.type === MessageType.Error)!;
    expect(decodeBody(error)).toMatchObject({ status, name: 'WireError' });
  });

  it('a Goodbye whose body does not decode → SW_ERR_PAYLOAD and a 1002 close, not an exception in the listener', async () => {
    const peer = await scriptedPeer();
    const conn = await connect(peer.url, { WebSocket: WS });
    (await peer.socket).send(encodeFrame({ type: MessageType.Goodbye, payload: new Uint8Array([0xc1]) }));
    const info = await conn.closed;
    expect([info.code, info.reason, (info.error as WireError).status]).toEqual([1002, 'SW_ERR_PAYLOAD', 7]);
    expect(await peer.closed).toBe(4002);
  });

  it('a text message → close 1003 (sent as 4003)', async () => {
    const peer = await scriptedPeer();
    const conn = await connect(peer.url, { WebSocket: WS });
    (await peer.socket).send('hello');
    expect((await conn.closed).code).toBe(1003);
    expect(await peer.closed).toBe(4003);
  });

  it('a routed envelope that does not parse is dropped; the link and the calls carry on', async () => {
    const peer = await scriptedPeer();
    const conn = await connect(peer.url, { WebSocket: WS });
    const socket = await peer.socket;
    socket.send(encodeFrame({ type: MessageType.Routed, requestId: 9, body: { to: new Uint8Array(16), from: new Uint8Array(16), ttl: 1, hops: 1, frame: new Uint8Array([1, 2, 3]) } }));
    socket.send(encodeFrame({ type: MessageType.Routed, requestId: 10, body: 'not a map' }));
    const pending = wrap<{ add(a: number, b: number): number }>(conn, { name: 'calc' }).add(1, 2);
    await expect.poll(() => peer.frames.filter((f) => f.type === MessageType.Request).length).toBe(1);
    socket.send(encodeFrame({ type: MessageType.Response, requestId: peer.frames.find((f) => f.type === MessageType.Request)!.requestId, body: 3 }));
    expect(await pending).toBe(3);
    conn.close();
  });
});

describe('lite: session duties and limits', () => {
  it('answers Ping with Pong (same id and payload), acks frames that ask, and leaves on Goodbye', async () => {
    const peer = await scriptedPeer();
    const conn = await connect(peer.url, { WebSocket: WS });
    const socket = await peer.socket;
    socket.send(encodeFrame({ type: MessageType.Ping, requestId: 77, body: { timestamp: 123 } }));
    socket.send(encodeFrame({ type: MessageType.Event, requestId: 78, features: Feature.ACK_REQUIRED, body: 'x' }));
    await expect.poll(() => peer.frames.length).toBe(2);
    expect(peer.frames.map((f) => [f.type, Number(f.requestId)])).toEqual([[MessageType.Pong, 77], [MessageType.Ack, 78]]);
    expect(decodeBody(peer.frames[0]!)).toEqual({ timestamp: 123 });
    socket.send(encodeFrame({ type: MessageType.Goodbye, body: { code: 4100, reason: 'bye' } }));
    expect(await conn.closed).toEqual({ code: 4100, reason: 'bye' });
  });

  it('close() with a long non-ASCII reason still closes the socket (the reason is cut to 123 UTF-8 bytes)', async () => {
    const peer = await scriptedPeer();
    const conn = await connect(peer.url, { WebSocket: WS });
    conn.close(4321, 'é'.repeat(100));
    expect(await peer.closed).toBe(4321);
    expect(peer.frames.map((f) => [f.type, decodeBody(f)])).toEqual([[MessageType.Goodbye, { code: 4321, reason: 'é'.repeat(100) }]]);
  });

  it('a silent peer is declared dead after 3 heartbeat intervals (1006); pending calls reject', async () => {
    const peer = await scriptedPeer();
    const conn = await connect(peer.url, { WebSocket: WS, heartbeatMs: 50 });
    const pending = rejection(wrap<{ add(): number }>(conn).add());
    const info = await conn.closed;
    expect([info.code, (info.error as SessionError).code]).toEqual([1006, 'SW_ERR_PING_TIMEOUT']);
    expect((await pending).code).toBe('SW_ERR_RPC_CLOSED');
    expect(peer.frames.filter((f) => f.type === MessageType.Ping).length).toBeGreaterThanOrEqual(2);
  });

  it('arguments over the negotiated maxPayload are refused before sending (SW_ERR_FRAME_TOO_LARGE)', async () => {
    const peer = await scriptedPeer();
    const conn = await connect(peer.url, { WebSocket: WS });
    const e = await rejection(wrap<{ echo(s: string): string }>(conn).echo('x'.repeat(2000)));
    expect([e.constructor, e.code, e.status]).toEqual([WireError, 'SW_ERR_FRAME_TOO_LARGE', 9]);
    expect(peer.frames).toHaveLength(0);
    conn.close();
  });

  it('serving: unknown modules and methods, bad arguments, oversized arguments, busy — each an Error frame with its status', async () => {
    const peer = await scriptedPeer();
    const conn = await connect(peer.url, { WebSocket: WS });
    let release!: () => void;
    expose({ add: (a: number, b: number) => a + b, wait: () => new Promise<void>((r) => (release = r)) }, conn, { name: 'calc', maxArgBytes: 64, maxConcurrent: 1 });
    const socket = await peer.socket;
    const calc = fnv1a64('calc');
    const requests: Array<[unknown, Uint8Array | undefined]> = [
      [{ moduleId: fnv1a64('nope'), methodHash: fnv1a32('add'), body: [1, 2] }, undefined],
      [{ moduleId: calc, methodHash: fnv1a32('sub'), body: [1, 2] }, undefined],
      [{ moduleId: calc, methodHash: fnv1a32('constructor'), body: [] }, undefined],
      [{ moduleId: calc, methodHash: fnv1a32('add'), body: { op: 2, path: ['add'], value: 1 } }, undefined],
      [{ moduleId: calc, methodHash: fnv1a32('add'), body: 'not args' }, undefined],
      [{ moduleId: calc, methodHash: fnv1a32('add'), payload: new Uint8Array([0xc1]) }, undefined],
      [{ moduleId: calc, methodHash: fnv1a32('add'), body: ['x'.repeat(100)] }, undefined],
      [{ moduleId: calc, methodHash: fnv1a32('wait'), body: [] }, undefined],
      [{ moduleId: calc, methodHash: fnv1a32('add'), body: [1, 2] }, undefined],
    ];
    requests.forEach(([init], i) => socket.send(encodeFrame({ type: MessageType.Request, requestId: i + 1, ...(init as object) })));
    await expect.poll(() => peer.frames.length).toBe(requests.length - 1); // all but `wait`
    const answers = new Map(peer.frames.map((f) => [Number(f.requestId), decodeBody(f) as { status: number; data?: { code: string } }]));
    expect([1, 2, 3, 4, 5, 6, 7, 9].map((id) => [answers.get(id)!.status, answers.get(id)!.data?.code])).toEqual([
      [1, 'SW_ERR_RPC_MODULE_NOT_FOUND'], [2, 'SW_ERR_RPC_METHOD_NOT_FOUND'], [2, 'SW_ERR_RPC_METHOD_NOT_FOUND'],
      [7, 'SW_ERR_RPC_BAD_ARGS'], [7, 'SW_ERR_RPC_BAD_ARGS'], [7, 'SW_ERR_RPC_BAD_ARGS'], [7, 'SW_ERR_RPC_BAD_ARGS'], [5, 'SW_ERR_RPC_BUSY'],
    ]);
    // A Cancel answers the running call at once (Cancelled), and its late result is dropped.
    socket.send(encodeFrame({ type: MessageType.Cancel, requestId: 8, body: 'stop' }));
    await expect.poll(() => peer.frames.length).toBe(requests.length);
    expect(decodeBody(peer.frames.at(-1)!)).toMatchObject({ status: 12, data: { code: 'SW_ERR_RPC_CANCELLED' } });
    release();
    // A repeated request id is never run twice.
    socket.send(encodeFrame({ type: MessageType.Request, requestId: 9, moduleId: calc, methodHash: fnv1a32('add'), body: [1, 2] }));
    await expect.poll(() => peer.frames.length).toBe(requests.length + 1);
    expect(decodeBody(peer.frames.at(-1)!)).toMatchObject({ data: { code: 'SW_ERR_RPC_GONE' } });
    conn.close();
  });
});

describe('lite frames (src/lite/frames.ts) against the full SDK codec', () => {
  const frame = fc.record({
    type: fc.constantFrom(...Object.values(MessageType)), features: fc.constantFrom(0, Feature.CHECKSUM, Feature.BATCHING | Feature.CHECKSUM, Feature.ACK_REQUIRED),
    id: fc.maxSafeInteger().map(Math.abs), moduleHi: fc.nat({ max: 0xffffffff }), moduleLo: fc.nat({ max: 0xffffffff }),
    hash: fc.nat({ max: 0xffffffff }), payload: fc.uint8Array({ maxLength: 300 }),
  });

  it('writes what the full SDK writes, and reads it back', () => {
    fc.assert(fc.property(frame, (f) => {
      const bytes = frameBytes(f);
      const full = encodeFrame({ type: f.type as never, features: f.features, requestId: f.id, moduleId: (BigInt(f.moduleHi) << 32n) | BigInt(f.moduleLo), methodHash: f.hash, payload: f.payload });
      expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(full).toString('hex'));
      const [back] = readFrames(bytes, 1 << 20);
      expect({ ...back, payload: Array.from(back!.payload) }).toEqual({ ...f, payload: Array.from(f.payload) });
    }), { numRuns: 300 });
  });

  it('any bytes: frames or a WireError with a SW_ERR_ code, as the full SDK decides', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), frame.map((f) => {
      const b = frameBytes(f).slice();
      b[Math.floor(b.length / 3)]! ^= 0x10; // a valid frame with one bit flipped
      return b;
    })), (bytes) => {
      let lite: unknown, full: unknown;
      try {
        lite = readFrames(bytes, 1 << 20).length;
      } catch (e) {
        expect((e as WireError).name).toBe('WireError'); // src/'s class here, not dist/'s
        lite = (e as WireError).code;
      }
      try {
        full = decodeFrames(bytes, { maxPayload: 1 << 20 }).length;
      } catch (e) {
        full = (e as WireError).code;
      }
      expect(lite).toBe(full);
    }), { numRuns: 2000 });
  });
});
