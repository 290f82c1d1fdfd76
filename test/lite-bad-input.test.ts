// swarmwire/lite given bad bytes by a scripted peer: a raw `ws` server on 127.0.0.1 that answers the four-step
// handshake as a relay would — the full SDK's ResponderHandshake with a real identity, so lite's Hello is checked
// and its HelloProof verified — and then misbehaves, in the handshake or after it. Each case ends in a typed error
// with a stable code, an Error frame to the peer, the close code the protocol names, and every pending call
// rejected — nothing hangs.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { RpcError, SessionError, WireError, connect, createIdentity, expose, unpack, wrap, type Identity } from 'swarmwire/lite';
import { Feature, decodeFrame, decodeFrames, encodeFrame, fnv1a32, fnv1a64 } from 'swarmwire/wire';
import { MessageType, decodeBody } from 'swarmwire';
import { ResponderHandshake } from '../src/session/handshake.js';
import { frameBytes, readFrames } from '../src/lite/frames.js';
import { nodeBinary } from './fixtures/packed.js';
import { rejection } from './rejection.js';

const WS = WebSocket as never;
const ROOT = new URL('..', import.meta.url).pathname;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
let server: WebSocketServer | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** The scripted relay's key pair: lite checks its proof in every handshake. */
let relayIdentity: Identity;
beforeAll(async () => {
  relayIdentity = await createIdentity();
});

type Message = Uint8Array | string | undefined;

interface Script {
  /** The answer to lite's Hello, given the honest HelloAck payload (signed for this Hello). Default: that HelloAck. */
  ack?(honest: Uint8Array): Message | Message[];
  /** The answer to lite's HelloProof, once it has been checked. Default: HelloDone. */
  done?(): Message | Message[];
}

interface Peer {
  url: string;
  /** Frames lite sent besides its Hello and its HelloProof, decoded. */
  frames: ReturnType<typeof decodeFrame>[];
  /** The same messages as sent. */
  raw: Uint8Array[];
  /** Lite's Hello, decoded. */
  hello: Promise<Record<string, unknown>>;
  /** Resolves when lite's HelloProof held; rejects with what the responder found wrong with it. */
  proved: Promise<void>;
  socket: Promise<WebSocket>;
  closed: Promise<number>;
}

const frame = (type: number, body?: unknown): Uint8Array => encodeFrame({ type: type as never, body });

/**
 * A relay-like peer on 127.0.0.1: it checks lite's Hello with a ResponderHandshake (features CHECKSUM — which lite
 * must not take up — and a 1 KiB maxPayload), answers as `script` says (by default honestly), checks the HelloProof,
 * then records everything.
 */
async function scriptedPeer(script: Script = {}): Promise<Peer> {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server!.once('listening', resolve));
  const frames: Peer['frames'] = [];
  const raw: Uint8Array[] = [];
  let onHello!: (h: Record<string, unknown>) => void, onSocket!: (s: WebSocket) => void, onClosed!: (code: number) => void;
  let onProved!: () => void, onProofFailed!: (e: unknown) => void;
  const hello = new Promise<Record<string, unknown>>((r) => (onHello = r));
  const proved = new Promise<void>((resolve, reject) => ((onProved = resolve), (onProofFailed = reject)));
  proved.catch(() => {}); // asserted by the tests that expect a proof
  const socket = new Promise<WebSocket>((r) => (onSocket = r));
  const closed = new Promise<number>((r) => (onClosed = r));
  server.once('connection', (ws) => {
    onSocket(ws);
    ws.on('close', (code) => onClosed(code));
    const handshake = new ResponderHandshake(relayIdentity, { role: 'relay', capabilities: [], features: Feature.CHECKSUM, maxPayload: 1024, metadata: {} });
    const send = (answer: Message | Message[]): void => {
      for (const m of [answer].flat()) if (m !== undefined) ws.send(m);
    };
    // One message at a time: the handshake's checks are asynchronous.
    let queue = Promise.resolve();
    ws.on('message', (data: Buffer) => {
      const bytes = new Uint8Array(data);
      queue = queue.then(async () => {
        const f = decodeFrame(bytes);
        if (handshake.state === 'awaiting-hello') {
          await handshake.hello(f.type, f.payload);
          onHello(decodeBody(f) as Record<string, unknown>);
          const ack = await handshake.ack();
          return send(script.ack ? script.ack(ack) : encodeFrame({ type: MessageType.HelloAck, payload: ack }));
        }
        if (handshake.state === 'awaiting-proof' && f.type === MessageType.HelloProof) {
          await handshake.proof(f.type, f.payload).then(onProved, (e) => (onProofFailed(e), Promise.reject(e)));
          return send(script.done ? script.done() : frame(MessageType.HelloDone));
        }
        frames.push(f);
        raw.push(bytes);
      }).catch((e) => void ws.close(4000 + 8, String(e).slice(0, 100)));
    });
  });
  const { port } = server.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}`, frames, raw, hello, proved, socket, closed };
}

/** The honest HelloAck payload with fields replaced (a relay lying about itself). */
const forged = (honest: Uint8Array, over: Record<string, unknown>): Uint8Array =>
  frame(MessageType.HelloAck, { ...(unpack(honest) as object), ...over });

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

  it('sends a Hello of its identity that the full SDK checks, proves its key, and takes up no CHECKSUM a peer offers', async () => {
    const peer = await scriptedPeer();
    const identity = await createIdentity();
    const conn = await connect(peer.url, { WebSocket: WS, token: 't', identity });
    const hello = await peer.hello;
    expect(hello).toMatchObject({ version: 2, minVersion: 2, role: 'edge', capabilities: [], features: Feature.BATCHING, metadata: {}, token: 't' });
    expect([hex(hello.nodeId as Uint8Array), hex(hello.key as Uint8Array), conn.id]).toEqual([identity.idHex, hex(identity.publicKey), identity.idHex]);
    await peer.proved; // the responder verified lite's HelloProof
    expect(conn.peer).toBe(relayIdentity.idHex);
    const call = wrap<{ add(a: number, b: number): number }>(conn, { name: 'calc', timeoutMs: 5_000 }).add(2, 3);
    await expect.poll(() => peer.frames.length).toBe(1);
    const [request] = peer.frames;
    expect(request!.features & Feature.CHECKSUM).toBe(0);
    expect(peer.raw[0]).toHaveLength(32 + 3); // header + [2, 3]: no trailer
    expect([request!.type, request!.moduleId, request!.methodHash, decodeBody(request!)]).toEqual([MessageType.Request, fnv1a64('calc'), fnv1a32('add'), [2, 3]]);
    (await peer.socket).send(encodeFrame({ type: MessageType.Response, requestId: request!.requestId, body: 5 }));
    expect(await call).toBe(5);
    conn.close();
  });

  it('frames right behind HelloDone — in the same message, and in the next — are not lost to the handshake', async () => {
    const ping = (id: number): Uint8Array => encodeFrame({ type: MessageType.Ping, requestId: id, body: { timestamp: id } });
    const behind = new Uint8Array([...frame(MessageType.HelloDone), ...ping(77)]);
    const peer = await scriptedPeer({ done: () => [behind, ping(78)] });
    const conn = await connect(peer.url, { WebSocket: WS });
    await expect.poll(() => peer.frames.length).toBe(2);
    expect(peer.frames.map((f) => [f.type, Number(f.requestId)])).toEqual([[MessageType.Pong, 77], [MessageType.Pong, 78]]);
    conn.close();
  });

  it('no answer: SW_ERR_HANDSHAKE_TIMEOUT at the deadline', async () => {
    const peer = await scriptedPeer({ ack: () => undefined });
    const e = await rejection(connect(peer.url, { WebSocket: WS, handshakeTimeoutMs: 200 }));
    expect(e).toBeInstanceOf(SessionError);
    expect([e.code, e.status]).toEqual(['SW_ERR_HANDSHAKE_TIMEOUT', 4]);
    expect(await peer.closed).toBe(4008);
  });

  it('a HelloAck but no HelloDone: SW_ERR_HANDSHAKE_TIMEOUT too, after lite has proved its key', async () => {
    const peer = await scriptedPeer({ done: () => undefined });
    const e = await rejection(connect(peer.url, { WebSocket: WS, handshakeTimeoutMs: 300 }));
    expect([e.constructor, e.code, e.status]).toEqual([SessionError, 'SW_ERR_HANDSHAKE_TIMEOUT', 4]);
    await peer.proved;
  });

  it('anything but a HelloAck first: SW_ERR_PROTOCOL, an Error frame back and a 1002 close (sent as 4002)', async () => {
    const peer = await scriptedPeer({ ack: () => frame(MessageType.Request, []) });
    const e = await rejection(connect(peer.url, { WebSocket: WS }));
    expect([e.constructor, e.code, e.status]).toEqual([SessionError, 'SW_ERR_PROTOCOL', 7]);
    expect(await peer.closed).toBe(4002);
    expect(peer.frames.map((f) => [f.type, (decodeBody(f) as { status: number }).status])).toEqual([[MessageType.Error, 7]]);
  });

  it('anything but HelloDone after the proof: SW_ERR_PROTOCOL and a 1002 close', async () => {
    const peer = await scriptedPeer({ done: () => frame(MessageType.Request, []) });
    const e = await rejection(connect(peer.url, { WebSocket: WS }));
    expect([e.constructor, e.code, e.status, e.message]).toEqual([SessionError, 'SW_ERR_PROTOCOL', 7, `[swarmwire] expected HelloDone, got message type ${MessageType.Request}`]);
    expect(await peer.closed).toBe(4002);
  });

  it('a HelloAck offering no common version: SW_ERR_VERSION_NEGOTIATION', async () => {
    const peer = await scriptedPeer({ ack: (honest) => forged(honest, { version: 3, minVersion: 3 }) });
    const e = await rejection(connect(peer.url, { WebSocket: WS }));
    expect([e.constructor, e.code, e.status]).toEqual([WireError, 'SW_ERR_VERSION_NEGOTIATION', 10]);
  });

  it('a refusal (Error Unauthorized): SW_ERR_HANDSHAKE_REJECTED with the status and the peer\'s words, close 1008', async () => {
    const peer = await scriptedPeer({ ack: () => frame(MessageType.Error, { status: 11, message: 'not on the list' }) });
    const e = await rejection(connect(peer.url, { WebSocket: WS }));
    expect([e.constructor, e.code, e.status, e.message]).toEqual([SessionError, 'SW_ERR_HANDSHAKE_REJECTED', 11, '[swarmwire] the peer refused the handshake: not on the list']);
    expect(await peer.closed).toBe(4008);
  });

  it('no WebSocket global and none given (Node 20): lite loads the `ws` package itself', async () => {
    const global = globalThis as { WebSocket?: unknown };
    const saved = global.WebSocket;
    delete global.WebSocket;
    try {
      const peer = await scriptedPeer();
      const conn = await connect(peer.url);
      expect(conn.peer).toBe(relayIdentity.idHex);
      conn.close();
    } finally {
      if (saved) global.WebSocket = saved;
    }
  });
});

describe('lite: a relay that cannot prove who it is', () => {
  const other = async (): Promise<Identity> => createIdentity();

  it.each([
    ['a proof that does not verify', (honest: Uint8Array) => {
      const proof = (unpack(honest) as { proof: Uint8Array }).proof.slice();
      proof[0]! ^= 1;
      return forged(honest, { proof });
    }, /the HelloAck does not prove the key of node/],
    ['no proof at all', (honest: Uint8Array) => {
      const { proof: _, ...rest } = unpack(honest) as Record<string, unknown>;
      return frame(MessageType.HelloAck, rest);
    }, /the HelloAck does not prove the key of node/],
    ['a node id that is not its key\'s (claiming another node)', (honest: Uint8Array, impostor: Identity) => forged(honest, { nodeId: impostor.id }), /the node id is not the id of the key that came with it/],
    ['another node\'s key and id, without its private key', (honest: Uint8Array, impostor: Identity) => forged(honest, { nodeId: impostor.id, key: impostor.publicKey }), /the HelloAck does not prove the key of node/],
  ] as const)('%s → SW_ERR_IDENTITY, an Error frame back, close 1008 (sent as 4008)', async (_, lie, message) => {
    const impostor = await other();
    const peer = await scriptedPeer({ ack: (honest) => lie(honest, impostor) });
    const e = await rejection(connect(peer.url, { WebSocket: WS }));
    expect([e.constructor, e.code, e.status]).toEqual([SessionError, 'SW_ERR_IDENTITY', 11]);
    expect(e.message).toMatch(message);
    expect(await peer.closed).toBe(4008);
    expect(peer.frames.map((f) => [f.type, (decodeBody(f) as { status: number }).status])).toEqual([[MessageType.Error, 11]]);
  });

  it('a HelloAck recorded from another connection (its proof signs another Hello): SW_ERR_IDENTITY', async () => {
    let recorded: Uint8Array | undefined;
    const first = await scriptedPeer({ ack: (honest) => (recorded = encodeFrame({ type: MessageType.HelloAck, payload: honest })) });
    (await connect(first.url, { WebSocket: WS })).close();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    const replay = await scriptedPeer({ ack: () => recorded });
    const e = await rejection(connect(replay.url, { WebSocket: WS }));
    expect([e.code, e.status]).toEqual(['SW_ERR_IDENTITY', 11]);
    expect(await replay.closed).toBe(4008);
  });

  it('a key algorithm lite cannot verify: SW_ERR_UNSUPPORTED_KEY, close 1008', async () => {
    const peer = await scriptedPeer({ ack: (honest) => forged(honest, { alg: 9 }) });
    const e = await rejection(connect(peer.url, { WebSocket: WS }));
    expect([e.constructor, e.code, e.status, e.message]).toEqual([SessionError, 'SW_ERR_UNSUPPORTED_KEY', 10, '[swarmwire] unknown key algorithm 9 (1 Ed25519, 2 P-256)']);
    expect(await peer.closed).toBe(4008);
  });

  it('expectPeer: an honest relay that is not the pinned node is refused (SW_ERR_IDENTITY, 1008); the pinned one is reached', async () => {
    const pinned = await other();
    const peer = await scriptedPeer();
    const e = await rejection(connect(peer.url, { WebSocket: WS, expectPeer: pinned.id }));
    expect([e.constructor, e.code, e.status, e.message]).toEqual([SessionError, 'SW_ERR_IDENTITY', 11, `[swarmwire] expected node ${pinned.idHex}, reached node ${relayIdentity.idHex}`]);
    expect(await peer.closed).toBe(4008);
    const right = await scriptedPeer();
    const conn = await connect(right.url, { WebSocket: WS, expectPeer: relayIdentity.id });
    expect(conn.peer).toBe(relayIdentity.idHex);
    conn.close();
  });
});

describe('lite: hostile messages during the handshake', () => {
  it.each([
    ['a text message', 'SW_ERR_PAYLOAD', 7, 4003, WireError, () => 'hello'],
    ['bad magic', 'SW_ERR_FRAME_MAGIC', 7, 4002, WireError, () => header(MessageType.HelloAck, { magic: 0xdeadbeef })],
    ['a HelloAck announcing 70,000 bytes (past the 64 KiB handshake limit)', 'SW_ERR_FRAME_TOO_LARGE', 9, 4009, WireError, () => header(MessageType.HelloAck, { length: 70_000 })],
    ['a HelloAck cut short', 'SW_ERR_FRAME_TRUNCATED', 7, 4002, WireError, (honest: Uint8Array) => encodeFrame({ type: MessageType.HelloAck, payload: honest }).subarray(0, 60)],
    ['a HelloAck with a CRC-32C trailer', 'SW_ERR_FRAME_CHECKSUM', 8, 4002, WireError, (honest: Uint8Array) => encodeFrame({ type: MessageType.HelloAck, features: Feature.CHECKSUM, payload: honest })],
    ['a HelloAck that is not MessagePack', 'SW_ERR_PAYLOAD', 7, 4002, WireError, () => encodeFrame({ type: MessageType.HelloAck, payload: new Uint8Array([0xc1]) })],
    ['a HelloAck that is a string', 'SW_ERR_PAYLOAD', 7, 4002, WireError, () => frame(MessageType.HelloAck, 'ack')],
    ['a HelloAck with a 17-byte node id', 'SW_ERR_PAYLOAD', 7, 4002, WireError, (honest: Uint8Array) => forged(honest, { nodeId: new Uint8Array(17) })],
    ['a HelloAck holding an array32 bomb', 'SW_ERR_PAYLOAD', 7, 4002, WireError, () => encodeFrame({ type: MessageType.HelloAck, payload: new Uint8Array([0x81, 0xa1, 0x78, 0xdd, 0x01, 0xff, 0xff, 0xff]) })],
    ['an Error whose body does not decode', 'SW_ERR_PROTOCOL', 3, 4002, SessionError, () => encodeFrame({ type: MessageType.Error, payload: new Uint8Array([0xc1]) })],
    ['a Goodbye', 'SW_ERR_PROTOCOL', 7, 4002, SessionError, () => frame(MessageType.Goodbye, { code: 1000, reason: 'bye' })],
  ] as const)('%s → %s (status %s, close %s)', async (_, code, status, closeCode, cls, answer) => {
    const peer = await scriptedPeer({ ack: answer });
    const e = await rejection(connect(peer.url, { WebSocket: WS }));
    expect([e.constructor, e.code, e.status]).toEqual([cls, code, status]);
    expect(await peer.closed).toBe(closeCode);
    expect(peer.frames.map((f) => [f.type, (decodeBody(f) as { status: number }).status])).toEqual([[MessageType.Error, status]]);
  });
});

describe('lite: a relay that cannot be reached', () => {
  // In a child process, so an 'error' event nobody listens to would crash it (exit code 1) rather than vitest.
  // Each URL is tried with the runtime's WebSocket global where it has one (Node 22+: undici, which gives no reason),
  // then without it: lite takes the `ws` package, as it does on Node 20, which says why.
  const SCRIPT = `const { connect } = await import(process.argv[1]);
const results = [];
const attempt = async (url, runtime) => {
  try {
    await connect(url, { handshakeTimeoutMs: 5000 });
    results.push({ url, runtime, connected: true });
  } catch (e) {
    results.push({ url, runtime, name: e.name, code: e.code, status: e.status, recoverable: e.recoverable, message: e.message, cause: e.cause?.code ?? e.cause?.message });
  }
};
const runtime = typeof globalThis.WebSocket;
for (const url of process.argv.slice(2)) await attempt(url, runtime);
delete globalThis.WebSocket;
for (const url of process.argv.slice(2)) await attempt(url, 'ws');
await new Promise((resolve) => setTimeout(resolve, 200)); // an 'error' event emitted late would crash us here
console.log(JSON.stringify(results));`;

  // On every Node the package supports: Node 22's WebSocket sends no close after a refused connect, and connect()
  // waited for the handshake deadline there (SW_ERR_HANDSHAKE_TIMEOUT, 10 s by default).
  it.each([20, 22, 24])('Node %i: rejects connect() with SW_ERR_CONNECT_FAILED and the reason (ECONNREFUSED, HTTP 404) — no unhandled error event', async (major) => {
    const node = await nodeBinary(major);
    const http = createServer((_, res) => res.writeHead(404).end('no such path'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    try {
      const dead = `ws://127.0.0.1:${deadPort}/ws`;
      const notFound = `ws://127.0.0.1:${(http.address() as { port: number }).port}/nope`;
      const { stdout } = await promisify(execFile)(node, ['--input-type=module', '-e', SCRIPT, `${ROOT}dist/lite.js`, dead, notFound], { timeout: 20_000 });
      const results = JSON.parse(stdout) as Array<Record<string, string>>;
      // Whatever the WebSocket, a typed rejection that names the URL and gives a reason.
      for (const r of results) {
        expect(r).toMatchObject({ name: 'SwarmwireError', code: 'SW_ERR_CONNECT_FAILED', status: 3 });
        expect(r.message).toMatch(new RegExp(`^\\[swarmwire\\] cannot reach ${r.url}: \\S`));
      }
      // With `ws` (Node 20's only WebSocket), the reason is the runtime's own.
      const [refused, missing] = results.slice(2);
      // Nothing listening may be a relay starting: worth another try. A 404 answers every try the same: not.
      expect(refused).toMatchObject({ url: dead, runtime: 'ws', cause: 'ECONNREFUSED', recoverable: true });
      expect(refused!.message).toMatch(/ECONNREFUSED/);
      expect(missing).toMatchObject({ url: notFound, runtime: 'ws', recoverable: false });
      expect(missing!.message).toMatch(/: Unexpected server response: 404$/);
    } finally {
      http.close();
    }
  }, 120_000);
});

describe('lite: malformed frames from an open peer', () => {
  it.each([
    ['bad magic', 'SW_ERR_FRAME_MAGIC', 7, 4002, header(MessageType.Response, { magic: 0xdeadbeef })],
    ['wire version 2', 'SW_ERR_FRAME_VERSION', 10, 4002, header(MessageType.Response, { version: 2 })],
    ['unknown message type 200', 'SW_ERR_FRAME_TYPE', 7, 4002, header(200)],
    ['a header cut short', 'SW_ERR_FRAME_TRUNCATED', 7, 4002, header(MessageType.Response).subarray(0, 20)],
    ['a payload shorter than announced', 'SW_ERR_FRAME_TRUNCATED', 7, 4002, header(MessageType.Response, { length: 10 })],
    ['payload_len past the negotiated 1 KiB', 'SW_ERR_FRAME_TOO_LARGE', 9, 4009, header(MessageType.Response, { length: 4096 })],
    // Lite never offers CHECKSUM, so a trailer — even a right one — is a frame it did not ask for.
    ['a frame with a CRC-32C trailer', 'SW_ERR_FRAME_CHECKSUM', 8, 4002, encodeFrame({ type: MessageType.Response, requestId: 1, features: Feature.CHECKSUM, body: 5 })],
  ])('%s → %s (status %s, close %s)', async (_, code, status, closeCode, bytes) => {
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

  it('a CRC-32C trailer is refused in words that say why', async () => {
    const peer = await scriptedPeer();
    const conn = await connect(peer.url, { WebSocket: WS });
    (await peer.socket).send(encodeFrame({ type: MessageType.Event, features: Feature.CHECKSUM, body: 'x' }));
    const { error } = await conn.closed;
    expect([error?.constructor, error?.message]).toEqual([WireError, '[swarmwire] a CRC-32C trailer, which swarmwire/lite never asks for']);
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
    const conn = await connect(peer.url, { WebSocket: WS, heartbeatIntervalMs: 50 });
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
  const frame = (features: number[]) => fc.record({
    type: fc.constantFrom(...Object.values(MessageType)), features: fc.constantFrom(...features),
    requestId: fc.maxSafeInteger().map(Math.abs), moduleHi: fc.nat({ max: 0xffffffff }), moduleLo: fc.nat({ max: 0xffffffff }),
    methodHash: fc.nat({ max: 0xffffffff }), payload: fc.uint8Array({ maxLength: 300 }),
  });

  it('writes what the full SDK writes, and reads it back', () => {
    fc.assert(fc.property(frame([0, Feature.BATCHING, Feature.ACK_REQUIRED, Feature.BATCHING | Feature.ACK_REQUIRED]), (f) => {
      const bytes = frameBytes(f);
      const full = encodeFrame({ type: f.type as never, features: f.features, requestId: f.requestId, moduleId: (BigInt(f.moduleHi) << 32n) | BigInt(f.moduleLo), methodHash: f.methodHash, payload: f.payload });
      expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(full).toString('hex'));
      const [back] = readFrames(bytes, { maxPayload: 1 << 20 });
      expect({ ...back, payload: Array.from(back!.payload) }).toMatchObject({ ...f, payload: Array.from(f.payload) });
    }), { numRuns: 300 });
  });

  it('any bytes: frames or a WireError with a SW_ERR_ code, as the full SDK decides — except that a header the full SDK accepts with the CHECKSUM flag is SW_ERR_FRAME_CHECKSUM', () => {
    const HEADER_ERRORS = ['SW_ERR_FRAME_MAGIC', 'SW_ERR_FRAME_VERSION', 'SW_ERR_FRAME_TYPE', 'SW_ERR_FRAME_TOO_LARGE'];
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), frame([0, Feature.CHECKSUM, Feature.BATCHING, Feature.ACK_REQUIRED]).map((f) => {
      const b = frameBytes(f).slice();
      b[Math.floor(b.length / 3)]! ^= 0x10; // a valid frame with one bit flipped
      return b;
    })), (bytes) => {
      let lite: unknown, full: unknown;
      try {
        lite = readFrames(bytes, { maxPayload: 1 << 20 }).length;
      } catch (e) {
        expect((e as WireError).name).toBe('WireError'); // src/'s class here, not dist/'s
        lite = (e as WireError).code;
      }
      try {
        full = decodeFrames(bytes, { maxPayload: 1 << 20 }).length;
      } catch (e) {
        full = (e as WireError).code;
      }
      // One frame at most here (80 random bytes never hold two headers): its header decides.
      const flagged = bytes.length >= 32 && (bytes[7]! & Feature.CHECKSUM) !== 0 && !HEADER_ERRORS.includes(full as string);
      expect(lite).toBe(flagged ? 'SW_ERR_FRAME_CHECKSUM' : full);
    }), { numRuns: 2000 });
  });
});
