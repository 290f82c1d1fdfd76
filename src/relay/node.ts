// The relay as a Node server: one HTTP port with the status page at `/`, the SDK files it loads, and WebSocket
// at `/ws` (binary messages, each one or more whole frames). `npx swarmwire relay` runs this.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { acceptWebSocket, DEFAULT_MAX_MESSAGE_BYTES, type WebSocketLike, type WebSocketOptions } from '../transport/websocket.js';
import { type OriginPolicy, originAllowed } from '../transport/origin.js';
import { type HandshakeLimits, HandshakeGate, handshakeDeadline, refusalResponse } from '../transport/handshake-gate.js';
import { Relay, type RelayOptions } from './relay.js';
import { METRICS_CONTENT_TYPE, type RelayMetricsSources, relayMetrics } from './metrics.js';
import { relayPage } from './page.js';
import { DASHBOARD_AGENTS } from './dashboard-agents.js';
import { DashboardTraffic } from './dashboard-traffic.js';
import { createDebug } from '../core/debug.js';
import { type AcceptAgents, type RelayAgents, startRelayAgents } from './agents.js';
import { useNodeIdentityCrypto } from '../session/identity-node.js';

export interface RelayServerOptions extends RelayOptions {
  /** Interface to listen on. Default: '127.0.0.1'. */
  host: string;
  /** Port; 0 picks a free one. Default: 8787. */
  port: number;
  /** Run an agent host inside the relay process (the dashboard migrates agents to it; `swarmwire relay` turns it on). Default: false. */
  agents: boolean;
  /**
   * Which peers may move (or spawn) agents into that agent host: true (any), false (none), their node ids, or a
   * function of the id a peer proved. A refused migration is answered `SW_ERR_MIGRATION_REFUSED` and the agent stays
   * where it was. Moving agents out (the `dashboard` module's migrate) is not affected. Default: false.
   */
  acceptAgents: AcceptAgents;
  /** Origins whose WebSocket upgrades are accepted; others get HTTP 403 before any socket exists. Default: any. */
  allowedOrigins: OriginPolicy;
  /** With allowedOrigins, refuse upgrades without an Origin header (non-browser clients) too. Default: false. */
  requireOrigin: boolean;
  /** Limits of each peer's WebSocket (maxBuffered bounds what a slow reader can make the relay hold). Default: the transport's. */
  webSocket: Readonly<Partial<WebSocketOptions>>;
  /**
   * Limits on connections whose handshake has not completed: how many at once (in all, and per remote address),
   * the largest message and the bytes each may send, and the deadline after which its socket is destroyed.
   * Default: DEFAULT_HANDSHAKE_LIMITS, with handshakeDeadlineMs = handshakeTimeoutMs + 1,000 ms.
   */
  handshake: Readonly<Partial<HandshakeLimits>>;
}

export interface RelayServer {
  readonly relay: Relay;
  /** The agent host inside the relay process, with `agents: true`. */
  readonly agents: RelayAgents | undefined;
  /** http://host:port/ — the status page. */
  readonly url: string;
  /** ws://host:port/ws — where peers connect. */
  readonly wsUrl: string;
  readonly port: number;
  /** Connections upgraded whose handshake has not completed yet. */
  readonly handshaking: number;
  /** What /metrics serves beyond the Relay's own counters: this server's refusals and handshakes, the agent host. */
  metricsSources(): Partial<RelayMetricsSources>;
  /** Says Goodbye to every peer and stops listening. */
  close(): Promise<void>;
}

// Cross-origin isolation, so the page may use SharedArrayBuffer (rings to its workers).
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cross-origin-resource-policy': 'same-origin' };
const ASSETS: Record<string, [file: string, type: string]> = {
  '/swarmwire.global.js': ['swarmwire.global.js', 'text/javascript; charset=utf-8'],
  '/swarmwire.wasm': ['swarmwire.wasm', 'application/wasm'],
  // The shipped worker entry: the dashboard's swarm runs it.
  '/worker.global.js': ['worker.global.js', 'text/javascript; charset=utf-8'],
};

/**
 * The error listener of every upgraded socket. One function for all of them: an arrow made in the upgrade handler
 * would share that call's closure context, and so keep its handshake gate pass (the watch, its timer and their
 * closures, ~0.7 KB) for as long as the peer stays connected.
 */
const ignore = (): void => {};

export async function startRelay(options: Readonly<Partial<RelayServerOptions>> = {}): Promise<RelayServer> {
  useNodeIdentityCrypto(); // every handshake signs, checks and hashes: node:crypto does it for a fraction of WebCrypto's cost
  const relay = await Relay.create(options);
  // Records what the dashboard plots while a dashboard is open (it asks /dashboard.json every second).
  const traffic = new DashboardTraffic(relay);
  // Its own list of sockets, not `ws`'s (clientTracking): `ws` removes each from its list with a closure of its own,
  // ~0.1 KB per peer (issue 17); here one function does it for all, `ws` calling it on the socket.
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: options.webSocket?.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, perMessageDeflate: false });
  wss.on('error', () => {}); // per-socket errors close that socket; the server carries on
  const sockets = new Set<{ terminate(): void }>();
  const forget = function (this: { terminate(): void }): void {
    sockets.delete(this);
  };

  const deadlineMs = handshakeDeadline(options.handshakeTimeoutMs);
  const gate = new HandshakeGate({ handshakeDeadlineMs: deadlineMs, ...options.handshake });
  // A connection that never finishes its HTTP request holds a socket too: Node's defaults wait 60 s and check every 30 s.
  const server = createServer({ headersTimeout: deadlineMs, requestTimeout: deadlineMs, connectionsCheckingInterval: 1_000 }, (req, res) => serve(req, res, relay, traffic, served).catch((error) => fail(res, error)));
  gate.screen(server);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands an upgrade's socket over with no 'error' listener: a peer's reset must not become an uncaught error.
    socket.on('error', ignore);
    if (pathOf(req.url) !== '/ws') return (gate.refused.not_found = (gate.refused.not_found ?? 0) + 1, refuseUpgrade(socket, 404, req));
    if (!originAllowed(req.headers.origin, options.allowedOrigins, options.requireOrigin)) return (gate.refused.origin = (gate.refused.origin ?? 0) + 1, refuseUpgrade(socket, 403, req));
    const address = req.socket.remoteAddress ?? '';
    const pass = gate.guard(socket, address);
    if (typeof pass === 'number') return refuseUpgrade(socket, pass, req);
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', forget);
      relay.accept(acceptWebSocket(ws as unknown as WebSocketLike, options.webSocket), address).then(pass.done, () => {
        // a failed handshake was already answered with an Error frame and a close
      });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8787, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const agents = options.agents === true ? await startRelayAgents(relay, options.acceptAgents) : undefined;
  const origin = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const served: RelayServer = {
    relay,
    agents,
    metricsSources: () => ({
      refused: gate.refused, handshaking: gate.handshaking,
      agents: agents && { hosted: agents.host.agents().length, arrived: agents.moves.arrived, left: agents.moves.left },
    }),
    url: `http://${origin}/`,
    wsUrl: `ws://${origin}/ws`,
    port,
    get handshaking() {
      return gate.handshaking;
    },
    async close() {
      agents?.close();
      relay.close();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return served;
}

/** Answers an upgrade with an HTTP error and drops the socket once the answer is out (the peer need not close it). */
const debug = /* @__PURE__ */ createDebug('swarmwire:relay');

function refuseUpgrade(socket: Duplex, status: Parameters<typeof refusalResponse>[0], req?: IncomingMessage): void {
  if (debug.on) {
    const why = { 404: 'not the WebSocket path (/ws)', 403: 'origin not allowed', 429: 'too many handshakes from this address', 503: 'too many handshakes' }[status as number];
    debug.log('refused', { status, why, path: req?.url, origin: req?.headers.origin, address: req?.socket.remoteAddress });
  }
  socket.end(refusalResponse(status), () => socket.destroy());
}

/**
 * The path of a request's target, or undefined when it is no URL: Node's parser passes targets such as `//[` that
 * `new URL` refuses with a throw, and a throw here (an upgrade listener, or serve's promise) ended the process.
 */
function pathOf(target = '/'): string | undefined {
  return URL.canParse(target, 'http://x') ? new URL(target, 'http://x').pathname : undefined;
}

async function serve(req: IncomingMessage, res: ServerResponse, relay: Relay, traffic: DashboardTraffic, served: RelayServer): Promise<void> {
  const path = pathOf(req.url);
  if (path === undefined) return send(res, 400, 'text/plain', 'bad request target');
  if (path === '/') return send(res, 200, 'text/html; charset=utf-8', relayPage(undefined, true));
  if (path === '/healthz') return send(res, 200, 'application/json', JSON.stringify(relay.stats()));
  if (path === '/dashboard.json') return send(res, 200, 'application/json', JSON.stringify(traffic.snapshot()));
  if (path === '/metrics') return send(res, 200, METRICS_CONTENT_TYPE, relayMetrics(relay, served.metricsSources()));
  if (path === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
  if (path === '/dashboard-agents.js') return send(res, 200, 'text/javascript; charset=utf-8', DASHBOARD_AGENTS);
  const asset = ASSETS[path];
  if (!asset) return send(res, 404, 'text/plain', 'not found');
  try {
    send(res, 200, asset[1], await readFile(new URL(`./${asset[0]}`, import.meta.url)));
  } catch {
    send(res, 404, 'text/plain', `${asset[0]} is missing: run npm run build`);
  }
}

/** A page that could not be served: 500, never an unhandled rejection (Node would exit on one). */
function fail(res: ServerResponse, error: unknown): void {
  if (debug.on) debug.log('http error', { error });
  if (res.headersSent) res.destroy();
  else send(res, 500, 'text/plain', 'internal error');
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...ISOLATION });
  res.end(body);
}
