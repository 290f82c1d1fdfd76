// Why a connection could not be made, in words a user can act on, from whatever the runtime told: Node's `ws` and
// Deno give the OS's reason (ECONNREFUSED, ENOTFOUND / "tcp connect error", "dns error") or the HTTP status that
// answered the upgrade; browsers give nothing (a page may not learn why a cross-origin connection failed, so a
// refused port, an unknown host, a TLS failure and an HTTP 404 look alike), and neither does Node 22+'s built-in
// WebSocket. The runtime's error stays the `cause`.
import { TransportErrorCode, transportError, type TransportError } from './transport.js';

/** What the caller sees when the runtime gave no reason. */
export const NO_REASON = 'the runtime does not say why (browsers hide it from pages: a refused port, an unknown host, a TLS failure and an HTTP error look alike there; the browser\'s console or network panel shows which)';

/**
 * The HTTP status a server answered a WebSocket upgrade with, from the runtime's error: `ws` says "Unexpected server
 * response: 404", Deno "Invalid status code: 404". Undefined when it was no HTTP answer (or the runtime hides it).
 */
export function httpStatusOf(cause: unknown): number | undefined {
  const message = (cause as { message?: unknown } | null | undefined)?.message;
  if (typeof message !== 'string') return undefined;
  const match = /(?:server response|status code):? (\d{3})\b/i.exec(message);
  return match ? Number(match[1]) : undefined;
}

/**
 * An HTTP answer that trying again will not change: a client error (wrong path, refused origin or credentials),
 * except 408 Request Timeout and 429 Too Many Requests, which say "later". 5xx (a relay restarting behind a proxy,
 * a full relay's 503) is worth another try.
 */
function httpFinal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

function reasonOf(cause: unknown, status: number | undefined): string {
  if (status !== undefined) {
    const hint = status === 404 ? ': no WebSocket endpoint at this path' : status === 401 || status === 403 ? ': refused (origin or credentials)' : '';
    return `the server answered the WebSocket upgrade with HTTP ${status}${hint}`;
  }
  const message = (cause as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' && message.trim() !== '' ? message : NO_REASON;
}

/**
 * CONNECT_FAILED for `label` (e.g. "websocket ws://host/ws"), saying why: the runtime's reason, or that it gave
 * none. Carries `cause` (the runtime's error), `httpStatus` when a server answered the upgrade, and
 * `recoverable: false` for an HTTP answer that every try would get.
 */
export function connectFailed(label: string, cause: unknown, closeCode?: number): TransportError {
  const status = httpStatusOf(cause);
  const said = closeCode === undefined ? '' : ` (${closeCode})`;
  const error = transportError(TransportErrorCode.CONNECT_FAILED, `${label}: could not connect${said}: ${reasonOf(cause, status)}`, cause, status !== undefined && httpFinal(status) ? false : undefined);
  if (status !== undefined) (error as { httpStatus?: number }).httpStatus = status;
  return error;
}
