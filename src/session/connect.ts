// The connecting side: a Session that dials again, with exponential backoff and full jitter, whenever its
// transport goes away — until close(), a Goodbye, an error that says trying again cannot help (a refusal, a peer
// that cannot prove its id, an HTTP 404 for the upgrade: SwarmwireError.recoverable), or too many failed attempts
// in a row. A first connection that never succeeds gives up much sooner (firstConnectTimeoutMs): a wrong URL
// should fail in seconds, while a session that worked keeps trying through a relay's restart. connect(url) is the
// one call for the common case: the URL's scheme picks the transport.
import { type BackoffOptions, backoffDelay } from '../transport/backoff.js';
import { type Transport, transportError, TransportErrorCode, CloseCode } from '../transport/transport.js';
import { type ConnectWebSocketOptions, connectWebSocket } from '../transport/websocket.js';
import { type ConnectWebTransportOptions, connectWebTransport } from '../transport/webtransport.js';
import { SwarmwireError } from '../wire/errors.js';
import { createDebug } from '../core/debug.js';
import { Session, type SessionOptions } from './session.js';
import type { ClockTimer } from '../core/clock.js';

const debug = /* @__PURE__ */ createDebug('swarmwire:session');

/** An error's message without the library prefix, to quote it inside another. */
const said = (error: unknown): string => String((error as Error)?.message ?? error).replace(/^\[swarmwire\] /, '');

/** Default of ConnectSessionOptions.firstConnectTimeoutMs. */
export const DEFAULT_FIRST_CONNECT_TIMEOUT_MS = 15_000;

/** A failed attempt that will be tried again (ConnectSessionOptions.onRetry). */
export interface RetryInfo {
  /** Failed attempts in a row, this one included: 1 for the first failure. */
  readonly attempt: number;
  /** Why it failed: the transport's error (its `cause` is the runtime's: ECONNREFUSED, ENOTFOUND…), a handshake timeout, … */
  readonly error: unknown;
  /** How long until the next attempt, ms. */
  readonly delayMs: number;
  /** Whether the session has been open before: false while the first connection is still being made. */
  readonly reconnecting: boolean;
}

/** Options of connectSession(): the session's, and how it reconnects. */
export interface ConnectSessionOptions extends SessionOptions {
  /**
   * Reconnect policy (exponential backoff with full jitter; maxAttempts counts failures in a row, default 20), or
   * false to end the session when its first transport goes away. Default: {}.
   */
  reconnect: Partial<BackoffOptions> | false;
  /**
   * Deadline for the first connection, ms: if no handshake has completed by then, the attempt under way is
   * abandoned and connectSession rejects with CONNECT_FAILED, its cause the last attempt's error. Once the session
   * has been open, reconnects are bounded by reconnect.maxAttempts alone. Infinity waits as long as the
   * reconnect policy allows. Default: 15,000.
   */
  firstConnectTimeoutMs: number;
  /**
   * Called at once for every failed attempt that will be tried again, the first included: attempt number, error
   * and the delay before the next try. A listener that throws is ignored. Default: none.
   */
  onRetry: (info: RetryInfo) => void;
}

/**
 * Opens a session over transports made by `dial`, and keeps it connected. Resolves once the first handshake is
 * through; rejects if the first connection cannot be made within firstConnectTimeoutMs and the reconnect policy,
 * or at once with an error that is not recoverable (error.recoverable false: a refusal, an HTTP 404, …).
 */
export function connectSession(dial: () => Transport | Promise<Transport>, options: Readonly<Partial<ConnectSessionOptions>> = {}): Promise<Session> {
  const session = new Session(options);
  const policy = options.reconnect === false ? false : options.reconnect ?? {};
  const maxAttempts = policy === false ? 1 : policy.maxAttempts ?? 20;
  const firstDeadline = options.firstConnectTimeoutMs ?? DEFAULT_FIRST_CONNECT_TIMEOUT_MS;
  let failures = 0;
  let attempts = 0;
  let lastError: unknown;
  let timer: ClockTimer | undefined;
  let deadline: ClockTimer | undefined;
  /** The transport of the attempt under way, closed if the first-connect deadline passes meanwhile. */
  let current: Transport | undefined;

  // A function, not a property read: TypeScript would narrow `session.state` across the awaits below.
  const state = (): string => session.state;
  const closed = (): boolean => state() === 'closed';
  return new Promise<Session>((resolve, reject) => {
    let first = true;
    const giveUp = (error: unknown): void => {
      if (debug.on) debug.log('give up', { attempts, error });
      session.finish({ code: CloseCode.Abnormal, reason: 'reconnect gave up', error: error as SwarmwireError });
      if (first) {
        first = false;
        session.clock.clearTimeout(deadline);
        reject(error);
      }
    };
    // One attempt at a time: a handshake takes round trips, and a second attempt started meanwhile (by the first
    // one's transport closing) would take the session's transport away from under the first.
    let attempting = false;
    const attempt = async (): Promise<void> => {
      timer = undefined;
      if (closed() || state() === 'open') return;
      attempting = true;
      attempts++;
      try {
        current = await dial();
        if (closed()) {
          current.close(); // the first-connect deadline passed while dialling
          return;
        }
        await session.connect(current);
        failures = 0;
        if (first) {
          first = false;
          session.clock.clearTimeout(deadline);
          resolve(session);
        }
      } catch (error) {
        if (closed()) {
          if (first) {
            first = false;
            reject(error);
          }
          return;
        }
        failures++;
        lastError = error;
        // What cannot come good ends it now (a refusal, a peer that is not who it must be, an HTTP 404 for the
        // upgrade); errors that are not swarmwire's (a dial function of the caller's that threw) are tried again.
        if (error instanceof SwarmwireError && !error.recoverable) return giveUp(error);
        if (failures >= maxAttempts) {
          return giveUp(transportError(TransportErrorCode.CONNECT_FAILED, `could not connect after ${failures} attempt(s): ${said(error)}`, error));
        }
        if (policy !== false && state() !== 'open') {
          const delayMs = backoffDelay(failures, policy);
          const info: RetryInfo = { attempt: failures, error, delayMs, reconnecting: !first };
          if (debug.on) debug.log('retry', { attempt: failures, delayMs: Math.round(delayMs), error, reconnecting: !first });
          try {
            options.onRetry?.(info);
          } catch {
            // the caller's listener: its failure is not the connection's
          }
          if (!closed()) timer = session.clock.setTimeout(() => void attempt(), delayMs);
        }
        return;
      } finally {
        attempting = false;
        current = undefined;
      }
      // Connected, but the transport may have closed while the handshake finished: its 'transport closed' found an
      // attempt under way and scheduled nothing, so this one must.
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
    session.on('close', () => {
      session.clock.clearTimeout(timer);
      session.clock.clearTimeout(deadline);
    });
    if (Number.isFinite(firstDeadline)) {
      deadline = session.clock.setTimeout(() => {
        if (!first || closed()) return;
        const why = lastError === undefined ? 'the first attempt is still under way' : `${attempts} attempt(s), the last: ${said(lastError)}`;
        const transport = current;
        giveUp(transportError(TransportErrorCode.CONNECT_FAILED, `could not connect within ${firstDeadline} ms (${why})`, lastError));
        transport?.close(CloseCode.Abnormal, 'connect deadline');
      }, firstDeadline);
    }
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
  let target: URL | undefined;
  try {
    target = new URL(url);
  } catch {
    // Not a URL at all ('127.0.0.1:8787'): the runtime's own "Invalid URL" names neither the URL nor what it takes.
  }
  switch (target?.protocol) {
    case 'ws:':
    case 'wss:':
      return () => connectWebSocket(target!, options.webSocket);
    case 'https:':
      return () => connectWebTransport(target!, options.webTransport);
    default:
      throw new TypeError(`[swarmwire] connect() takes a ws:, wss: or https: (WebTransport) URL, such as ws://127.0.0.1:8787/ws, not ${JSON.stringify(String(url))}`);
  }
}
