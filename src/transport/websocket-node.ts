// A WebSocket server on Node that hands each connection over as a Transport. `ws` is loaded only when
// listenWebSocket runs, so importing this module costs other runtimes nothing. The relay builds on this; it is not here.
import { acceptWebSocket, DEFAULT_MAX_MESSAGE_BYTES } from './websocket.js';
import { type OriginPolicy, originAllowed } from './origin.js';
import type { WebSocketLike, WebSocketOptions, WebSocketTransport } from './websocket.js';

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
  /** On close(), how long peers get to answer the close before their sockets are cut. Default 2000 ms. */
  closeTimeoutMs: number;
  /** Origins whose upgrades are accepted; others get HTTP 403 before any WebSocket exists. Default: any. */
  allowedOrigins: OriginPolicy;
  /** With allowedOrigins, refuse upgrades without an Origin header (non-browser clients) too. Default false. */
  requireOrigin: boolean;
}

export interface WebSocketListener {
  /** ws://host:port/path to connect to. */
  readonly url: string;
  readonly port: number;
  /** The connections not yet closed. */
  readonly transports: ReadonlySet<WebSocketTransport>;
  /** Closes every connection with `code` (default 1001 Going Away) and stops listening. Idempotent. */
  close(code?: number, reason?: string): Promise<void>;
}

/**
 * Listens for WebSocket connections (Node, `ws`). `onTransport` runs synchronously for each one, already open:
 * add its listeners there, since messages that arrive before any listener is added are not kept.
 * Oversized messages are refused by `ws` before they are buffered (maxPayload = maxMessageBytes).
 */
export async function listenWebSocket(
  onTransport: (transport: WebSocketTransport, request: WebSocketRequest) => void,
  options: Readonly<Partial<ListenWebSocketOptions>> = {},
): Promise<WebSocketListener> {
  const { WebSocketServer } = await import('ws');
  const host = options.host ?? '127.0.0.1';
  const wss = new WebSocketServer({
    host,
    port: options.port ?? 0,
    ...(options.path === undefined ? {} : { path: options.path }),
    maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
    ...(options.allowedOrigins === undefined ? {} : {
      verifyClient: (info: { origin?: string }, answer: (ok: boolean, code?: number, message?: string) => void) =>
        originAllowed(info.origin, options.allowedOrigins, options.requireOrigin) ? answer(true) : answer(false, 403, 'Forbidden origin'),
    }),
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  // After listening the server itself has nothing left to fail on; the listener only keeps a stray error from
  // becoming an uncaught exception.
  wss.on('error', () => {});
  const transports = new Set<WebSocketTransport>();
  wss.on('connection', (socket, request) => {
    const transport = acceptWebSocket(socket as unknown as WebSocketLike, options);
    transports.add(transport);
    transport.on('close', () => transports.delete(transport));
    try {
      onTransport(transport, request);
    } catch (e) {
      transport.close(1011, 'server error');
      throw e;
    }
  });
  const address = wss.address();
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
        }, options.closeTimeoutMs ?? 2000);
        wss.close(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return closing;
    },
  };
}
