// The relay as a Deno server: Deno.serve on a TCP port with the status page at `/`, the SDK files it loads and
// WebSocket at `/ws`, plus WebTransport at `/wt` on the same port number over UDP (Deno.QuicEndpoint, so
// `--unstable-net`), with a fresh self-signed ECDSA P-256 certificate valid 13 days whose SHA-256 hash browsers
// pass as `serverCertificateHashes`. Deno only: no Node built-ins here. Run it as
//   deno run --unstable-net -A node_modules/swarmwire/dist/deno.js [--port 8787] [--host 127.0.0.1]
// or `npx swarmwire relay --deno`.
import { upgradeWebSocket } from '../transport/websocket-deno.js';
import { listenWebTransport, type WebTransportListener } from '../transport/webtransport-deno.js';
import { type HandshakeLimits, HandshakeGate, handshakeDeadline } from '../transport/handshake-gate.js';
import { generateCertificate, type GeneratedCertificate } from '../transport/certificate.js';
import { relayPage } from './page.js';
import { Relay, type RelayOptions } from './relay.js';
import { METRICS_CONTENT_TYPE, relayMetrics } from './metrics.js';
import { logRelayActivity } from './activity.js';
import { DashboardTraffic } from './dashboard-traffic.js';
import { type DenoNet, startDenoFront } from './deno-front.js';
import { fileIdentityStore, loadIdentity } from '../session/identity-store.js';
import {
  CLI_VERSION, EXIT_FAILURE, EXIT_USAGE, type FlagSpec, HELP_FLAG, type ParsedArgs, RELAY_FLAGS, type RelayLimitFlags, UsageError, describeFlags, listenFailure, parseFlags, relayAddress,
  relayLimits, relayTrust,
} from './cli-args.js';

export interface DenoRelayOptions extends RelayOptions {
  /** Interface to listen on. Default: '127.0.0.1'. */
  hostname: string;
  /** TCP port for HTTP and WebSocket; WebTransport takes the same UDP port when it is free. 0 picks one. Default: 8787. */
  port: number;
  /** Serve WebTransport at /wt (needs --unstable-net). Default: true. */
  webtransport: boolean;
  /**
   * Own the TCP port with a front (deno-front.ts) that closes a connection whose HTTP request head is not complete
   * by the handshake deadline, which Deno.serve lacks. It carries every WebSocket byte once more (measured on a busy
   * 2-core machine: p50 of one echo round trip ~350 µs against ~170 µs). false lets Deno.serve take the port: no
   * deadline on request heads, so put a proxy that has one in front. Default: true.
   */
  httpFront: boolean;
  /** The certificate for WebTransport. Default: a new one from generateCertificate(). */
  certificate: GeneratedCertificate;
  /**
   * Limits on connections, WebSocket and WebTransport together, whose handshake has not completed: how many at
   * once, in all and per remote address (a WebSocket past them gets HTTP 503 or 429, a WebTransport connection is
   * closed before its session starts), and the deadline after which one is closed. Deno reads each message whole
   * before handing it over, so the message and byte limits of DEFAULT_HANDSHAKE_LIMITS cannot apply here (the
   * session's own handshake limit still does). Default: DEFAULT_HANDSHAKE_LIMITS, with handshakeDeadlineMs =
   * handshakeTimeoutMs + 1,000 ms.
   */
  handshake: Readonly<Partial<Pick<HandshakeLimits, 'maxHandshaking' | 'maxHandshakingPerAddress' | 'handshakeDeadlineMs'>>>;
}

export interface DenoRelayServer {
  readonly relay: Relay;
  /** http://host:port/ — the status page. */
  readonly url: string;
  /** ws://host:port/ws */
  readonly wsUrl: string;
  /** https://host:udpPort/wt, or undefined without WebTransport. */
  readonly wtUrl: string | undefined;
  /** SHA-256 of the WebTransport certificate, hex (for serverCertificateHashes), or undefined. */
  readonly certificateHash: string | undefined;
  readonly port: number;
  /** Says Goodbye to every peer and stops listening. */
  close(): Promise<void>;
}

interface DenoServe extends DenoNet {
  serve(
    options: { hostname: string; port: number; onListen?: () => void },
    handler: (request: Request, info: { remoteAddr: { hostname?: string; port?: number } }) => Response | Promise<Response>,
  ): {
    readonly addr: { port: number };
    shutdown(): Promise<void>;
  };
  readFile(url: URL): Promise<Uint8Array<ArrayBuffer>>;
}

const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cross-origin-resource-policy': 'same-origin' };
const ASSETS: Record<string, [file: string, type: string]> = {
  '/swarmwire.global.js': ['swarmwire.global.js', 'text/javascript; charset=utf-8'],
  '/swarmwire.wasm': ['swarmwire.wasm', 'application/wasm'],
};

/** Starts the relay under Deno. Throws outside Deno; WebTransport also needs --unstable-net. */
export async function startDenoRelay(options: Readonly<Partial<DenoRelayOptions>> = {}): Promise<DenoRelayServer> {
  const deno = (globalThis as { Deno?: DenoServe }).Deno;
  if (!deno?.serve) throw new Error('[swarmwire] startDenoRelay needs Deno');
  const relay = await Relay.create(options);
  // Records what the dashboard plots while a dashboard is open (it asks /dashboard.json every second).
  const traffic = new DashboardTraffic(relay);
  const hostname = options.hostname ?? '127.0.0.1';
  let page = relayPage();
  const deadlineMs = handshakeDeadline(options.handshakeTimeoutMs);
  const gate = new HandshakeGate({ handshakeDeadlineMs: deadlineMs, ...options.handshake });
  /** Hands a connection the gate let through to the relay: its place is given back once its handshake ends, either way. */
  const accept = (transport: Parameters<Relay['accept']>[0], handshaken: () => void, address?: string): void => {
    transport.on('close', handshaken);
    relay.accept(transport, address).then(handshaken, () => {
      // a failed handshake was already answered with an Error frame and a close
    });
  };
  // Deno.serve listens on loopback only, behind the front (deno-front.ts), which gives request heads a deadline.
  const fronted = options.httpFront ?? true;
  let front: ReturnType<typeof startDenoFront> | undefined;
  const listen = fronted ? { hostname: '127.0.0.1', port: 0 } : { hostname, port: options.port ?? 8787 };
  const server = deno.serve({ ...listen, onListen: () => {} }, async (request, info) => {
    // Deno passes request targets such as `http://[::1` on as a URL that new URL refuses (the handler's throw was a 500).
    if (!URL.canParse(request.url)) return new Response('bad request target', { status: 400 });
    const path = new URL(request.url).pathname;
    if (path === '/ws') {
      let transport: ReturnType<typeof upgradeWebSocket>['transport'] | undefined;
      const address = front?.address(info.remoteAddr.port) ?? info.remoteAddr.hostname ?? '';
      const pass = gate.hold(address, () => transport?.close(1008, 'handshake deadline'));
      if (typeof pass === 'number') return new Response(null, { status: pass });
      try {
        let response: Response;
        ({ response, transport } = upgradeWebSocket(request));
        accept(transport, pass.done, address);
        return response;
      } catch {
        pass.done();
        gate.refused.not_websocket = (gate.refused.not_websocket ?? 0) + 1;
        return new Response('expected a WebSocket upgrade', { status: 400 });
      }
    }
    if (path === '/') return respond(200, 'text/html; charset=utf-8', page);
    if (path === '/healthz') return respond(200, 'application/json', JSON.stringify(relay.stats()));
    if (path === '/metrics') return respond(200, METRICS_CONTENT_TYPE, relayMetrics(relay, { refused: gate.refused, handshaking: gate.handshaking }));
    if (path === '/dashboard.json') return respond(200, 'application/json', JSON.stringify(traffic.snapshot()));
    if (path === '/favicon.ico') return respond(204, 'image/x-icon', null);
    const asset = ASSETS[path];
    if (!asset) return respond(404, 'text/plain', 'not found');
    try {
      return respond(200, asset[1], await deno.readFile(new URL(`./${asset[0]}`, import.meta.url)));
    } catch {
      return respond(404, 'text/plain', `${asset[0]} is missing: run npm run build`);
    }
  });
  try {
    if (fronted) front = startDenoFront(deno, { hostname, port: options.port ?? 8787, to: server.addr.port, deadlineMs });
  } catch (error) {
    await server.shutdown();
    throw error;
  }
  const port = front?.port ?? server.addr.port;
  const origin = `${hostname.includes(':') ? `[${hostname}]` : hostname}`;
  let wt: WebTransportListener | undefined;
  let certificate: GeneratedCertificate | undefined;
  if (options.webtransport ?? true) {
    certificate = options.certificate ?? (await generateCertificate({ hosts: [...new Set(['localhost', '127.0.0.1', hostname])] }));
    const listen = (udpPort: number): WebTransportListener =>
      listenWebTransport((transport, _url, handshaken) => accept(transport, handshaken), { cert: certificate!.cert, key: certificate!.key, hostname, port: udpPort, path: '/wt', gate });
    try {
      wt = listen(port);
    } catch {
      wt = listen(0); // the UDP port with the TCP port's number is taken
    }
    page = relayPage({ port: wt.port, path: '/wt', hash: certificate.hashHex });
  }
  return {
    relay,
    url: `http://${origin}:${port}/`,
    wsUrl: `ws://${origin}:${port}/ws`,
    wtUrl: wt ? `https://${origin}:${wt.port}/wt` : undefined,
    certificateHash: certificate?.hashHex,
    port,
    async close() {
      relay.close();
      wt?.close();
      front?.close();
      await server.shutdown();
    },
  };
}

function respond(status: number, type: string, body: BodyInit | null): Response {
  return new Response(body, { status, headers: { 'content-type': type, 'cache-control': 'no-store', ...ISOLATION } });
}

const DENO_FLAGS = {
  ...RELAY_FLAGS,
  'no-webtransport': { type: 'boolean', help: 'serve WebSocket only (default: WebTransport too)' },
  version: { type: 'boolean', help: 'print the version' },
  help: HELP_FLAG,
} as const satisfies Record<string, FlagSpec>;

const DENO_USAGE = `usage: deno run --unstable-net -A deno.js [options]

Starts a relay node under Deno: WebSocket at /ws, WebTransport at /wt (UDP, same port number), its page at /.

options:
${describeFlags(DENO_FLAGS)}`;

interface DenoProcess {
  args: string[];
  exit(code: number): never;
  addSignalListener(signal: 'SIGINT' | 'SIGTERM', listener: () => void): void;
}

/**
 * `deno run --unstable-net -A deno.js [--port N] [--host H] [--no-webtransport] [--log] [--identity F] [--trust IDS]`: starts and prints the
 * URLs, as strict about its flags as `swarmwire relay` (the same parser): usage errors exit 2, failures to listen 1.
 */
async function main(deno: DenoProcess): Promise<number> {
  let address: { port: number; host: string };
  let trust: ReturnType<typeof relayTrust>;
  let limits: RelayLimitFlags;
  let values: ParsedArgs['values'];
  try {
    const parsed = parseFlags(deno.args, DENO_FLAGS);
    values = parsed.values;
    if (values.help) return (console.log(DENO_USAGE), 0);
    if (values.version) return (console.log(CLI_VERSION), 0);
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
    address = relayAddress(values);
    trust = relayTrust(values);
    limits = relayLimits(values);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`swarmwire relay: ${error.message}\n\n${DENO_USAGE}`);
    return EXIT_USAGE;
  }
  let identity;
  try {
    identity = trust.identityFile ? await loadIdentity(fileIdentityStore(trust.identityFile)) : undefined;
  } catch (error) {
    console.error(`swarmwire relay: cannot use ${trust.identityFile} as the relay's identity: ${(error as Error).message.split('\n')[0]}`);
    return EXIT_FAILURE;
  }
  let server: DenoRelayServer;
  try {
    server = await startDenoRelay({
      port: address.port, hostname: address.host, webtransport: !values['no-webtransport'], ...(identity ? { identity } : {}), trustedRelays: trust.trustedRelays, ...limits,
    });
  } catch (error) {
    console.error(`swarmwire relay: ${listenFailure(error, address.host, address.port)}`);
    return EXIT_FAILURE;
  }
  console.log(`swarmwire relay (deno) ${CLI_VERSION} listening
  page:         ${server.url}
  websocket:    ${server.wsUrl}${server.wtUrl ? `
  webtransport: ${server.wtUrl}
  cert sha-256: ${server.certificateHash}` : ''}
  node id:      ${server.relay.identity.idHex}${identity ? ` (kept in ${trust.identityFile})` : ' (new this run: --identity FILE keeps it)'}
Ready${values.log ? '; logging peers and agents' : ''}. Ctrl-C to stop.`);
  if (values.log) logRelayActivity(server.relay, { print: (line) => console.log(line) });
  await new Promise<void>((resolve) => {
    deno.addSignalListener('SIGINT', resolve);
    deno.addSignalListener('SIGTERM', resolve);
  });
  console.log('swarmwire relay: stopping (telling peers goodbye)');
  await server.close();
  return 0;
}

if ((import.meta as { main?: boolean }).main) {
  const deno = (globalThis as { Deno?: DenoProcess }).Deno!;
  main(deno).then(
    (code) => deno.exit(code),
    (error: unknown) => {
      console.error(`swarmwire relay: ${(error as Error)?.message ?? error}`);
      deno.exit(EXIT_FAILURE);
    },
  );
}
