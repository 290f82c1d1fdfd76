// Issue 13, holes 4 and 5, attacked as an outsider would: the Node relay in a process of its own, raw TCP and
// WebSocket bytes from this one. Before Hello completes, a message over the handshake limit is cut at its header,
// connections still handshaking are capped (in all: 503, per address: 429), and a connection past its deadline or
// its lost heartbeat is destroyed soon after its Close — not 30 s later while it trickles bytes in.
import { afterEach, describe, expect, it } from 'vitest';
import { type Socket, connect } from 'node:net';
import { DEFAULT_HANDSHAKE_LIMITS } from 'swarmwire/transport';
import { HANDSHAKE_MAX_PAYLOAD } from '../src/wire/constants.js';
import { HEADER_SIZE, CHECKSUM_SIZE, MAX_PAYLOAD, MIN_VERSION, VERSION, decodeFrames, encodeFrame, fnv1a32 } from 'swarmwire/wire';
import { MessageType, RELAY_MODULE, SessionHost, Status, connectSession, connectWebSocket, decodeBody, type Session } from 'swarmwire';
import { listenWebSocket } from 'swarmwire/node';
import { type RawWs, rawWs } from './fixtures/raw-ws.js';
import { type RelayProcess, relayProcess } from './fixtures/relay-process.js';
import { within } from './fixtures/ws-helpers.js';
import { rawWsHandshake } from './fixtures/raw-handshake.js';

let relay: RelayProcess | undefined;
const sockets: RawWs[] = [];
const sessions: Session[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.close();
  for (const r of sockets.splice(0)) r.socket.destroy();
  relay?.stop();
  relay = undefined;
});

function raw(options: { localAddress?: string } = {}): RawWs {
  const r = rawWs(relay!.wsUrl, options);
  sockets.push(r);
  return r;
}


async function echo(session: Session, value: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    const id = session.send({ type: MessageType.Request, moduleId: RELAY_MODULE, methodHash: fnv1a32('echo'), body: [value] });
    const off = session.on('frame', (f) => {
      if (Number(f.requestId) !== id) return;
      off();
      resolve(decodeBody(f));
    });
  });
}

/**
 * Announces a message of `size` bytes and sends its payload as fast as the socket takes it, until the server cuts
 * the connection; resolves with the payload bytes written by then.
 */
async function announce(r: RawWs, size: number): Promise<number> {
  const chunk = Buffer.alloc(1 << 20);
  let written = 0;
  r.socket.write(r.header(size));
  while (!r.socket.destroyed && written < size) {
    written += chunk.length;
    if (!r.socket.write(chunk)) await Promise.race([new Promise((res) => r.socket.once('drain', res)), r.closed]);
  }
  await within(r.closed, 10_000, 'the socket to be destroyed');
  return written;
}

/** Writes `bytes` one byte every 20 ms; returns what stops it. */
function trickle(socket: Socket, bytes: Uint8Array): () => void {
  let at = 0;
  const timer = setInterval(() => {
    if (at < bytes.length && !socket.destroyed) socket.write(bytes.subarray(at, ++at));
  }, 20);
  return () => clearInterval(timer);
}

/** Waits until the relay counts `n` connections handshaking. */
function handshaking(n: number): Promise<void> {
  return within((async () => {
    while ((await relay!.stats()).handshaking !== n) await new Promise((res) => setTimeout(res, 10));
  })(), 5_000, `${n} connections handshaking`);
}

/** Resolves with the time the first WebSocket Close frame from the server arrived. */
function closeFrame(r: RawWs, ms = 10_000): Promise<number> {
  return within((async () => {
    while (!r.frames.some((f) => f.opcode === 8)) await new Promise((res) => setTimeout(res, 5));
    return performance.now();
  })(), ms, 'a Close frame');
}

describe('before Hello completes (Node relay, attacked from another process)', () => {
  it('the handshake limits follow the session layer\'s: one handshake frame of HANDSHAKE_MAX_PAYLOAD fits, with room for a second', () => {
    expect(DEFAULT_HANDSHAKE_LIMITS.maxHandshakeMessage).toBe(HANDSHAKE_MAX_PAYLOAD + HEADER_SIZE + CHECKSUM_SIZE);
    expect(DEFAULT_HANDSHAKE_LIMITS.maxHandshakeBytes).toBeGreaterThanOrEqual(2 * (DEFAULT_HANDSHAKE_LIMITS.maxHandshakeMessage + 14));
  });

  it('a message announced over the handshake limit is cut at its header: 8 peers announcing 48 MiB each send a few MiB at most, and the relay does not grow', async () => {
    relay = await relayProcess();
    const before = (await relay.stats()).rss;
    // Each from an address of its own: an address that broke a limit is banned for a while (tested below).
    const attack = async (i: number): Promise<number> => {
      const r = raw({ localAddress: `127.0.0.${10 + i}` });
      expect(await r.status).toBe(101);
      return announce(r, 48 << 20);
    };
    const written = await Promise.all(Array.from({ length: 8 }, (_, i) => attack(i)));
    // Only what the kernels buffered got out before the relay destroyed each socket; on main all 48 MiB went in.
    for (const w of written) expect(w).toBeLessThan(16 << 20);
    expect((await relay.stats()).rss - before).toBeLessThan(64 << 20);
    await handshaking(0);
    // The relay carries on for honest peers.
    const session = await connectSession(() => connectWebSocket(relay!.wsUrl), { heartbeatIntervalMs: 0, reconnect: false });
    sessions.push(session);
    expect(await echo(session, 'still here')).toBe('still here');
  });

  it('an address that broke a limit is dropped on arrival for banMs, before any HTTP; other addresses are not', async () => {
    relay = await relayProcess({ handshake: { banMs: 1_000 } });
    const first = raw({ localAddress: '127.0.0.20' });
    expect(await first.status).toBe(101);
    await announce(first, 1 << 20);
    const again = raw({ localAddress: '127.0.0.20' });
    expect(await again.status).toBe(0); // closed without an HTTP answer
    expect(again.frames).toHaveLength(0);
    expect(await raw({ localAddress: '127.0.0.21' }).status).toBe(101);
    // The page too is out of reach for it meanwhile; once the ban is over it may come back.
    await within((async () => {
      for (;;) {
        if (await raw({ localAddress: '127.0.0.20' }).status === 101) return;
        await new Promise((res) => setTimeout(res, 100));
      }
    })(), 5_000, 'the ban to end');
  });

  it('an honest Hello near the 64 KiB handshake limit is let through, and once open the peer may send large messages', async () => {
    relay = await relayProcess();
    // Near 64 KiB by its token (what authorize reads, which the relay does not repeat); its metadata under the
    // relay's maxPeerInfoBytes (4,096 bytes of capabilities and metadata, which every peers() answer repeats).
    const session = await connectSession(() => connectWebSocket(relay!.wsUrl), {
      heartbeatIntervalMs: 0, reconnect: false, token: 't'.repeat(60_000), metadata: { name: 'honest', pad: 'x'.repeat(3_900) },
    });
    sessions.push(session);
    const big = 'y'.repeat(1 << 20);
    expect(await echo(session, big)).toBe(big);
    expect((await relay.stats()).handshaking).toBe(0);
    // 60 KB of metadata is more than the relay will repeat to every peer: refused at the handshake, typed, for good.
    const refused = await connectSession(() => connectWebSocket(relay!.wsUrl), { heartbeatIntervalMs: 0, reconnect: false, metadata: { pad: 'x'.repeat(60_000) } })
      .then(() => undefined, (error: unknown) => error as { code?: string; status?: number; message: string });
    expect(refused).toMatchObject({ code: 'SW_ERR_HANDSHAKE_REJECTED', status: Status.Unauthorized, recoverable: false });
    expect(refused!.message).toMatch(/SW_ERR_RELAY_PEER_INFO_TOO_LARGE: .* maxPeerInfoBytes of 4096/);
    await handshaking(0); // its place given back once its socket is gone
    expect((await relay.stats()).peers).toHaveLength(1);
  });

  it('connections still handshaking are capped: per remote address (HTTP 429) and in all (503), and a completed handshake gives its place back', async () => {
    relay = await relayProcess({ handshake: { maxHandshaking: 6, maxHandshakingPerAddress: 4 } });
    const first = Array.from({ length: 4 }, () => raw());
    expect(await Promise.all(first.map((r) => r.status))).toEqual([101, 101, 101, 101]);
    expect(await raw().status).toBe(429); // a fifth from 127.0.0.1
    const second = [raw({ localAddress: '127.0.0.2' }), raw({ localAddress: '127.0.0.2' })];
    expect(await Promise.all(second.map((r) => r.status))).toEqual([101, 101]);
    expect(await raw({ localAddress: '127.0.0.3' }).status).toBe(503); // all 6 places taken
    expect((await relay.stats()).handshaking).toBe(6);
    // A connection that goes gives its place back.
    for (const r of first) r.socket.destroy();
    await handshaking(2);
    expect(await raw().status).toBe(101);
    await handshaking(3);
    // An honest peer takes a place for its handshake only.
    const session = await connectSession(() => connectWebSocket(relay!.wsUrl), { heartbeatIntervalMs: 0, reconnect: false });
    sessions.push(session);
    expect((await relay.stats()).handshaking).toBe(3);
    expect((await relay.stats()).peers).toHaveLength(1);
  });

  it('a slowloris past the handshake deadline is closed, and its socket destroyed soon after the Close (not after ws\'s 30 s)', async () => {
    relay = await relayProcess({ handshakeTimeoutMs: 300 });
    const trickler = raw();
    const idle = raw();
    expect(await trickler.status).toBe(101);
    expect(await idle.status).toBe(101);
    // A 100-byte frame, one byte every 20 ms: never a whole message, never silent.
    const bytes = Buffer.concat([trickler.header(100), Buffer.alloc(100)]);
    const stop = trickle(trickler.socket, bytes);
    try {
      for (const r of [trickler, idle]) {
        const closeAt = await closeFrame(r);
        expect(r.frames.find((f) => f.opcode === 8)!.payload.readUInt16BE(0)).toBe(1008);
        await within(r.closed, 5_000, 'the socket destroyed after its Close');
        expect(performance.now() - closeAt).toBeLessThan(5_000);
      }
    } finally {
      stop();
    }
    await handshaking(0);
  });

  it('a connection that trickles its upgrade request is dropped at the deadline, not after Node\'s 60 s', async () => {
    relay = await relayProcess({ handshakeTimeoutMs: 300 });
    const { port } = relay;
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    const request = Buffer.from('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Pad: ' + 'a'.repeat(200));
    const stop = trickle(socket, request);
    try {
      await within(new Promise((res) => socket.once('close', res)), 8_000, 'the trickled request to be dropped');
    } finally {
      stop();
    }
  });

  it('after a lost heartbeat the socket is destroyed soon after the Close, though the peer keeps trickling bytes', async () => {
    relay = await relayProcess({ heartbeatIntervalMs: 100, missedHeartbeats: 2 });
    const r = raw();
    expect(await r.status).toBe(101);
    await rawWsHandshake(r);
    // From now on it never answers a Ping, only trickles a frame that never completes.
    const bytes = Buffer.concat([r.header(1000), Buffer.alloc(1000)]);
    const stop = trickle(r.socket, bytes);
    try {
      const closeAt = await closeFrame(r);
      await within(r.closed, 5_000, 'the socket destroyed after its Close');
      expect(performance.now() - closeAt).toBeLessThan(5_000);
    } finally {
      stop();
    }
  });
});

describe('listenWebSocket serving sessions', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  it('keeps a connection under the limits until the handshake its callback returned resolves', async () => {
    const host = new SessionHost({ heartbeatIntervalMs: 0 });
    host.onSession((s) => s.on('frame', (f) => s.send({ type: MessageType.Response, requestId: f.requestId, payload: f.payload.slice() })));
    const listener = await listenWebSocket((t) => host.accept(t), { handshake: { maxHandshakingPerAddress: 2 } });
    closers.push(async () => host.close(), () => listener.close());
    const url = listener.url;
    // A 48 MiB announcement is cut at its header.
    const big = rawWs(url, { localAddress: '127.0.0.30' });
    sockets.push(big);
    expect(await big.status).toBe(101);
    expect(await announce(big, 48 << 20)).toBeLessThan(16 << 20);
    // Two idle connections from one address, then 429.
    const idle = [rawWs(url), rawWs(url), rawWs(url)];
    sockets.push(...idle);
    expect(await Promise.all(idle.map((r) => r.status))).toEqual([101, 101, 429]);
    // A session's handshake completes and its limits are lifted: a 1 MiB echo goes through.
    for (const r of idle) r.socket.destroy();
    const session = await connectSession(() => connectWebSocket(url), { heartbeatIntervalMs: 0, reconnect: false });
    sessions.push(session);
    const answered = new Promise<number>((resolve) => session.on('frame', (f) => resolve(f.payloadLength)));
    session.send({ type: MessageType.Event, payload: new Uint8Array(1 << 20).fill(7) });
    expect(await within(answered, 5_000, 'the echo')).toBe(1 << 20);
  });

  it('a callback that returns nothing lifts the limits at once', async () => {
    const got: number[] = [];
    const listener = await listenWebSocket((t) => void t.on('message', (m) => got.push(m.length)), { handshake: { maxHandshakeMessage: 1024 } });
    closers.push(() => listener.close());
    const r = rawWs(listener.url);
    sockets.push(r);
    expect(await r.status).toBe(101);
    r.socket.write(r.frame(new Uint8Array(100_000)));
    await within((async () => {
      while (got.length === 0) await new Promise((res) => setTimeout(res, 5));
    })(), 5_000, 'the message');
    expect(got).toEqual([100_000]);
  });
});
