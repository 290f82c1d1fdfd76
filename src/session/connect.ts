// The connecting side: a Session that dials again, with exponential backoff and full jitter, whenever its
// transport goes away — until close(), a Goodbye, a refusal, or too many failed attempts in a row. connect(url) is
// the one call for the common case: the URL's scheme picks the transport.
import { type BackoffOptions, backoffDelay } from '../transport/backoff.js';
import { type Transport, transportError, TransportErrorCode, CloseCode } from '../transport/transport.js';
import { type ConnectWebSocketOptions, connectWebSocket } from '../transport/websocket.js';
import { type ConnectWebTransportOptions, connectWebTransport } from '../transport/webtransport.js';
import { SessionError, SessionErrorCode } from './errors.js';
import { Session, type SessionOptions } from './session.js';
import type { ClockTimer } from '../core/clock.js';

/** Options of connectSession(): the session's, and how it reconnects. */
export interface ConnectSessionOptions extends SessionOptions {
  /**
   * Reconnect policy (exponential backoff with full jitter; maxAttempts counts failures in a row, default 20), or
   * false to end the session when its first transport goes away. Default: {}.
   */
  reconnect: Partial<BackoffOptions> | false;
}

/**
 * Opens a session over transports made by `dial`, and keeps it connected. Resolves once the first handshake is
 * through; rejects if the first connection cannot be made within the reconnect policy.
 */
export function connectSession(dial: () => Transport | Promise<Transport>, options: Readonly<Partial<ConnectSessionOptions>> = {}): Promise<Session> {
  const session = new Session(options);
  const policy = options.reconnect === false ? false : options.reconnect ?? {};
  const maxAttempts = policy === false ? 1 : policy.maxAttempts ?? 20;
  let failures = 0;
  let timer: ClockTimer | undefined;

  // A function, not a property read: TypeScript would narrow `session.state` across the awaits below.
  const state = (): string => session.state;
  const closed = (): boolean => state() === 'closed';
  return new Promise<Session>((resolve, reject) => {
    let first = true;
    // One attempt at a time: a handshake takes round trips, and a second attempt started meanwhile (by the first
    // one's transport closing) would take the session's transport away from under the first.
    let attempting = false;
    const attempt = async (): Promise<void> => {
      timer = undefined;
      if (closed() || state() === 'open') return;
      attempting = true;
      try {
        await session.connect(await dial());
        failures = 0;
        if (first) {
          first = false;
          resolve(session);
        }
      } catch (error) {
        if (closed()) {
          if (first) reject(error);
          return;
        }
        failures++;
        if (failures >= maxAttempts || (error instanceof SessionError && error.code === SessionErrorCode.REJECTED)) {
          const gaveUp = error instanceof SessionError && error.code === SessionErrorCode.REJECTED ? error
            : transportError(TransportErrorCode.CONNECT_FAILED, `could not connect after ${failures} attempt(s): ${(error as Error).message}`, error);
          session.finish({ code: CloseCode.Abnormal, reason: 'reconnect gave up', error: gaveUp });
          if (first) reject(gaveUp);
          return;
        }
      } finally {
        attempting = false;
      }
      if (state() !== 'open') schedule();
    };
    const schedule = (): void => {
      if (policy === false || closed() || timer || attempting) return;
      timer = session.clock.setTimeout(() => void attempt(), backoffDelay(failures, policy));
    };
    session.on('disconnect', () => {
      if (policy === false) session.finish({ code: CloseCode.Abnormal, reason: 'transport closed' });
      else schedule();
    });
    session.on('close', () => session.clock.clearTimeout(timer));
    void attempt();
  });
}

/** Options of connect(): the session's, how it reconnects, and the transport's. */
export interface ConnectOptions extends ConnectSessionOptions {
  /** Options of each WebSocket, for ws: and wss: URLs (the WebSocket class on Node 20, buffer limits). Default: {}. */
  webSocket: Readonly<Partial<ConnectWebSocketOptions>>;
  /** Options of each WebTransport session, for https: URLs (serverCertificateHashes). Default: {}. */
  webTransport: Readonly<Partial<ConnectWebTransportOptions>>;
}

/**
 * A session to `url`, kept connected: ws: and wss: URLs over WebSocket, https: URLs over WebTransport (browsers,
 * Deno). `const session = await connect('ws://127.0.0.1:8787/ws')`, then `wrap(session, { name })`. The same as
 * connectSession() with the matching connect* function as its dial; rejects with SW_ERR_CONNECT_FAILED as that does,
 * and at once with a TypeError for a URL of another scheme.
 */
export async function connect(url: string | URL, options: Readonly<Partial<ConnectOptions>> = {}): Promise<Session> {
  const { webSocket, webTransport, ...session } = options;
  return connectSession(dialUrl(url, options), session);
}

/** A dial function for `url`, by its scheme (connect(), MeshNode.connect()). Throws TypeError for other schemes. */
export function dialUrl(url: string | URL, options: Readonly<Partial<Pick<ConnectOptions, 'webSocket' | 'webTransport'>>>): () => Transport {
  const target = new URL(url);
  switch (target.protocol) {
    case 'ws:':
    case 'wss:':
      return () => connectWebSocket(target, options.webSocket);
    case 'https:':
      return () => connectWebTransport(target, options.webTransport);
    default:
      throw new TypeError(`[swarmwire] connect() takes ws:, wss: or https: (WebTransport) URLs, not ${target.protocol}`);
  }
}
