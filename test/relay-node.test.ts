// The Node relay server end to end: real WebSocket connections on 127.0.0.1, Node clients, raw `ws` misbehaving.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startRelay, type RelayServer } from '../src/relay/node.js';
import { connectSession } from '../src/session/connect.js';
import { connectWebSocket } from '../src/transport/websocket.js';
import type { Session } from '../src/session/session.js';
import { decodeBody, decodeFrame, encodeFrame, type Frame } from '../src/wire/frame.js';
import { MessageType, Status } from '../src/wire/constants.js';
import { fnv1a32 } from '../src/wire/fnv.js';
import { RELAY_MODULE } from '../src/relay/relay.js';
import { parseRouted, routedBody } from '../src/wire/routed.js';
import { rawHandshake } from './fixtures/raw-handshake.js';
import { TestClock } from './fixtures/clock.js';

let server: RelayServer | undefined;
const sessions: Session[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) s.close();
  await server?.close();
  server = undefined;
});

const until = async (what: () => boolean, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

async function client(name: string, options: Parameters<typeof connectSession>[1] = {}) {
  const session = await connectSession(() => connectWebSocket(server!.wsUrl), { metadata: { name }, heartbeatIntervalMs: 0, ...options });
  sessions.push(session);
  const inbox: Frame[] = [];
  session.on('frame', (f) => inbox.push({ ...f, payload: f.payload.slice() }));
  return { session, inbox };
}

/** A raw socket that speaks bytes, to misbehave with. */
async function raw(): Promise<{ ws: WebSocket; frames: Frame[]; closed: Promise<{ code: number }> }> {
  const ws = new WebSocket(server!.wsUrl);
  ws.binaryType = 'nodebuffer';
  const frames: Frame[] = [];
  ws.on('message', (data: Buffer) => frames.push(decodeFrame(new Uint8Array(data))));
  const closed = new Promise<{ code: number }>((r) => ws.on('close', (code) => r({ code })));
  await new Promise((r) => ws.once('open', r));
  return { ws, frames, closed };
}

/** Completes the handshake on a raw socket (its HelloAck and HelloDone are frames 1 and 2). */
const handshake = (bad: Awaited<ReturnType<typeof raw>>) => rawHandshake((b) => bad.ws.send(b), async (n) => {
  await until(() => bad.frames.length >= n);
  return bad.frames[n - 1]!;
});

describe('relay over WebSocket (Node)', () => {
  it('routes frames between two Node peers by node id and answers relay.echo', async () => {
    server = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
    const alice = await client('alice');
    const bob = await client('bob');
    alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.session.nodeId, encodeFrame({ type: MessageType.Event, body: 'hi bob' })) });
    await until(() => bob.inbox.length === 1);
    expect(decodeBody(decodeFrame(parseRouted(decodeBody(bob.inbox[0]!)).frame))).toBe('hi bob');
    const id = alice.session.send({ type: MessageType.Request, moduleId: RELAY_MODULE, methodHash: fnv1a32('echo'), body: [{ n: 42 }] });
    await until(() => alice.inbox.some((f) => Number(f.requestId) === id));
    expect(decodeBody(alice.inbox.find((f) => Number(f.requestId) === id)!)).toEqual({ n: 42 });
  });

  it('measures each peer\'s round trip from its heartbeats, on the relay\'s clock (fake time)', async () => {
    const clock = new TestClock();
    server = await startRelay({ port: 0, heartbeatIntervalMs: 5_000, clock });
    const alice = await client('alice');
    await clock.advance(4_999);
    expect(server.relay.peers()[0]!.rtt).toBeNull(); // no heartbeat yet
    await clock.advance(1); // the relay's first Ping, over the real socket
    await until(() => server!.relay.peers()[0]?.rtt !== null);
    expect(server.relay.peers()[0]!.rtt).toBe(0); // no fake time passed while it travelled
    expect(alice.session.state).toBe('open');
  });

  it('answers a frame before Hello with InvalidFrame and closes 1002; the relay and other peers carry on', async () => {
    server = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
    const bystander = await client('bystander');
    const bad = await raw();
    bad.ws.send(encodeFrame({ type: MessageType.Request, body: [] }));
    expect((await bad.closed).code).toBe(1002);
    expect(bad.frames.map((f) => [f.type, decodeBody<{ status: number }>(f).status])).toEqual([[MessageType.Error, Status.InvalidFrame]]);
    expect(await bystander.session.ping()).toBeGreaterThanOrEqual(0);
  });

  it.each([
    ['bad magic', (b: Uint8Array): void => void (b[0] = 0), Status.InvalidFrame, 1002],
    ['bad checksum', (b: Uint8Array): void => void (b[b.length - 1]! ^= 1), Status.ChecksumMismatch, 1002],
  ] as const)('answers %s after the handshake with its status and closes %i', async (_, spoil, status, code) => {
    server = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
    const bad = await raw();
    await handshake(bad);
    const frame = encodeFrame({ type: MessageType.Event, features: 0x08, body: 'x' });
    spoil(frame);
    bad.ws.send(frame);
    expect((await bad.closed).code).toBe(code);
    expect(decodeBody<{ status: number }>(bad.frames[2]!).status).toBe(status);
  });

  it('closes 1009 on a payload over the negotiated limit', async () => {
    server = await startRelay({ port: 0, heartbeatIntervalMs: 0, maxPayload: 1024 });
    const bad = await raw();
    await handshake(bad);
    bad.ws.send(encodeFrame({ type: MessageType.Event, payload: new Uint8Array(4096) }));
    expect((await bad.closed).code).toBe(1009);
    expect(decodeBody<{ status: number }>(bad.frames[2]!).status).toBe(Status.PayloadTooLarge);
  });

  it('serves the status page with cross-origin isolation, and its script', async () => {
    server = await startRelay({ port: 0 });
    const page = await fetch(server.url);
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(await page.text()).toContain('/swarmwire.global.js');
    expect((await fetch(new URL('/healthz', server.url))).status).toBe(200);
  });
});
