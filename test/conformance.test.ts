// The session rules every implementation must keep alike (docs/protocol.md "Sessions"), as one table of cases run
// against each: the full SDK's Session (behind a SessionHost, over the in-process pair), the Durable Object relay's
// peer (DurablePeer, on a recording socket and in-memory storage — the same class workerd runs, see
// test/workers.test.ts) and swarmwire/lite (a real WebSocket client, the peer a raw server). After the handshake the
// peer sends the case's messages; each implementation must answer with the same frames (type, status, request id)
// and end the same way (close code, or still open).
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { connect } from '../src/lite/connection.js';
import { DurablePeer, type NodeRecord } from '../src/edge/durable-peer.js';
import type { DurableStorage, HibernatableWebSocket } from '../src/edge/workers-types.js';
import { memoryPair } from '../src/transport/memory.js';
import { SessionHost } from '../src/session/host.js';
import { ResponderHandshake } from '../src/session/handshake.js';
import { createIdentity } from '../src/session/identity.js';
import { Feature, MessageType, Status } from '../src/wire/constants.js';
import { type Frame, decodeBody, decodeFrames, encodeFrame } from '../src/wire/frame.js';
import { parseHello } from '../src/wire/hello.js';
import { rawHandshake } from './fixtures/raw-handshake.js';

/** What an implementation did with a case: the frames it answered with, and how its link ended (0: still open). */
interface Outcome {
  replies: Array<[type: number, status: number | undefined, id: number]>;
  close: number;
}

const MAX_PAYLOAD = 1024;
const bytes = (type: number, init: { id?: number; body?: unknown; features?: number; payload?: Uint8Array } = {}) =>
  encodeFrame({ type: type as never, requestId: init.id ?? 0, features: init.features ?? 0, ...(init.payload ? { payload: init.payload } : { body: init.body }) });
const header = (over: { magic?: number; type?: number; length?: number }): Uint8Array => {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  v.setUint32(0, over.magic ?? 0x4d4c4e4b);
  v.setUint8(4, 1);
  v.setUint8(5, over.type ?? MessageType.Event);
  v.setUint32(28, over.length ?? 0);
  return b;
};

/** The cases: what the peer sends once the session is open, and what every implementation must do. */
const CASES: Array<{ name: string; send: Uint8Array[]; expect: Outcome }> = [
  { name: 'Ping is answered with a Pong of the same id', send: [bytes(MessageType.Ping, { id: 7, body: { timestamp: 1 } })], expect: { replies: [[MessageType.Pong, undefined, 7]], close: 0 } },
  { name: 'a frame that asks is acked, every time it comes', send: [bytes(MessageType.Event, { id: 5, features: Feature.ACK_REQUIRED, body: 'x' }), bytes(MessageType.Event, { id: 5, features: Feature.ACK_REQUIRED, body: 'x' })], expect: { replies: [[MessageType.Ack, undefined, 5], [MessageType.Ack, undefined, 5]], close: 0 } },
  { name: 'Goodbye ends it with the code it names', send: [bytes(MessageType.Goodbye, { body: { code: 4100, reason: 'bye' } })], expect: { replies: [], close: 4100 } },
  { name: 'a Goodbye whose body is not a map is a violation', send: [bytes(MessageType.Goodbye, { body: 'bye' })], expect: { replies: [[MessageType.Error, Status.InvalidFrame, 0]], close: 1002 } },
  { name: 'a Hello on an open session is a violation', send: [bytes(MessageType.Hello, { body: {} })], expect: { replies: [[MessageType.Error, Status.InvalidFrame, 0]], close: 1002 } },
  { name: 'a HelloProof on an open session is a violation', send: [bytes(MessageType.HelloProof, { body: { proof: new Uint8Array(64) } })], expect: { replies: [[MessageType.Error, Status.InvalidFrame, 0]], close: 1002 } },
  { name: 'bytes that are not a frame: InvalidFrame, 1002', send: [header({ magic: 0xdeadbeef })], expect: { replies: [[MessageType.Error, Status.InvalidFrame, 0]], close: 1002 } },
  { name: 'a payload over the agreed limit: PayloadTooLarge, 1009', send: [header({ length: MAX_PAYLOAD * 4 })], expect: { replies: [[MessageType.Error, Status.PayloadTooLarge, 0]], close: 1009 } },
  { name: 'an Error about the session itself changes nothing', send: [bytes(MessageType.Error, { body: { status: Status.ExecutionError, message: 'fyi' } }), bytes(MessageType.Ping, { id: 9, body: { timestamp: 1 } })], expect: { replies: [[MessageType.Pong, undefined, 9]], close: 0 } },
  { name: 'a compressed frame nobody negotiated is a violation', send: [bytes(MessageType.Event, { id: 3, features: Feature.COMPRESSED, payload: new Uint8Array([1, 2, 3]) })], expect: { replies: [[MessageType.Error, Status.InvalidFrame, 0]], close: 1002 } },
];

const summary = (frames: Frame[]): Outcome['replies'] =>
  frames.map((f) => [f.type, f.type === MessageType.Error ? (decodeBody(f) as { status: number }).status : undefined, Number(f.requestId)]);

/** Waits until `count` frames came back or the link ended, then a little longer for stragglers. */
async function settle(got: () => number, closed: () => boolean, count: number): Promise<void> {
  const end = Date.now() + 3_000;
  while (got() < count && !closed() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 30));
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** The full SDK: a SessionHost accepts; the test is the raw peer (no COMPRESSED offered, so none is agreed). */
async function session(send: Uint8Array[], count: number): Promise<Outcome> {
  const host = new SessionHost({ heartbeatIntervalMs: 0, maxPayload: MAX_PAYLOAD, identity: await createIdentity() });
  cleanups.push(() => host.close());
  const [a, b] = memoryPair();
  host.accept(b).catch(() => {});
  const got: Frame[] = [];
  let close = 0;
  a.on('message', (m) => got.push(...decodeFrames(m.slice())));
  a.on('close', (info) => (close = info.code));
  await rawHandshake((m) => a.send(m), async (n) => {
    while (got.length < n) await new Promise((r) => setTimeout(r, 2));
    return got[n - 1]!;
  }, undefined, 0);
  got.length = 0;
  for (const m of send) a.send(m);
  await settle(() => got.length, () => close !== 0, count);
  return { replies: summary(got), close };
}

/** The Durable Object relay's peer, as its relay builds it after a handshake. */
async function durable(send: Uint8Array[], count: number): Promise<Outcome> {
  const identity = await createIdentity();
  const sent: Frame[] = [];
  let close = 0;
  const socket: HibernatableWebSocket = {
    readyState: 1,
    send: (data) => void sent.push(...decodeFrames(new Uint8Array(data as ArrayBuffer))),
    close: (code) => void (close ||= code ?? 1005),
    serializeAttachment: () => {},
    deserializeAttachment: () => null,
  };
  const kv = new Map<string, unknown>();
  const storage = {
    get: async (k: string) => kv.get(k), put: async (k: string, v: unknown) => void kv.set(k, v),
    delete: async () => true, list: async () => new Map(), getAlarm: async () => null, setAlarm: async () => {},
  } as unknown as DurableStorage;
  const hello = parseHello({ version: 2, minVersion: 2, nodeId: identity.id, role: 'edge', capabilities: [], features: 0, maxPayload: MAX_PAYLOAD, metadata: {}, alg: 1, key: identity.publicKey, nonce: new Uint8Array(32) });
  const record: NodeRecord = { hello, topics: [], idLease: 1, seen: 0, connectedAt: Date.now() };
  const peer = new DurablePeer(socket, record, { version: 2, capabilities: [], features: 0, maxPayload: MAX_PAYLOAD }, storage);
  for (const m of send) if (peer.open) peer.receive(m);
  await settle(() => sent.length, () => close !== 0, count);
  return { replies: summary(sent), close };
}

/** swarmwire/lite as the client; the test is a raw server that runs the responder's handshake, then the case. */
async function lite(send: Uint8Array[], count: number): Promise<Outcome> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => new Promise((r) => server.close(r)));
  await new Promise((r) => server.once('listening', r));
  const relay = await createIdentity();
  const got: Frame[] = [];
  let close = 0;
  let ready!: (ws: WebSocket) => void;
  const opened = new Promise<WebSocket>((r) => (ready = r));
  server.once('connection', (ws) => {
    ws.on('close', (code) => (close = code > 4000 && code < 4016 ? code - 3000 : code));
    const handshake = new ResponderHandshake(relay, { role: 'relay', capabilities: [], features: 0, maxPayload: MAX_PAYLOAD, metadata: {} });
    let queue = Promise.resolve();
    ws.on('message', (data: Buffer) => {
      const frames = decodeFrames(new Uint8Array(data));
      queue = queue.then(async () => {
        for (const f of frames) {
          if (handshake.state === 'awaiting-hello') {
            await handshake.hello(f.type, f.payload);
            ws.send(encodeFrame({ type: MessageType.HelloAck, payload: await handshake.ack() }));
          } else if (handshake.state === 'awaiting-proof') {
            await handshake.proof(f.type, f.payload);
            ws.send(encodeFrame({ type: MessageType.HelloDone }));
            ready(ws);
          } else got.push(f);
        }
      });
    });
  });
  const { port } = server.address() as { port: number };
  const conn = await connect(`ws://127.0.0.1:${port}`, { heartbeatIntervalMs: 0, maxPayload: MAX_PAYLOAD });
  cleanups.push(() => conn.close());
  const ws = await opened;
  for (const m of send) ws.send(m);
  await settle(() => got.length, () => close !== 0, count);
  return { replies: summary(got), close };
}

const IMPLEMENTATIONS = { 'the full SDK': session, 'the Durable Object relay': durable, 'swarmwire/lite': lite };

describe.each(Object.entries(IMPLEMENTATIONS))('session rules: %s', (_, run) => {
  it.each(CASES)('$name', async ({ send, expect: wanted }) => {
    const outcome = await run(send, wanted.replies.length);
    expect(outcome).toEqual(wanted);
  });
});
