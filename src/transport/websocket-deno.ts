// Deno's server side: Deno.upgradeWebSocket turns a Request into a socket, which becomes a Transport.
import { transportError, TransportErrorCode } from './transport.js';
import { acceptWebSocket } from './websocket.js';
import { type OriginPolicy, originAllowed } from './origin.js';
import type { WebSocketLike, WebSocketOptions, WebSocketTransport } from './websocket.js';

export interface UpgradeWebSocketOptions extends WebSocketOptions {
  /** The subprotocol to answer with. Default none. */
  protocol: string;
  /** Seconds Deno waits for a pong before it closes the socket. Default Deno's (120). */
  idleTimeout: number;
  /** Origins whose upgrades are accepted; others throw TransportError ORIGIN (answer 403). Default: any. */
  allowedOrigins: OriginPolicy;
  /** With allowedOrigins, refuse requests without an Origin header (non-browser clients) too. Default false. */
  requireOrigin: boolean;
}

interface DenoLike {
  upgradeWebSocket(request: Request, options?: { protocol?: string; idleTimeout?: number }): { socket: WebSocketLike; response: Response };
}

/**
 * Upgrades a Deno.serve request. Return `response` from the handler; the transport opens once it is sent, and
 * frames sent before that are queued. Deno buffers a whole message before the size check, so the limit bounds
 * what is kept, not what is read. Throws TransportError CONNECT_FAILED outside Deno or for a non-upgrade request, and
 * ORIGIN (status Unauthorized) for an Origin that `allowedOrigins` does not name — checked before upgrading, so
 * the handler can answer `new Response(null, { status: 403 })`.
 */
export function upgradeWebSocket(request: Request, options: Readonly<Partial<UpgradeWebSocketOptions>> = {}): { response: Response; transport: WebSocketTransport } {
  const deno = (globalThis as { Deno?: DenoLike }).Deno;
  if (!deno?.upgradeWebSocket) throw transportError(TransportErrorCode.CONNECT_FAILED, 'upgradeWebSocket needs Deno (Deno.upgradeWebSocket)');
  const origin = request.headers.get('origin');
  if (!originAllowed(origin, options.allowedOrigins, options.requireOrigin)) {
    throw transportError(TransportErrorCode.ORIGIN, `WebSocket upgrade from origin ${origin ?? '(none)'} refused`);
  }
  let upgraded: { socket: WebSocketLike; response: Response };
  try {
    upgraded = deno.upgradeWebSocket(request, {
      ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
      ...(options.idleTimeout === undefined ? {} : { idleTimeout: options.idleTimeout }),
    });
  } catch (e) {
    throw transportError(TransportErrorCode.CONNECT_FAILED, `not a WebSocket upgrade: ${(e as Error)?.message ?? e}`, e);
  }
  return { response: upgraded.response, transport: acceptWebSocket(upgraded.socket, options) };
}
