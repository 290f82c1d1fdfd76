// The Deno relay (dist/deno.js under the real deno binary, --unstable-net) with Deno clients over
// WebTransport and WebSocket (e2e/deno-wt/client.js): routing, the built-in module, protocol violations over a
// WebTransport stream, and the WebSocket fallback.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSdk } from './fixtures/sdk-bundle.js';
import { Status } from '../src/wire/constants.js';
import { DENO, denoEnv, ROOT, startDenoRelay, type DenoRelay } from '../e2e/deno-relay.js';

let dir: string;
let sdk: string;
let relay: DenoRelay;

/** Runs a Deno client script until it prints {"done":true} (or fails); its JSON lines. */
function runClient(scenario: string, wtUrl = relay.wtUrl, hash = relay.hash): Promise<any[]> {
  const args = ['run', '--no-config', '--no-lock', '--unstable-net', '-A', `${ROOT}e2e/deno-wt/client.js`, sdk, scenario, relay.wsUrl, wtUrl, hash];
  const child: ChildProcess = spawn(DENO, args, { stdio: ['ignore', 'pipe', 'pipe'], env: denoEnv(join(dir, 'deno')) });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(child.pid!, 'SIGKILL');
      reject(new Error(`deno client ${scenario}: no result within 90 s\n${out}${err}`));
    }, 90_000);
    child.once('exit', () => {
      clearTimeout(timer);
      const lines = out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const failed = lines.find((l) => l.failed);
      if (failed || !lines.some((l) => l.done)) reject(new Error(`deno client ${scenario} failed: ${failed?.failed ?? ''}\n${out}${err}`));
      else resolve(lines);
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sw-deno-relay-test-'));
  sdk = join(dir, 'sdk.js');
  await bundleSdk(sdk);
  relay = await startDenoRelay();
}, 60_000);

afterAll(async () => {
  await relay?.stop();
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

  it('chaos over WebTransport: 50,000 acked frames while a peer\'s session is closed every ~200 ms → exactly once, in order', async () => {
    const lines = await runClient('chaos');
    const r = lines.find((l) => l.check === 'chaos');
    console.log(`[chaos-webtransport] ${r.total} acked frames in ${r.seconds} s with ${r.kills} sessions killed: delivered ${r.delivered}, duplicated ${r.duplicates}, out of order ${r.outOfOrder}`);
    expect(r.kills).toBeGreaterThanOrEqual(3);
    expect({ delivered: r.delivered, duplicates: r.duplicates, outOfOrder: r.outOfOrder, last: r.last, errors: r.errors }).toEqual({ delivered: 50_000, duplicates: 0, outOfOrder: 0, last: 50_000, errors: [] });
  }, 120_000);

  it('falls back to WebSocket when WebTransport fails: a certificate hash that does not match, a port nobody answers', async () => {
    const wrongHash = await runClient('fallback', relay.wtUrl, relay.hash.replace(/^./, (c) => (c === '0' ? '1' : '0')));
    expect(wrongHash.find((l) => l.check === 'fallback')).toMatchObject({ kind: 'websocket', reasons: ['SW_ERR_CONNECT_FAILED'], echo: 'via fallback' });
    const deadPort = await runClient('fallback', 'https://127.0.0.1:9/wt');
    expect(deadPort.find((l) => l.check === 'fallback')).toMatchObject({ kind: 'websocket', reasons: ['SW_ERR_CONNECT_FAILED'], echo: 'via fallback' });
  }, 120_000);

  it('`swarmwire relay --deno` runs the same relay under the npm deno binary and stops with its parent', async () => {
    const child = spawn(process.execPath, [`${ROOT}bin/swarmwire.mjs`, 'relay', '--deno', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: denoEnv(join(dir, 'deno')) });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URLs within 30 s:\n${out}`)), 30_000);
        child.stdout!.on('data', () => /cert sha-256: [0-9a-f]{64}/.test(out) && (clearTimeout(timer), resolve()));
      });
      const page = /page:\s+(\S+)/.exec(out)![1]!;
      expect(await (await fetch(`${page}healthz`)).json()).toMatchObject({ peers: 0 });
      process.kill(child.pid!, 'SIGTERM');
      await exited;
      await expect(fetch(`${page}healthz`, { signal: AbortSignal.timeout(3000) })).rejects.toThrow();
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    }
  }, 60_000);
});
