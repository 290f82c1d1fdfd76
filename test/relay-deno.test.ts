// The Deno relay (dist/relay-deno.js under the real deno binary, --unstable-net) with Deno clients over
// WebTransport and WebSocket (e2e/deno-wt/client.js): routing, the built-in module, protocol violations over a
// WebTransport stream, and the WebSocket fallback.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Status } from '../src/wire/constants.js';

const root = new URL('..', import.meta.url).pathname;
const deno = `${root}node_modules/@deno/linux-x64-glibc/deno`;
let dir: string;
let sdk: string;
let relay: { child: ChildProcess; url: string; wsUrl: string; wtUrl: string; hash: string };
const env = () => ({ ...process.env, DENO_DIR: join(dir, 'deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' });

/** Runs `deno` and collects stdout until `ready` says it has enough, or the deadline. */
function runDeno(args: string[], ready: (out: string) => boolean, ms: number): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn(deno, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env() });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`deno ${args.join(' ')}: not ready within ${ms} ms\n${out}${err}`));
    }, ms);
    const check = () => {
      if (ready(out)) {
        clearTimeout(timer);
        resolve({ child, out: () => out });
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!ready(out)) reject(new Error(`deno exited with ${code}\n${out}${err}`));
      else resolve({ child, out: () => out });
    });
  });
}

async function runClient(scenario: string, wtUrl = relay.wtUrl, hash = relay.hash): Promise<any[]> {
  const { out } = await runDeno(['run', '--no-config', '--no-lock', '--unstable-net', '-A', `${root}e2e/deno-wt/client.js`, sdk, scenario, relay.wsUrl, wtUrl, hash], (o) => /"done":true|"failed"/.test(o), 90_000);
  const lines = out().trim().split('\n').map((l) => JSON.parse(l));
  const failed = lines.find((l) => l.failed);
  if (failed) throw new Error(`deno client failed: ${failed.failed}`);
  return lines;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sw-deno-relay-'));
  sdk = join(dir, 'sdk.js');
  await build({ entryPoints: [`${root}src/index.ts`], outfile: sdk, bundle: true, format: 'esm', platform: 'neutral', mainFields: ['module', 'main'], target: 'es2022', external: ['ws', 'node:*'], logLevel: 'warning' });
  const started = await runDeno(['run', '--no-config', '--no-lock', '--unstable-net', '-A', `${root}dist/relay-deno.js`, '--port', '0'], (o) => /cert sha-256: [0-9a-f]{64}/.test(o), 30_000);
  const text = started.out();
  const field = (name: string): string => new RegExp(`${name}:\\s+(\\S+)`).exec(text)![1]!;
  relay = { child: started.child, url: field('page'), wsUrl: field('websocket'), wtUrl: field('webtransport'), hash: field('cert sha-256') };
}, 60_000);

afterAll(async () => {
  if (relay?.child.exitCode === null) {
    process.kill(relay.child.pid!, 'SIGTERM');
    await new Promise((r) => relay.child.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('relay on Deno (WebSocket at /ws, WebTransport at /wt)', () => {
  it('prints its URLs and the certificate hash; serves the page and /healthz', async () => {
    expect(relay.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    expect(relay.wtUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/wt$/);
    const page = await (await fetch(relay.url)).text();
    expect(page).toContain('swarmwire relay');
    expect(page).toContain(relay.hash); // the page tries WebTransport with this hash first
    expect(await (await fetch(`${relay.url}healthz`)).json()).toMatchObject({ peers: expect.any(Number) });
    expect((await fetch(`${relay.url}swarmwire.global.js`)).status).toBe(200);
  });

  it('a WebTransport and a WebSocket Deno client route 500 acked frames each way, call relay.echo/peers, HealthCheck, Ping', async () => {
    const lines = await runClient('peers');
    const by = (check: string) => lines.find((l) => l.check === check);
    expect(by('kinds')).toMatchObject({ alice: 'webtransport', bob: 'websocket' });
    expect(by('echo')).toMatchObject({ type: 1, n: 42, bytes: [1, 2, 3] });
    expect(by('peers').peers).toEqual([{ name: 'alice', transport: 'webtransport' }, { name: 'bob', transport: 'websocket' }]);
    const ok = { count: 500, inOrder: true, sizesOk: true, fromOk: true };
    expect(by('routed')).toMatchObject({ toBob: ok, toAlice: ok });
    expect(by('health').body).toMatchObject({ status: 'ok', peers: 2 });
    expect(by('ping').rtt).toBeGreaterThanOrEqual(0);
  }, 120_000);

  it('protocol violations on a WebTransport stream get an Error frame and a close; a peer beside them carries on', async () => {
    const lines = await runClient('violations');
    const v = Object.fromEntries(lines.filter((l) => l.check === 'violation').map((l) => [l.name, [l.code, l.status]]));
    expect(v).toEqual({
      magic: [1002, Status.InvalidFrame],
      oversized: [1009, Status.PayloadTooLarge],
      'not hello': [1002, Status.InvalidFrame],
      'bad magic after hello': [1002, Status.InvalidFrame],
    });
    // Two peers: the bystander, and the one whose stream broke after its handshake. A stream that cannot be framed
    // is a transport failure (like a text WebSocket message), so its session waits resumeTimeoutMs to be resumed.
    expect(lines.find((l) => l.check === 'bystander')).toEqual({ check: 'bystander', echo: 'still here', state: 'open', peers: 2 });
  }, 120_000);

  it('falls back to WebSocket when WebTransport fails: a certificate hash that does not match, a port nobody answers', async () => {
    const wrongHash = await runClient('fallback', relay.wtUrl, relay.hash.replace(/^./, (c) => (c === '0' ? '1' : '0')));
    expect(wrongHash.find((l) => l.check === 'fallback')).toMatchObject({ kind: 'websocket', reasons: ['SW_ERR_CONNECT_FAILED'], echo: 'via fallback' });
    const deadPort = await runClient('fallback', 'https://127.0.0.1:9/wt');
    expect(deadPort.find((l) => l.check === 'fallback')).toMatchObject({ kind: 'websocket', reasons: ['SW_ERR_CONNECT_FAILED'], echo: 'via fallback' });
  }, 120_000);
});
