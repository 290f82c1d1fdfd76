// The rig's static server on its own: what pages rely on (MIME types, isolation headers per variant) and what
// must not happen (escaping a mount, writing).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticServer, startStaticServer } from './server.js';

let dir: string;
let server: StaticServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'swarmwire-server-test-'));
  const pub = join(dir, 'pub');
  mkdirSync(join(pub, 'sub'), { recursive: true });
  writeFileSync(join(pub, 'a.js'), 'export const a = 1;');
  writeFileSync(join(pub, 'core.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(join(pub, 'page.html'), '<!doctype html>');
  writeFileSync(join(dir, 'secret.txt'), 'outside the mount');
  server = await startStaticServer({ '/files/': pub, '/missing': join(dir, 'no-such-folder') });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, init?: RequestInit) => fetch(`${server.origin}${path}`, { ...init, signal: AbortSignal.timeout(5_000) });

/** Status of a GET sent with `path` exactly as written: fetch() would normalize "%2e%2e" away. */
const rawStatus = (path: string) =>
  new Promise<number>((done, fail) => {
    const { port } = new URL(server.origin);
    const req = request({ host: '127.0.0.1', port, path, timeout: 5_000 }, (response) => {
      response.resume();
      done(response.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer for ${path}`)));
    req.on('error', fail);
    req.end();
  });

describe('static server', () => {
  it('listens on 127.0.0.1 and builds URLs for both variants', () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url('/files/a.js')).toBe(`${server.origin}/iso/files/a.js`);
    expect(server.url('files/a.js', { isolated: false })).toBe(`${server.origin}/plain/files/a.js`);
  });

  it('serves files with their MIME type', async () => {
    const cases: [string, string][] = [
      ['/iso/files/a.js', 'text/javascript; charset=utf-8'],
      ['/iso/files/core.wasm', 'application/wasm'],
      ['/iso/files/page.html', 'text/html; charset=utf-8'],
    ];
    for (const [path, type] of cases) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toBe(type);
    }
    expect(new Uint8Array(await (await get('/plain/files/core.wasm')).arrayBuffer())).toEqual(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  });

  it('sends COOP, COEP and CORP under /iso/ only', async () => {
    const iso = await get('/iso/files/a.js');
    expect(iso.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(iso.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(iso.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    const plain = await get('/plain/files/a.js');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('cross-origin-opener-policy')).toBeNull();
    expect(plain.headers.get('cross-origin-embedder-policy')).toBeNull();
    expect(plain.headers.get('cross-origin-resource-policy')).toBeNull();
  });

  it('answers 404 outside the variants, outside the mounts, for folders and missing files', async () => {
    for (const path of ['/files/a.js', '/iso/nothing/a.js', '/iso/files/missing.js', '/iso/files/', '/iso/files/sub', '/iso/missing/x']) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  it('never serves a file outside its mount', async () => {
    expect(await rawStatus('/iso/files/a.js')).toBe(200);
    for (const path of ['/iso/files/../secret.txt', '/iso/files/%2e%2e/secret.txt', '/iso/files/..%2fsecret.txt', '/iso/files/sub/..%2f..%2fsecret.txt']) {
      expect(await rawStatus(path), path).toBe(404);
    }
  });

  it('refuses methods other than GET and HEAD', async () => {
    expect((await get('/iso/files/a.js', { method: 'POST', body: 'x' })).status).toBe(405);
    const head = await get('/iso/files/a.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('19');
  });
});
