// Deno's WebTransport server: Deno.QuicEndpoint listens (HTTP/3 over QUIC, `--unstable-net`), and
// Deno.upgradeWebTransport turns each connection into a session, which becomes a Transport. Deno globals are only
// touched when listenWebTransport is called, so this file loads on every runtime.
import { transportError, TransportErrorCode } from './transport.js';
import { acceptWebTransport } from './webtransport.js';
import type { WebTransportLike, WebTransportOptions, WebTransportTransport } from './webtransport.js';
import type { HandshakeGate } from './handshake-gate.js';

export interface ListenWebTransportOptions extends WebTransportOptions {
  /** The certificate chain, PEM (see generateCertificate). Required. */
  cert: string;
  /** Its private key, PEM. Required. */
  key: string;
  /** Interface to listen on. Default '127.0.0.1'. */
  hostname: string;
  /** UDP port; 0 picks a free one. Default 0. */
  port: number;
  /** Only sessions for this URL path are accepted; others are closed with 1008. Default: any path. */
  path: string;
  /**
   * Counts each connection, from its QUIC handshake, under these limits on connections still handshaking (in all,
   * and per remote address: one past them is closed at once, before its WebTransport session), and closes it at their deadline unless
   * the `handshaken` callback onTransport gets has been called by then. The relay shares one with its WebSocket
   * side. Default: none.
   */
  gate: HandshakeGate;
}

/** A running WebTransport server. */
export interface WebTransportListener {
  readonly hostname: string;
  /** The UDP port it listens on. */
  readonly port: number;
  /** Stops accepting and closes every connection. */
  close(): void;
}

interface QuicConnLike {
  readonly closed: Promise<unknown>;
  readonly remoteAddr?: { hostname?: string };
  close(info?: { closeCode: number; reason: string }): void;
}
interface QuicIncomingLike {
  accept(): Promise<QuicConnLike>;
}
interface DenoQuic {
  QuicEndpoint: new (options: { hostname: string; port: number }) => {
    readonly addr: { hostname: string; port: number };
    listen(options: { cert: string; key: string; alpnProtocols: string[] }): AsyncIterable<QuicIncomingLike> & { stop(): void };
    close(): void;
  };
  upgradeWebTransport(conn: QuicConnLike): Promise<WebTransportLike & { url: string }>;
}

/**
 * Listens for WebTransport sessions under Deno (`deno run --unstable-net`) and calls `onTransport` with each one's
 * Transport (still 'connecting': it opens when the client's stream arrives), the session's URL, and `handshaken`,
 * to call once the session on it has completed its handshake (it then stops counting under `gate`; without a gate
 * it does nothing). Throws TransportError CONNECT_FAILED outside Deno, without --unstable-net, or when the port
 * cannot be bound.
 */
export function listenWebTransport(
  onTransport: (transport: WebTransportTransport, url: string, handshaken: () => void) => void,
  options: Readonly<Partial<ListenWebTransportOptions>> & Pick<ListenWebTransportOptions, 'cert' | 'key'>,
): WebTransportListener {
  const deno = (globalThis as { Deno?: Partial<DenoQuic> }).Deno;
  if (!deno?.QuicEndpoint || !deno.upgradeWebTransport) {
    throw transportError(TransportErrorCode.CONNECT_FAILED, 'listenWebTransport needs Deno with --unstable-net (Deno.QuicEndpoint, Deno.upgradeWebTransport)');
  }
  const upgrade = deno.upgradeWebTransport.bind(deno);
  let endpoint: InstanceType<DenoQuic['QuicEndpoint']>;
  let listener: ReturnType<InstanceType<DenoQuic['QuicEndpoint']>['listen']>;
  try {
    endpoint = new deno.QuicEndpoint({ hostname: options.hostname ?? '127.0.0.1', port: options.port ?? 0 });
    listener = endpoint.listen({ cert: options.cert, key: options.key, alpnProtocols: ['h3'] });
  } catch (e) {
    throw transportError(TransportErrorCode.CONNECT_FAILED, `cannot listen for WebTransport: ${(e as Error)?.message ?? e}`, e);
  }
  const accept = async (incoming: QuicIncomingLike): Promise<void> => {
    const conn = await incoming.accept();
    conn.closed.catch(() => {});
    // Counted from its QUIC handshake, as a WebSocket is from its upgrade request: a session that never finishes
    // its handshake (or never even opens its stream) holds a place until the deadline closes its connection.
    // (The address is read from the connection: reading QuicIncoming.remoteAddr made Deno 2.9 refuse accept().)
    const end = (why: string) => (): void => {
      try {
        conn.close({ closeCode: 0, reason: why });
      } catch {
        // already closed
      }
    };
    const pass = options.gate ? options.gate.hold(conn.remoteAddr?.hostname ?? '', end('handshake deadline')) : { done: () => {} };
    if (typeof pass === 'number') return end(pass === 429 ? 'too many handshakes from this address' : 'too many handshakes')();
    conn.closed.then(pass.done, pass.done);
    try {
      const wt = await upgrade(conn);
      if (options.path !== undefined && new URL(wt.url).pathname !== options.path) {
        wt.closed.catch(() => {});
        wt.close({ closeCode: 1008, reason: `no WebTransport endpoint at ${new URL(wt.url).pathname}` });
        return;
      }
      onTransport(acceptWebTransport(wt, options), wt.url, pass.done);
    } catch (error) {
      pass.done();
      throw error;
    }
  };
  void (async () => {
    for await (const incoming of listener) accept(incoming).catch(() => {}); // a failed handshake costs only that client
  })().catch(() => {});
  return {
    hostname: endpoint.addr.hostname,
    port: endpoint.addr.port,
    close() {
      try {
        listener.stop();
      } catch {
        // already stopped
      }
      endpoint.close();
    },
  };
}
