// A WebSocket server on Node that hands each connection over as a Transport. `ws` and `node:http` are loaded only
// when listenWebSocket runs, so importing this module costs other runtimes nothing. The relay builds on this; it is
// not here.
import { acceptWebSocket, DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_MAX_MESSAGE_BYTES } from './websocket.js';
import { type OriginPolicy, originAllowed } from './origin.js';
import { type HandshakeLimits, HandshakeGate, type Pass } from './handshake-gate.js';
import type { WebSocketLike, WebSocketOptions, WebSocketTransport } from './websocket.js';
import { createDebug } from '../core/debug.js';

const debug = /* @__PURE__ */ createDebug('swarmwire:transport');

/** What a connection's upgrade request tells (a Node IncomingMessage, typed structurally). */
export interface WebSocketRequest {
  readonly url?: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly socket: { readonly remoteAddress?: string };
}

export interface ListenWebSocketOptions extends WebSocketOptions {
  /** Interface to listen on. Default '127.0.0.1'. */
  host: string;
  /** Port; 0 picks a free one. Default 0. */
  port: number;
  /** Accept upgrades on this path only. Default any path. */
  path: string;
  /** Origins whose upgrades are accepted; others get HTTP 403 before any WebSocket exists. Default: any. */
  allowedOrigins: OriginPolicy;
  /** With allowedOrigins, refuse upgrades without an Origin header (non-browser clients) too. Default false. */
  requireOrigin: boolean;
  /**
   * Limits on connections whose handshake has not completed (those whose onTransport returned a promise, until it
   * resolves): how many at once, in all (HTTP 503 past it) and per remote address (429), the largest message and
   * the bytes each may send, and the deadline after which its socket is destroyed. Default: DEFAULT_HANDSHAKE_LIMITS.
   */
  handshake: Readonly<Partial<HandshakeLimits>>;
}

export interface WebSocketListener {
  /** ws://host:port/path to connect to. */
  readonly url: string;
  readonly port: number;
  /** The connections not yet closed. */
  readonly transports: ReadonlySet<WebSocketTransport>;
  /**
   * Closes every connection with `code` (default 1001 Going Away) and stops listening; a peer that does not answer
   * the close within closeTimeoutMs is cut. Idempotent.
   */
  close(code?: number, reason?: string): Promise<void>;
}

/**
 * Listens for WebSocket connections (Node, `ws`). `onTransport` runs synchronously for each one, already open:
 * add its listeners there, since messages that arrive before any listener is added are not kept. Return the
 * handshake's promise from it (`(t) => host.accept(t)`) to keep the connection under the pre-handshake limits
 * (`handshake`) until it resolves; a rejection needs no handler of yours. A callback that returns nothing lifts them
 * at once. Oversized messages are refused by `ws` before they are buffered (maxPayload = maxMessageBytes).
 */
export async function listenWebSocket(
  onTransport: (transport: WebSocketTransport, request: WebSocketRequest) => unknown,
  options: Readonly<Partial<ListenWebSocketOptions>> = {},
): Promise<WebSocketListener> {
  const [{ WebSocketServer }, { createServer, STATUS_CODES }] = await Promise.all([import('ws'), import('node:http')]);
  const host = options.host ?? '127.0.0.1';
  const gate = new HandshakeGate(options.handshake);
  // Our own HTTP server (ws would make one with Node's defaults): a connection that never finishes its upgrade
  // request is dropped at the handshake deadline, not after 60 s checked every 30.
  const deadlineMs = gate.limits.handshakeDeadlineMs;
  const http = createServer({ headersTimeout: deadlineMs, requestTimeout: deadlineMs, connectionsCheckingInterval: 1_000 }, (_, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end(STATUS_CODES[426]);
  });
  gate.screen(http);
  const passes = new WeakMap<object, Pass>();
  const wss = new WebSocketServer({
    server: http,
    ...(options.path === undefined ? {} : { path: options.path }),
    maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
    verifyClient: (info: { origin?: string; req: WebSocketRequest & { socket: object } }, answer: (ok: boolean, code?: number, message?: string) => void) => {
      const address = info.req.socket.remoteAddress ?? '';
      if (!originAllowed(info.origin, options.allowedOrigins, options.requireOrigin)) {
        if (debug.on) debug.log('refused', { status: 403, why: 'origin not allowed', origin: info.origin, address });
        return answer(false, 403, 'Forbidden origin');
      }
      const pass = gate.guard(info.req.socket as Parameters<HandshakeGate['guard']>[0], address);
      if (typeof pass === 'number') {
        if (debug.on) debug.log('refused', { status: pass, why: pass === 429 ? 'too many handshakes from this address' : 'too many handshakes', address });
        return answer(false, pass);
      }
      passes.set(info.req, pass);
      answer(true); // synchronously: the upgrade completes in this tick, before the watched socket delivers a byte
    },
  });
  await new Promise<void>((resolve, reject) => {
    http.once('listening', resolve);
    http.once('error', reject);
    http.listen(options.port ?? 0, host);
  });
  // After listening the server itself has nothing left to fail on; the listeners only keep a stray error from
  // becoming an uncaught exception.
  http.on('error', () => {});
  wss.on('error', () => {});
  const transports = new Set<WebSocketTransport>();
  wss.on('connection', (socket, request) => {
    const transport = acceptWebSocket(socket as unknown as WebSocketLike, options);
    transports.add(transport);
    transport.on('close', () => transports.delete(transport));
    const pass = passes.get(request);
    let handshake: unknown;
    try {
      handshake = onTransport(transport, request);
    } catch (e) {
      transport.close(1011, 'server error');
      throw e;
    }
    // A failed handshake keeps its watch until the socket is gone: it is closing, and must not stream in meanwhile.
    if (typeof (handshake as PromiseLike<unknown> | undefined)?.then === 'function') (handshake as PromiseLike<unknown>).then(() => pass?.done(), () => {});
    else pass?.done();
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `ws://${host.includes(':') ? `[${host}]` : host}:${port}${options.path ?? '/'}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    transports,
    close(code = 1001, reason = 'server closing') {
      closing ??= new Promise<void>((resolve) => {
        for (const t of [...transports]) t.close(code, reason);
        const timer = setTimeout(() => {
          for (const c of wss.clients) c.terminate();
        }, options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
        wss.close();
        http.close(() => {
          clearTimeout(timer);
          resolve();
        });
        http.closeAllConnections(); // requests never finished (upgraded sockets are the transports' own)
      });
      return closing;
    },
  };
}
