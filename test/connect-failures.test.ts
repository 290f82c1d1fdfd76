// Failures that explain themselves (issue 14), on real sockets: a port with nothing listening, a name that does not
// resolve, HTTP servers answering the upgrade with an error, a server that never answers, a WebSocket server that
// is no swarmwire peer. The transport keeps the runtime's reason (Node 20 and `ws`: ECONNREFUSED, ENOTFOUND, the
// upgrade's HTTP status); connectSession reports every failed attempt at once (onRetry), gives a first connection up
// after firstConnectTimeoutMs and stops at an error that is not recoverable, while an established session keeps
// trying through a relay's restart. Node 22 and 24 (their own WebSocket hides reasons) are checked in child processes.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { connect as tcpConnect, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import { type CloseInfo, connect, connectSession, connectWebSocket, createIdentity, type RetryInfo, SessionError, Status, type Transport, TransportError, TransportErrorCode } from 'swarmwire';
import { listenWebSocket, startRelay } from 'swarmwire/node';
import { reconnecting } from 'swarmwire/transport';
import { DEFAULT_FIRST_CONNECT_TIMEOUT_MS } from '../src/session/connect.js';
import { nodeBinary } from './fixtures/packed.js';
import { rejection } from './rejection.js';
import { until } from './fixtures/until.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A port nothing listens on: one the OS just handed out and took back. */
async function deadPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** An HTTP server answering every request, upgrades included, with `status`. */
async function httpAnswering(status: number): Promise<string> {
  const server: Server = createServer((_, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(`status ${status}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return `ws://127.0.0.1:${(server.address() as { port: number }).port}/ws`;
}

/** A TCP server that accepts connections and never answers: an upgrade that hangs. */
async function blackhole(): Promise<{ url: string; sockets: Socket[]; closed: Socket[] }> {
  const sockets: Socket[] = [];
  const closed: Socket[] = [];
  const server = createTcpServer((s) => {
    s.resume(); // read (and ignore) the upgrade request, so the end of the connection is seen
    s.on('error', () => {});
    s.on('close', () => closed.push(s));
    sockets.push(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return { url: `ws://127.0.0.1:${(server.address() as { port: number }).port}/ws`, sockets, closed };
}

/**
 * A TCP proxy to 127.0.0.1:`target`: down() cuts every connection and stops listening (connections are refused
 * from then on, as with a crashed relay), up() listens again on the same port.
 */
async function tcpProxy(target: number): Promise<{ port: number; up(): Promise<void>; down(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: TcpServer | undefined;
  let port = 0;
  const up = async (): Promise<void> => {
    const s = createTcpServer((client) => {
      const upstream = tcpConnect(target, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => {
          sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
    port = (s.address() as { port: number }).port;
    server = s;
  };
  const down = async (): Promise<void> => {
    const s = server;
    server = undefined;
    // Stop accepting first: a reconnect slipping in between would be a connection nobody cuts.
    const stopped = s ? new Promise((r) => s.close(r)) : undefined;
    for (const socket of sockets) socket.destroy();
    await stopped;
  };
  await up();
  cleanups.push(down);
  return { port, up, down };
}

function closeOf(t: Transport): Promise<CloseInfo> {
  return new Promise((resolve) => t.on('close', resolve));
}

describe('connectWebSocket says why a connection failed (Node 20, `ws`)', () => {
  it('a port with nothing listening: ECONNREFUSED in the message, the OS error as the cause', async () => {
    const port = await deadPort();
    const info = await closeOf(connectWebSocket(`ws://127.0.0.1:${port}/ws`));
    const error = info.error as TransportError;
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe(TransportErrorCode.CONNECT_FAILED);
    expect(error.message).toBe(`[swarmwire] websocket ws://127.0.0.1:${port}/ws: could not connect: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(error.recoverable).toBe(true);
    expect(error.httpStatus).toBeUndefined();
    expect(info.code).toBe(1006);
  });

  it('a name that does not resolve: the resolver\'s error (ENOTFOUND) and the name', async () => {
    const error = (await closeOf(connectWebSocket('ws://no-such-host.invalid/ws'))).error as TransportError;
    expect(error.code).toBe(TransportErrorCode.CONNECT_FAILED);
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain((error.cause as NodeJS.ErrnoException).code);
    expect(error.message).toMatch(/could not connect: getaddrinfo (ENOTFOUND|EAI_AGAIN) no-such-host\.invalid$/);
    expect(error.recoverable).toBe(true);
  });

  it.each([
    [404, false, 'the server answered the WebSocket upgrade with HTTP 404: no WebSocket endpoint at this path'],
    [401, false, 'the server answered the WebSocket upgrade with HTTP 401: refused (origin or credentials)'],
    [400, false, 'the server answered the WebSocket upgrade with HTTP 400'],
    [408, true, 'the server answered the WebSocket upgrade with HTTP 408'],
    [429, true, 'the server answered the WebSocket upgrade with HTTP 429'],
    [502, true, 'the server answered the WebSocket upgrade with HTTP 502'],
    [503, true, 'the server answered the WebSocket upgrade with HTTP 503'],
  ])('an HTTP %i answering the upgrade: httpStatus, recoverable %s', async (status, recoverable, reason) => {
    const url = await httpAnswering(status);
    const error = (await closeOf(connectWebSocket(url))).error as TransportError;
    expect(error.code).toBe(TransportErrorCode.CONNECT_FAILED);
    expect(error.message).toBe(`[swarmwire] websocket ${url}: could not connect: ${reason}`);
    expect(error.httpStatus).toBe(status);
    expect(error.recoverable).toBe(recoverable);
    expect((error.cause as Error).message).toBe(`Unexpected server response: ${status}`);
  });

  it('a swarmwire server refusing the Origin (403) and the relay\'s 404 for a wrong path: not recoverable', async () => {
    const listener = await listenWebSocket(() => {}, { allowedOrigins: ['https://app.example'], requireOrigin: true });
    cleanups.push(() => listener.close());
    const refused = (await closeOf(connectWebSocket(listener.url))).error as TransportError;
    expect({ status: refused.httpStatus, recoverable: refused.recoverable }).toEqual({ status: 403, recoverable: false });
    const relay = await startRelay({ port: 0 });
    cleanups.push(() => relay.close());
    const wrongPath = (await closeOf(connectWebSocket(relay.wsUrl.replace(/\/ws$/, '/socket')))).error as TransportError;
    expect({ status: wrongPath.httpStatus, recoverable: wrongPath.recoverable }).toEqual({ status: 404, recoverable: false });
  });

  it('a URL no WebSocket can open (malformed, another scheme): not recoverable', async () => {
    for (const url of ['not a url', 'ftp://127.0.0.1/ws']) {
      const error = (await closeOf(connectWebSocket(url))).error as TransportError;
      expect(error.code).toBe(TransportErrorCode.CONNECT_FAILED);
      expect(error.recoverable).toBe(false);
      expect(error.message).toContain(url);
    }
  });
});

describe('connect() takes URLs of its schemes, and says so for anything else', () => {
  // A newcomer's first mistakes: no scheme at all (which the runtime's URL parser answered with a bare "Invalid URL"),
  // a host:port that parses as a scheme of its own, an http: URL copied from the dashboard's address bar.
  it.each(['127.0.0.1:8787', 'localhost:8787/ws', 'http://127.0.0.1:8787/ws', ''])('%j: a TypeError that names the URL and shows one it takes', async (url) => {
    const error = await rejection(connect(url));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe(`[swarmwire] connect() takes a ws:, wss: or https: (WebTransport) URL, such as ws://127.0.0.1:8787/ws, not ${JSON.stringify(url)}`);
  });
});

describe('connectSession reports, retries and gives up', () => {
  it('reports every failed attempt at once, with its reason, then gives a first connection up at firstConnectTimeoutMs', async () => {
    const port = await deadPort();
    const retries: RetryInfo[] = [];
    const error = (await rejection(connectSession(() => connectWebSocket(`ws://127.0.0.1:${port}/ws`), {
      firstConnectTimeoutMs: 1_000, reconnect: { initialDelayMs: 20, maxDelayMs: 40, maxAttempts: Infinity }, onRetry: (info) => retries.push(info),
    }))) as TransportError;
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries.map((r) => r.attempt)).toEqual(retries.map((_, i) => i + 1));
    for (const r of retries) {
      expect(r.reconnecting).toBe(false);
      expect(r.delayMs).toBeGreaterThanOrEqual(0);
      expect(r.delayMs).toBeLessThanOrEqual(40);
      expect(((r.error as TransportError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    }
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe(TransportErrorCode.CONNECT_FAILED);
    expect(error.message).toMatch(new RegExp(`^\\[swarmwire\\] could not connect within 1000 ms \\(\\d+ attempt\\(s\\), the last: websocket ws://127\\.0\\.0\\.1:${port}/ws: could not connect: connect ECONNREFUSED`));
    expect(((error.cause as TransportError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(error.recoverable).toBe(true); // a refused port may come up later: the verdict of what it wraps
  });

  it('still gives up after reconnect.maxAttempts failures in a row, whichever comes first', async () => {
    const port = await deadPort();
    const retries: RetryInfo[] = [];
    const error = (await rejection(connectSession(() => connectWebSocket(`ws://127.0.0.1:${port}/ws`), { reconnect: { maxAttempts: 3, initialDelayMs: 1 }, onRetry: (i) => retries.push(i) }))) as TransportError;
    expect(retries.map((r) => r.attempt)).toEqual([1, 2]);
    expect(error.message).toBe(`[swarmwire] could not connect after 3 attempt(s): websocket ws://127.0.0.1:${port}/ws: could not connect: connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('abandons an attempt still under way at the deadline, and closes its socket', async () => {
    const hole = await blackhole();
    const retries: RetryInfo[] = [];
    const error = (await rejection(connectSession(() => connectWebSocket(hole.url), { firstConnectTimeoutMs: 300, onRetry: (i) => retries.push(i) }))) as TransportError;
    expect(error.message).toBe('[swarmwire] could not connect within 300 ms (the first attempt is still under way)');
    expect(retries).toEqual([]);
    await until(() => hole.sockets.length === 1 && hole.closed.length === 1);
  });

  it('gives a first connection up after 15 s by default (fake clock; a server that never answers)', async () => {
    expect(DEFAULT_FIRST_CONNECT_TIMEOUT_MS).toBe(15_000);
    const hole = await blackhole();
    const identity = await createIdentity(); // made before the clock is faked: key generation takes real time
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let settled: unknown;
    void connectSession(() => connectWebSocket(hole.url), { identity }).then((s) => (settled = s), (e: unknown) => (settled = e));
    await vi.advanceTimersByTimeAsync(14_900);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(200);
    expect(settled).toBeInstanceOf(TransportError);
    // Whether the first attempt's own 10 s deadline has been reported by then depends on real time the fake clock
    // does not control (loading `ws`, the handshake's promises): either way the give-up says 15000 ms.
    expect((settled as Error).message).toMatch(/^\[swarmwire\] could not connect within 15000 ms \((the first attempt is still under way|\d+ attempt\(s\), the last: websocket .*: no connection within 10000 ms)\)$/);
  });

  it('stops at once at an error that is not recoverable: an HTTP 404 for the upgrade', async () => {
    const url = await httpAnswering(404);
    const retries: RetryInfo[] = [];
    const error = (await rejection(connectSession(() => connectWebSocket(url), { onRetry: (i) => retries.push(i) }))) as TransportError;
    expect(retries).toEqual([]);
    expect(error).toMatchObject({ code: TransportErrorCode.CONNECT_FAILED, httpStatus: 404, recoverable: false });
  });

  it('reconnecting() follows the same verdict: a 404 ends it at the first try, a refused port is tried again', async () => {
    const url = await httpAnswering(404);
    const tries: number[] = [];
    const error = (await rejection(reconnecting((attempt) => (tries.push(attempt), connectWebSocket(url)), { maxAttempts: 5, initialDelayMs: 1 }))) as TransportError;
    expect(tries).toEqual([0]);
    expect(error).toMatchObject({ code: TransportErrorCode.CONNECT_FAILED, httpStatus: 404, recoverable: false });
    const port = await deadPort();
    const refused: number[] = [];
    const gaveUp = (await rejection(reconnecting((attempt) => (refused.push(attempt), connectWebSocket(`ws://127.0.0.1:${port}/ws`)), { maxAttempts: 3, initialDelayMs: 1 }))) as TransportError;
    expect(refused).toEqual([0, 1, 2]);
    expect(gaveUp.message).toBe('[swarmwire] gave up after 3 attempts');
  });

  it('stops at once when the server is a WebSocket server but no swarmwire peer (it sends text)', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (ws) => ws.send('hello, I am an echo server'));
    cleanups.push(() => new Promise((r) => wss.close(r)));
    const retries: RetryInfo[] = [];
    const error = (await rejection(connectSession(() => connectWebSocket(`ws://127.0.0.1:${(wss.address() as { port: number }).port}/`), { onRetry: (i) => retries.push(i) }))) as TransportError;
    expect(retries).toEqual([]);
    expect(error).toMatchObject({ code: TransportErrorCode.PROTOCOL, recoverable: false });
    expect(error.message).toContain('received a text message; swarmwire sends binary messages only');
  });

  it('a relay that holds all the peers it takes (QuotaExceeded) is tried again, and lets the peer in once one leaves', async () => {
    const relay = await startRelay({ port: 0, maxPeers: 1, heartbeatIntervalMs: 0 });
    cleanups.push(() => relay.close());
    const first = await connectSession(() => connectWebSocket(relay.wsUrl), { heartbeatIntervalMs: 0 });
    const retries: RetryInfo[] = [];
    const second = connectSession(() => connectWebSocket(relay.wsUrl), {
      heartbeatIntervalMs: 0, firstConnectTimeoutMs: 10_000, reconnect: { initialDelayMs: 20, maxDelayMs: 50 }, onRetry: (i) => retries.push(i),
    });
    await until(() => retries.length >= 2);
    const refusal = retries[0]!.error as SessionError;
    expect(refusal).toBeInstanceOf(SessionError);
    expect(refusal).toMatchObject({ code: 'SW_ERR_HANDSHAKE_REJECTED', status: Status.QuotaExceeded, recoverable: true });
    first.close();
    const session = await second;
    expect(session.state).toBe('open');
    session.close();
  });

  it('an established session keeps trying past firstConnectTimeoutMs, and resumes when its relay is reachable again', async () => {
    const relay = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
    cleanups.push(() => relay.close());
    const proxy = await tcpProxy(relay.port);
    const retries: RetryInfo[] = [];
    // Time for the first connection (a loaded machine: loading `ws`, making a key pair), and a deadline the session
    // then outlives.
    const started = Date.now();
    const session = await connectSession(() => connectWebSocket(`ws://127.0.0.1:${proxy.port}/ws`), {
      heartbeatIntervalMs: 0, firstConnectTimeoutMs: 1_500, reconnect: { initialDelayMs: 10, maxDelayMs: 50, maxAttempts: Infinity }, onRetry: (i) => retries.push(i),
    });
    cleanups.push(() => session.close());
    const peer = session.peer!.id;
    await proxy.down(); // the relay's machine is unreachable: connections drop, then are refused
    await until(() => retries.length >= 3 && Date.now() - started > 2_000);
    expect(session.state).toBe('disconnected');
    expect(retries.every((r) => r.reconnecting)).toBe(true);
    expect(((retries.at(-1)!.error as TransportError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    await proxy.up();
    await until(() => session.state === 'open');
    expect(session.peer!.id).toBe(peer);
  });
});

// Node 22+ has a WebSocket of its own that says nothing of why a connection failed (22: "Received network error or
// non-101 status code" and no close event for a refused connect; 24: no message at all): on Node, connectWebSocket
// uses `ws` instead, so every Node reports the same reasons.
describe.each([22, 24])('on Node %i', (major) => {
  it('connectWebSocket reports ECONNREFUSED and the upgrade\'s HTTP status, as on Node 20', async () => {
    const node = await nodeBinary(major);
    const port = await deadPort();
    const url404 = await httpAnswering(404);
    const script = `
      import { connectWebSocket } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).pathname)};
      const out = [];
      for (const url of [${JSON.stringify(`ws://127.0.0.1:${port}/ws`)}, ${JSON.stringify(url404)}]) {
        const info = await new Promise((r) => connectWebSocket(url).on('close', r));
        out.push({ message: info.error.message, cause: info.error.cause?.code ?? null, httpStatus: info.error.httpStatus ?? null, recoverable: info.error.recoverable });
      }
      console.log(JSON.stringify({ hasBuiltIn: typeof WebSocket === 'function', out }));`;
    const { stdout } = await promisify(execFile)(node, ['--input-type=module', '-e', script], { timeout: 20_000 });
    const { hasBuiltIn, out } = JSON.parse(stdout) as { hasBuiltIn: boolean; out: Array<Record<string, unknown>> };
    expect(hasBuiltIn).toBe(true);
    expect(out[0]).toEqual({ message: `[swarmwire] websocket ws://127.0.0.1:${port}/ws: could not connect: connect ECONNREFUSED 127.0.0.1:${port}`, cause: 'ECONNREFUSED', httpStatus: null, recoverable: true });
    expect(out[1]).toMatchObject({ httpStatus: 404, recoverable: false });
  }, 120_000);
});
