// Why a connection could not be made, in words a user can act on, from whatever the runtime told: Node's `ws` and
// Deno give the OS's reason (ECONNREFUSED, ENOTFOUND / "tcp connect error", "dns error") or the HTTP status that
// answered the upgrade; browsers give nothing (a page may not learn why a cross-origin connection failed, so a
// refused port, an unknown host, a TLS failure and an HTTP 404 look alike), and neither does Node 22+'s built-in
// WebSocket. The runtime's error stays the `cause`.
import { TransportErrorCode, transportError, type TransportError } from './transport.js';

/**
 * CONNECT_FAILED for `label` (e.g. "websocket ws://host/ws"), saying why: the runtime's reason, or that it gave
 * none. Carries `cause` (the runtime's error) and, when a server answered the upgrade with HTTP — `ws` says
 * "Unexpected server response: 404", Deno "Invalid status code: 404" — `httpStatus`. A client error (a wrong path, a
 * refused origin or credentials) will answer every try: not recoverable, except 408 and 429, which say "later"; a
 * 5xx (a relay restarting behind a proxy, a full one's 503) is worth another try.
 */
export function connectFailed(label: string, cause: unknown, closeCode?: number): TransportError {
  const text = (cause as { message?: unknown } | null | undefined)?.message;
  const said = typeof text === 'string' ? text.trim() : '';
  const match = /(?:server response|status code):? (\d{3})\b/i.exec(said);
  const status = match ? Number(match[1]) : undefined;
  const why = status !== undefined
    ? `the server answered the WebSocket upgrade with HTTP ${status}${status === 404 ? ': no WebSocket endpoint at this path' : status === 401 || status === 403 ? ': refused (origin or credentials)' : ''}`
    : said || 'the runtime does not say why (browsers hide it from pages; their console shows it)';
  const final = status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
  const error = transportError(TransportErrorCode.CONNECT_FAILED, `${label}: could not connect${closeCode === undefined ? '' : ` (${closeCode})`}: ${why}`, cause, final ? false : undefined);
  if (status !== undefined) (error as { httpStatus?: number }).httpStatus = status;
  return error;
}
