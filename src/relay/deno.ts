// The relay as a Deno server: Deno.serve on a TCP port with the status page at `/`, the SDK files it loads and
// WebSocket at `/ws`, plus WebTransport at `/wt` on the same port number over UDP (Deno.QuicEndpoint, so
// `--unstable-net`), with a fresh self-signed ECDSA P-256 certificate valid 13 days whose SHA-256 hash browsers
// pass as `serverCertificateHashes`. Deno only: no Node built-ins here. Run it as
//   deno run --unstable-net -A node_modules/swarmwire/dist/relay-deno.js [--port 8787] [--host 127.0.0.1]
// or `npx swarmwire relay --deno`.
import { upgradeWebSocket } from '../transport/websocket-deno.js';
import { listenWebTransport, type WebTransportListener } from '../transport/webtransport-deno.js';
import { type HandshakeLimits, HandshakeGate } from '../transport/handshake-gate.js';
import { generateCertificate, type GeneratedCertificate } from './certificate.js';
import { relayPage } from './page.js';
import { Relay, type RelayOptions } from './relay.js';

export interface DenoRelayOptions extends RelayOptions {
  /** Interface to listen on. Default: '127.0.0.1'. */
  hostname?: string;
  /** TCP port for HTTP and WebSocket; WebTransport takes the same UDP port when it is free. 0 picks one. Default: 8787. */
  port?: number;
  /** Serve WebTransport at /wt (needs --unstable-net). Default: true. */
  webtransport?: boolean;
  /** The certificate for WebTransport. Default: a new one from generateCertificate(). */
  certificate?: GeneratedCertificate;
  /**
   * Limits on WebSocket connections whose handshake has not completed: how many at once, in all (HTTP 503 past
   * it) and per remote address (429). Deno reads each message whole before handing it over, so the message and
   * byte limits and the deadline of DEFAULT_HANDSHAKE_LIMITS cannot apply here (the session's own handshake
   * limit and deadline still do). Default: DEFAULT_HANDSHAKE_LIMITS.
   */
  handshake?: Readonly<Partial<Pick<HandshakeLimits, 'maxHandshaking' | 'maxHandshakingPerAddress'>>>;
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

interface DenoServe {
  serve(
    options: { hostname: string; port: number; onListen?: () => void },
    handler: (request: Request, info: { remoteAddr: { hostname?: string } }) => Response | Promise<Response>,
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
export async function startDenoRelay(options: Readonly<DenoRelayOptions> = {}): Promise<DenoRelayServer> {
  const deno = (globalThis as { Deno?: DenoServe }).Deno;
  if (!deno?.serve) throw new Error('[swarmwire] startDenoRelay needs Deno');
  const relay = new Relay(options);
  const hostname = options.hostname ?? '127.0.0.1';
  let page = relayPage();
  const accept = (transport: Parameters<Relay['accept']>[0]): void => {
    relay.accept(transport).catch(() => {
      // a failed handshake was already answered with an Error frame and a close
    });
  };
  const gate = new HandshakeGate(options.handshake);
  const server = deno.serve({ hostname, port: options.port ?? 8787, onListen: () => {} }, async (request, info) => {
    const path = new URL(request.url).pathname;
    if (path === '/ws') {
      const pass = gate.admit(info.remoteAddr.hostname ?? '');
      if (typeof pass === 'number') return new Response(null, { status: pass });
      try {
        const { response, transport } = upgradeWebSocket(request);
        transport.on('close', pass.done);
        relay.accept(transport).then(pass.done, () => {
          // a failed handshake was already answered with an Error frame and a close
        });
        return response;
      } catch {
        pass.done();
        return new Response('expected a WebSocket upgrade', { status: 400 });
      }
    }
    if (path === '/') return respond(200, 'text/html; charset=utf-8', page);
    if (path === '/healthz') return respond(200, 'application/json', JSON.stringify(relay.stats()));
    if (path === '/favicon.ico') return respond(204, 'image/x-icon', null);
    const asset = ASSETS[path];
    if (!asset) return respond(404, 'text/plain', 'not found');
    try {
      return respond(200, asset[1], await deno.readFile(new URL(`./${asset[0]}`, import.meta.url)));
    } catch {
      return respond(404, 'text/plain', `${asset[0]} is missing: run npm run build`);
    }
  });
  const port = server.addr.port;
  const origin = `${hostname.includes(':') ? `[${hostname}]` : hostname}`;
  let wt: WebTransportListener | undefined;
  let certificate: GeneratedCertificate | undefined;
  if (options.webtransport ?? true) {
    certificate = options.certificate ?? (await generateCertificate({ hosts: [...new Set(['localhost', '127.0.0.1', hostname])] }));
    const listen = (udpPort: number): WebTransportListener =>
      listenWebTransport((transport) => accept(transport), { cert: certificate!.cert, key: certificate!.key, hostname, port: udpPort, path: '/wt' });
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
      await server.shutdown();
    },
  };
}

function respond(status: number, type: string, body: BodyInit | null): Response {
  return new Response(body, { status, headers: { 'content-type': type, 'cache-control': 'no-store', ...ISOLATION } });
}

/** `deno run --unstable-net -A relay-deno.js [--port N] [--host H] [--no-webtransport]`: starts and prints the URLs. */
async function main(args: readonly string[]): Promise<void> {
  const value = (name: string): string | undefined => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  };
  const port = Number(value('--port') ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`swarmwire: --port must be 0..65535, got ${value('--port')}`);
    (globalThis as { Deno?: { exit(code: number): never } }).Deno!.exit(2);
  }
  const server = await startDenoRelay({ port, hostname: value('--host') ?? '127.0.0.1', webtransport: !args.includes('--no-webtransport') });
  console.log(`swarmwire relay (deno) listening
  page:         ${server.url}
  websocket:    ${server.wsUrl}${server.wtUrl ? `
  webtransport: ${server.wtUrl}
  cert sha-256: ${server.certificateHash}` : ''}`);
}

if ((import.meta as { main?: boolean }).main) {
  const deno = (globalThis as { Deno?: { args: string[]; exit(code: number): never } }).Deno;
  main(deno?.args ?? []).catch((error: unknown) => {
    console.error(`swarmwire relay: ${(error as Error)?.message ?? error}`);
    deno?.exit(1);
  });
}
