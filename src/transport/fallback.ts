// mielin's transport fallback: try WebTransport first, and use WebSocket when the runtime has no WebTransport or
// the session does not open within a deadline (UDP blocked, certificate refused, server without HTTP/3).
import type { Transport } from './transport.js';
import { connectWebSocket, type ConnectWebSocketOptions } from './websocket.js';
import { connectWebTransport, type ConnectWebTransportOptions, type WebTransportConstructor } from './webtransport.js';

export interface ConnectFallbackOptions {
  /** https:// URL of the WebTransport endpoint. Default none: WebSocket only. */
  webtransport: string | URL;
  /** ws:// or wss:// URL of the WebSocket endpoint. Required. */
  websocket: string | URL;
  /** How long WebTransport gets to open before WebSocket is tried. Default 3,000 ms. */
  deadlineMs: number;
  /** Options for the WebTransport attempt (serverCertificateHashes, …). Default {}. */
  webtransportOptions: Readonly<Partial<ConnectWebTransportOptions>>;
  /** Options for the WebSocket. Default {}. */
  websocketOptions: Readonly<Partial<ConnectWebSocketOptions>>;
  /** Told why WebTransport was given up. Default none. */
  onFallback: (reason: unknown) => void;
}

/**
 * Resolves with an open WebTransport transport, or else with a WebSocket one (possibly still connecting, like
 * connectWebSocket's); `transport.kind` says which. Fits connectSession's dial: `connectSession(() =>
 * connectFallback({ webtransport, websocket, webtransportOptions: { serverCertificateHashes: [hash] } }))`.
 */
export async function connectFallback(options: Readonly<Partial<ConnectFallbackOptions>> & Pick<ConnectFallbackOptions, 'websocket'>): Promise<Transport> {
  const ws = (): Transport => connectWebSocket(options.websocket, options.websocketOptions);
  const WebTransport = options.webtransportOptions?.WebTransport ?? (globalThis as { WebTransport?: WebTransportConstructor }).WebTransport;
  if (options.webtransport === undefined || !WebTransport) {
    if (options.webtransport !== undefined) options.onFallback?.(new Error('no WebTransport in this runtime'));
    return ws();
  }
  const deadline = options.deadlineMs ?? 3000;
  const wt = connectWebTransport(options.webtransport, { ...options.webtransportOptions, connectTimeoutMs: deadline });
  const opened = await new Promise<boolean>((resolve) => {
    if (wt.state !== 'connecting') return resolve(wt.state === 'open');
    const offOpen = wt.on('open', () => (offOpen(), offClose(), resolve(true)));
    const offClose = wt.on('close', () => (offOpen(), offClose(), resolve(false)));
  });
  if (opened) return wt;
  options.onFallback?.(wt.closeInfo?.error ?? new Error('webtransport closed'));
  return ws();
}
