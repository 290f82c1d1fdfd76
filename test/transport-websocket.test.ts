// The WebSocket transport on Node: a real client (`ws`, Node 20 has no platform WebSocket) against a real server
// on 127.0.0.1, both through the transport, plus raw `ws` peers where the peer must misbehave.
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { Status } from '../src/wire/constants.js';
import { Priority, TransportError, TransportErrorCode } from '../src/transport/transport.js';
import { acceptWebSocket, connectWebSocket, DEFAULT_MAX_MESSAGE_BYTES, UNSUPPORTED_DATA } from '../src/transport/websocket.js';
import type { WebSocketConstructor, WebSocketLike, WebSocketTransport } from '../src/transport/websocket.js';
import { listenWebSocket } from '../src/transport/websocket-node.js';
import type { WebSocketListener } from '../src/transport/websocket-node.js';
import { closed, collector, exited, firstDifference, numbered, opened, seqOf, spawnJson, turn, within } from './fixtures/ws-helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A listener whose transports echo every frame back. */
async function echoServer(options: Parameters<typeof listenWebSocket>[1] = {}) {
  const accepted: WebSocketTransport[] = [];
  const server = await listenWebSocket((t) => {
    accepted.push(t);
    t.on('message', (f) => t.send(f.slice()));
  }, options);
  cleanups.push(() => server.close());
  return { server, accepted };
}

function client(url: string, options: Parameters<typeof connectWebSocket>[1] = {}): WebSocketTransport {
  const t = connectWebSocket(url, options);
  cleanups.push(() => t.close());
  return t;
}

/** A raw `ws` server; each accepted socket is wrapped by acceptWebSocket and also handed back raw. */
async function rawServer(options: { maxPayload?: number } = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, ...options });
  await new Promise((resolve) => wss.once('listening', resolve));
  cleanups.push(() => new Promise((resolve) => {
    for (const c of wss.clients) c.terminate();
    wss.close(resolve);
  }));
  const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/`;
  const next = () => within(new Promise<WebSocket>((resolve) => wss.once('connection', resolve)), 5000, 'connection');
  return { wss, url, next };
}

function thrown(fn: () => unknown): TransportError {
  try {
    fn();
  } catch (e) {
    return e as TransportError;
  }
  throw new Error('nothing thrown');
}

describe('websocket transport: frames', () => {
  // Issue 17: through addEventListener `ws` wrapped each listener of each socket in a closure of its own; a relay's
  // sockets now share one set of listeners, and a closed transport takes its own off the socket.
  it('gives every `ws` socket the same listeners, one per event, and removes them (but the error one) on close', async () => {
    const { url, next } = await rawServer();
    const raws: WebSocket[] = [];
    const transports: WebSocketTransport[] = [];
    for (let i = 0; i < 2; i++) {
      const rawPromise = next();
      await opened(client(url));
      const raw = await rawPromise;
      raws.push(raw);
      transports.push(acceptWebSocket(raw as unknown as WebSocketLike));
    }
    // The transport's are the last added (the server adds its own 'close' listener first).
    const last = (raw: WebSocket, event: string) => raw.listeners(event).at(-1);
    for (const event of ['open', 'message', 'close', 'error']) expect(last(raws[0]!, event)).toBe(last(raws[1]!, event));
    expect(raws[0]!.listenerCount('message')).toBe(1);
    transports[0]!.close(1000, 'done');
    expect(raws[0]!.listenerCount('message')).toBe(0);
    expect(raws[0]!.listenerCount('open')).toBe(0);
    expect(raws[0]!.listeners('close')).not.toContain(last(raws[1]!, 'close'));
    expect(raws[0]!.listeners('error')).toContain(last(raws[1]!, 'error'));
    expect(raws[1]!.listenerCount('message')).toBe(1);
  });

  it('round-trips frames of 0 B to 1 MiB in order, through a Node server', async () => {
    const { server } = await echoServer();
    const t = client(server.url);
    const got = collector(t);
    await opened(t);
    expect(t.kind).toBe('websocket');
    const sizes = [0, 1, 4, 125, 126, 127, 65535, 65536, 65537, 1 << 20, 7, 300_000, 0, 1 << 20];
    const sent = sizes.map((size, i) => numbered(i, size));
    for (const f of sent) t.send(f);
    const frames = await got.next(sent.length);
    expect(frames.map((f) => f.byteLength)).toEqual(sizes);
    expect(frames.map((f, i) => firstDifference(f, sent[i]!))).toEqual(sizes.map(() => -1));
  });

  it('sends an empty frame queued behind backpressure, in its place (it adds no bytes to the queue)', async () => {
    const { server } = await echoServer();
    const t = client(server.url, { highWaterMark: 1024 });
    const got = collector(t);
    await opened(t);
    const sizes = [4096, 0, 5, 0, 4096, 0];
    const sent = sizes.map((size, i) => numbered(i, size));
    for (const f of sent) t.send(f); // the first fills the socket past the mark: the rest wait in the queue
    const frames = await got.next(sent.length);
    expect(frames.map((f) => f.byteLength)).toEqual(sizes);
  });

  it('queues frames sent while connecting and sends them on open, in order', async () => {
    const { server, accepted } = await echoServer();
    const t = client(server.url);
    expect(t.state).toBe('connecting');
    const frames = [numbered(1, 10), numbered(2, 70_000), numbered(3, 0), numbered(4, 5)];
    for (const f of frames) t.send(f);
    expect(t.bufferedAmount).toBe(70_015);
    await expect(t.ready()).resolves.toBeUndefined();
    const events: string[] = [];
    t.on('open', () => events.push('open'));
    const got = collector(t);
    await opened(t);
    expect(events).toEqual(['open']);
    const received = await got.next(4);
    expect(received.map((f, i) => firstDifference(f, frames[i]!))).toEqual([-1, -1, -1, -1]);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.state).toBe('open');
  });

  it('delivers server-originated frames and hands the server an open transport', async () => {
    const hello = numbered(42, 64);
    const server = await listenWebSocket((t) => t.send(hello));
    cleanups.push(() => server.close());
    const t = client(server.url);
    const got = collector(t);
    expect((await got.next(1))[0]).toEqual(hello);
    expect(server.transports.size).toBe(1);
  });

  it('rejects a frame over maxMessageBytes on send, and stays open', async () => {
    const { server } = await echoServer();
    const t = client(server.url, { maxMessageBytes: 1000 });
    await opened(t);
    const e = thrown(() => t.send(new Uint8Array(1001)));
    expect(e).toBeInstanceOf(TransportError);
    expect(e.code).toBe(TransportErrorCode.TOO_LARGE);
    expect(e.status).toBe(Status.PayloadTooLarge);
    expect(t.state).toBe('open');
    const got = collector(t);
    t.send(numbered(5, 1000));
    expect((await got.next(1))[0]).toEqual(numbered(5, 1000));
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBe(64 * 1024 * 1024 + 36);
  });
});

describe('websocket transport: closing', () => {
  it('carries code and reason from client to server', async () => {
    const { server, accepted } = await echoServer();
    const t = client(server.url);
    await opened(t);
    await within((async () => { while (accepted.length === 0) await turn(); })(), 5000, 'accept');
    const serverClosed = closed(accepted[0]!);
    t.close(4321, 'bye now');
    expect(t.state).toBe('closed');
    expect(t.closeInfo).toEqual({ code: 4321, reason: 'bye now' });
    expect(await serverClosed).toEqual({ code: 4321, reason: 'bye now' });
    const e = thrown(() => t.send(new Uint8Array(1)));
    expect(e.code).toBe(TransportErrorCode.CLOSED);
    await expect(t.ready()).rejects.toMatchObject({ code: TransportErrorCode.CLOSED });
    expect(server.transports.size).toBe(0);
  });

  it('carries code and reason from server to client, standard codes included', async () => {
    for (const code of [1001, 1002, 1011, 4000]) {
      const server = await listenWebSocket((t) => t.close(code, `server says ${code}`));
      cleanups.push(() => server.close());
      const t = client(server.url);
      const info = await closed(t);
      expect(info.code).toBe(code);
      expect(info.reason).toBe(`server says ${code}`);
      expect(info.error).toBeUndefined();
      await expect(t.ready()).rejects.toMatchObject({ code: TransportErrorCode.CLOSED });
    }
  });

  it('cuts a long reason to 123 UTF-8 bytes at a character boundary', async () => {
    const { server, accepted } = await echoServer();
    const t = client(server.url);
    await opened(t);
    await within((async () => { while (accepted.length === 0) await turn(); })(), 5000, 'accept');
    const serverClosed = closed(accepted[0]!);
    t.close(4000, 'é'.repeat(100));
    const info = await serverClosed;
    expect(info.reason).toBe('é'.repeat(61));
  });

  it('maps the 4000-range mirrors of standard codes back (what WHATWG clients must send)', async () => {
    const { server, accepted } = await echoServer();
    const t = client(server.url);
    await opened(t);
    await within((async () => { while (accepted.length === 0) await turn(); })(), 5000, 'accept');
    const serverClosed = closed(accepted[0]!);
    t.close(4002, 'mirrored');
    expect(await serverClosed).toEqual({ code: 1002, reason: 'mirrored' });
  });

  it('close() sends frames still queued behind backpressure before the close', async () => {
    const { url, next } = await rawServer();
    const t = client(url, { highWaterMark: 64 * 1024, maxBuffered: 64 * 1024 * 1024 });
    const rawPromise = next();
    await opened(t);
    const raw = await rawPromise;
    (raw as unknown as { _socket: Socket })._socket.pause();
    const server = acceptWebSocket(raw as unknown as WebSocketLike);
    const got = collector(server);
    const sent = await fillUntilBackpressured(t, 32 * 1024);
    const goodbye = numbered(0xffff, 100);
    t.send(goodbye);
    t.close(1000, 'done');
    (raw as unknown as { _socket: Socket })._socket.resume();
    const info = await closed(server, 10_000);
    expect(info).toEqual({ code: 1000, reason: 'done' });
    expect(got.frames.map(seqOf)).toEqual([...sent.map((_, i) => i), 0xffff]);
  });
});

/** Sends numbered frames until the transport is past its high-water mark; returns them. */
async function fillUntilBackpressured(t: WebSocketTransport, size: number): Promise<Uint8Array[]> {
  const sent: Uint8Array[] = [];
  // The kernel takes a few MB on loopback before the socket's own buffer grows; each turn lets writes complete.
  await within((async () => {
    while (await isReady(t)) {
      if (sent.length * size > 512 * 1024 * 1024) throw new Error('the buffer never filled');
      const f = numbered(sent.length, size);
      t.send(f);
      sent.push(f);
      await turn();
    }
  })(), 15_000, 'backpressure');
  return sent;
}

/** True when ready() resolves without waiting for I/O. */
async function isReady(t: WebSocketTransport): Promise<boolean> {
  let done = false;
  const p = t.ready().then(() => (done = true));
  await Promise.resolve();
  await Promise.resolve();
  void p.catch(() => {});
  return done;
}

describe('websocket transport: limits and protocol errors', () => {
  it('a message over the server limit closes with 1009 and TOO_LARGE on both sides', async () => {
    const { server, accepted } = await echoServer({ maxMessageBytes: 1000 });
    const t = client(server.url);
    const got = collector(t);
    await opened(t);
    t.send(numbered(1, 1000));
    await got.next(1);
    t.send(numbered(2, 1001));
    const [mine, theirs] = await Promise.all([closed(t), closed(accepted[0]!)]);
    expect(theirs.code).toBe(1009);
    expect(theirs.error).toMatchObject({ code: TransportErrorCode.TOO_LARGE, status: Status.PayloadTooLarge });
    expect(mine.code).toBe(1009);
    expect(mine.error).toMatchObject({ code: TransportErrorCode.TOO_LARGE, status: Status.PayloadTooLarge });
  });

  it('a message over the client limit closes with 1009, whether `ws` or the transport checks it', async () => {
    // `ws` with maxPayload refuses it while reading; a socket class without that limit leaves the check to the transport.
    class Unlimited extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { perMessageDeflate: false });
      }
    }
    for (const Ctor of [undefined, Unlimited as unknown as WebSocketConstructor]) {
      const { server, accepted } = await echoServer();
      const t = client(server.url, { maxMessageBytes: 1000, ...(Ctor ? { WebSocket: Ctor } : {}) });
      const errors: TransportError[] = [];
      t.on('error', (e) => errors.push(e as TransportError));
      await opened(t);
      await within((async () => { while (accepted.length === 0) await turn(); })(), 5000, 'accept');
      accepted[0]!.send(new Uint8Array(1001));
      const [mine, theirs] = await Promise.all([closed(t), closed(accepted[0]!)]);
      expect(mine.code).toBe(1009);
      expect(mine.error).toMatchObject({ code: TransportErrorCode.TOO_LARGE, status: Status.PayloadTooLarge });
      expect(errors).toEqual([mine.error]);
      expect(theirs.code).toBe(1009);
    }
  });

  it('a text message from a client closes with 1003 and a protocol error', async () => {
    const { server, accepted } = await echoServer();
    const raw = new WebSocket(server.url);
    cleanups.push(() => raw.terminate());
    await within(new Promise((resolve) => raw.once('open', resolve)), 5000, 'raw open');
    const rawClosed = within(new Promise<number>((resolve) => raw.once('close', (code) => resolve(code))), 5000, 'raw close');
    raw.send('hello');
    await within((async () => { while (accepted.length === 0) await turn(); })(), 5000, 'accept');
    const info = await closed(accepted[0]!);
    expect(info.code).toBe(UNSUPPORTED_DATA);
    expect(info.error).toMatchObject({ code: 'SW_ERR_TRANSPORT_PROTOCOL', status: Status.InvalidFrame });
    expect(info.error!.message).toMatch(/text message/);
    expect(await rawClosed).toBe(1003);
  });

  it('a text message from a server closes the client with 1003', async () => {
    const { url, next } = await rawServer();
    const t = client(url);
    const raw = await next();
    const rawClosed = within(new Promise<number>((resolve) => raw.once('close', (code) => resolve(code))), 5000, 'raw close');
    raw.send('not binary');
    const info = await closed(t);
    expect(info.code).toBe(1003);
    expect(info.error).toMatchObject({ code: 'SW_ERR_TRANSPORT_PROTOCOL' });
    // On Node the client is `ws` (every version: it says why a connection failed), which sends 1003 itself; a
    // platform WebSocket refuses 1003 from a client and would send its 4000-range mirror (websocket.ts).
    expect(await rawClosed).toBe(1003);
  });
});

describe('websocket transport: failures', () => {
  it('a refused connection closes with 1006 and CONNECT_FAILED; ready() and send() report it', async () => {
    const probe = await listenWebSocket(() => {});
    const url = probe.url;
    await probe.close();
    const t = client(url);
    const errors: unknown[] = [];
    t.on('error', (e) => errors.push(e));
    t.send(numbered(1, 10));
    const info = await closed(t);
    expect(info.code).toBe(1006);
    expect(info.error).toMatchObject({ code: TransportErrorCode.CONNECT_FAILED });
    expect(errors).toEqual([info.error]);
    await expect(t.ready()).rejects.toBe(info.error);
    expect(thrown(() => t.send(new Uint8Array(1)))).toBe(info.error);
  });

  it('a server that accepts TCP but never upgrades hits the connect deadline', async () => {
    const sockets: Socket[] = [];
    const tcp: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      tcp.close(resolve);
    }));
    const t = client(`ws://127.0.0.1:${(tcp.address() as { port: number }).port}/`, { connectTimeoutMs: 300 });
    const info = await closed(t, 5000);
    expect(info.code).toBe(1006);
    expect(info.reason).toBe('connect timeout');
    expect(info.error).toMatchObject({ code: TransportErrorCode.CONNECT_FAILED });
    expect(info.error!.message).toMatch(/no connection within 300 ms/);
  });

  it('a killed server process: the client closes with 1006 and PEER_GONE, and a waiting ready() rejects', async () => {
    const { child, info } = await spawnJson(process.execPath, [new URL('./fixtures/ws-server.mjs', import.meta.url).pathname, '--pause']);
    cleanups.push(() => child.kill('SIGKILL'));
    const t = client(`ws://127.0.0.1:${info.port}/`, { highWaterMark: 64 * 1024 });
    await opened(t);
    await fillUntilBackpressured(t, 64 * 1024);
    const waiting = t.ready();
    process.kill(child.pid!, 'SIGKILL');
    const closeInfo = await closed(t, 10_000);
    expect(closeInfo.code).toBe(1006);
    expect(closeInfo.error).toMatchObject({ code: TransportErrorCode.PEER_GONE });
    await expect(within(waiting, 5000, 'ready() rejection')).rejects.toBe(closeInfo.error);
    await exited(child);
  });

  it('a server that goes away cleanly: the client sees 1001 from listener.close()', async () => {
    const { server } = await echoServer();
    const t = client(server.url);
    await opened(t);
    await within((async () => { while (server.transports.size === 0) await turn(); })(), 5000, 'accept');
    await within(server.close(), 5000, 'server close');
    expect(await closed(t)).toEqual({ code: 1001, reason: 'server closing' });
  });
});

describe('websocket transport: backpressure', () => {
  async function pausedPair(options: Parameters<typeof connectWebSocket>[1]) {
    const { url, next } = await rawServer();
    const t = client(url, options);
    const rawPromise = next();
    await opened(t);
    const raw = await rawPromise;
    const socket = (raw as unknown as { _socket: Socket })._socket;
    socket.pause();
    const server = acceptWebSocket(raw as unknown as WebSocketLike);
    cleanups.push(() => server.close());
    return { t, server, socket };
  }

  it('bufferedAmount grows, ready() waits, send() throws FULL past maxBuffered, and all recovers on resume', async () => {
    const hwm = 256 * 1024;
    const max = 1024 * 1024;
    const { t, server, socket } = await pausedPair({ highWaterMark: hwm, maxBuffered: max });
    const got = collector(server);
    const sent = await fillUntilBackpressured(t, 64 * 1024);
    expect(t.bufferedAmount).toBeGreaterThanOrEqual(hwm);
    let resolved = false;
    const waiting = t.ready().then(() => (resolved = true));
    // Nothing drains while the reader is paused: a few turns of I/O must not wake ready().
    for (let i = 0; i < 50; i++) await turn();
    expect(resolved).toBe(false);
    let full: TransportError | undefined;
    for (let i = 0; i < 64 && !full; i++) {
      const f = numbered(sent.length, 64 * 1024);
      try {
        t.send(f);
        sent.push(f);
      } catch (e) {
        full = e as TransportError;
      }
    }
    expect(full).toBeInstanceOf(TransportError);
    expect(full!.code).toBe(TransportErrorCode.FULL);
    expect(full!.status).toBe(Status.BackpressureRejection);
    expect(t.bufferedAmount).toBeLessThanOrEqual(max);
    expect(t.state).toBe('open');
    socket.resume();
    await within(waiting, 10_000, 'ready() after resume');
    expect(t.bufferedAmount).toBeLessThan(hwm);
    const frames = await got.next(sent.length, 15_000);
    expect(frames.map(seqOf)).toEqual(sent.map((_, i) => i));
    t.send(numbered(sent.length, 10));
    await got.next(sent.length + 1);
  });

  it('frames queued behind backpressure leave by priority: critical before high before low', async () => {
    const { t, server, socket } = await pausedPair({ highWaterMark: 128 * 1024, maxBuffered: 64 * 1024 * 1024 });
    const got = collector(server);
    const sent = await fillUntilBackpressured(t, 32 * 1024);
    const base = sent.length;
    t.send(numbered(base + 0, 8), Priority.Low);
    t.send(numbered(base + 1, 8), Priority.High);
    t.send(numbered(base + 2, 8), Priority.Low);
    t.send(numbered(base + 3, 8), Priority.Critical);
    t.send(numbered(base + 4, 8));
    socket.resume();
    const frames = await got.next(base + 5, 15_000);
    const tail = frames.map(seqOf).slice(base);
    expect(tail).toEqual([base + 3, base + 1, base + 4, base + 0, base + 2]);
  });

  it('after ready() resolves, send() is accepted even for a frame larger than maxBuffered', async () => {
    const { server } = await echoServer();
    const t = client(server.url, { highWaterMark: 1024, maxBuffered: 4096 });
    const got = collector(t);
    await opened(t);
    for (let i = 0; i < 3; i++) {
      await within(t.ready(), 5000, 'ready');
      t.send(numbered(i, 100_000));
    }
    expect((await got.next(3)).map(seqOf)).toEqual([0, 1, 2]);
  });
});
