// A tiny static file server for the e2e pages, on 127.0.0.1 and a free port. Every file is reachable twice:
//   /iso/<path>    with COOP same-origin + COEP require-corp (+ CORP same-origin): the page is cross-origin isolated,
//                  so SharedArrayBuffer exists and shared memory can be posted to workers;
//   /plain/<path>  with none of them: what a page on an ordinary host gets.
// <path> is looked up in the mounts (URL prefix → directory), longest prefix first.
import { readFile, stat } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';

/** Content types by extension; anything else is application/octet-stream. */
export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The headers that make a document cross-origin isolated, and let its own resources load under COEP. */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export interface StaticServer {
  /** The underlying server, e.g. to handle 'upgrade' for WebSocket pages on the same origin. */
  readonly http: Server;
  /** "http://127.0.0.1:<port>". */
  readonly origin: string;
  /** Absolute URL of a mounted path ("/pages/checks.html"), under /iso/ when `isolated` (default: true), else /plain/. */
  url(path: string, options?: { isolated?: boolean }): string;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Starts serving `mounts` (URL prefix such as "/dist/" → directory). */
export async function startStaticServer(mounts: Readonly<Record<string, string>>): Promise<StaticServer> {
  const table = Object.entries(mounts)
    .map(([prefix, dir]) => ({ prefix: prefix.endsWith('/') ? prefix : `${prefix}/`, dir: resolve(dir) }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const server = createServer((request, response) => {
    serve(table, request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end(String(error));
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    http: server,
    origin,
    url: (path, options = {}) => `${origin}/${options.isolated ?? true ? 'iso' : 'plain'}${path.startsWith('/') ? path : `/${path}`}`,
    close: () =>
      new Promise<void>((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        server.closeAllConnections(); // keep-alive sockets from the browser would hold close() open otherwise
      }),
  };
}

async function serve(table: { prefix: string; dir: string }[], request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const variant = /^\/(iso|plain)(\/.*)$/.exec(url.pathname);
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', ...(variant?.[1] === 'iso' ? ISOLATION_HEADERS : {}) };
  if (request.method !== 'GET' && request.method !== 'HEAD') return end(response, 405, headers, 'method not allowed');
  const file = variant ? locate(table, decodeURIComponent(variant[2]!)) : undefined;
  if (file === undefined || !(await stat(file).then((s) => s.isFile(), () => false))) return end(response, 404, headers, 'not found');
  const body = await readFile(file);
  response.writeHead(200, {
    ...headers,
    'Content-Type': MIME_TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': String(body.length),
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

/** The file for a request path, or undefined when no mount holds it (or it climbs out of its mount with ".."). */
function locate(table: { prefix: string; dir: string }[], path: string): string | undefined {
  const mount = table.find((m) => path.startsWith(m.prefix));
  if (mount === undefined) return undefined;
  const file = resolve(mount.dir, `.${sep}${path.slice(mount.prefix.length)}`);
  return file.startsWith(mount.dir + sep) ? file : undefined;
}

function end(response: ServerResponse, status: number, headers: Record<string, string>, text: string): void {
  response.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}
