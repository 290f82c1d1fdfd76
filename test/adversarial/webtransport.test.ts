// Attack 10: WebTransport on the Deno relay (dist/deno.js under the real deno binary, --unstable-net, its own
// process stopped by its PID), attacked by raw WebTransport sessions from another deno process
// (deno/wt-attacker.js): a frame trickled a byte every 100 ms, a header announcing 4 GiB, 200 streams on one
// session, a stream that stays silent, a session with no stream, datagrams before Hello, 100 sessions at once that
// never finish a Hello. Meanwhile an honest SDK peer over WebSocket calls relay.echo every 20 ms. Expected: the relay
// ends every attacking session within its handshake deadline (10 s, plus slack), stays alive, and answers every
// honest call; its RSS growth is reported.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSession, connectWebSocket, wrap, type Session } from 'swarmwire';
import { DENO, denoEnv, startDenoRelay, type DenoRelay } from '../../e2e/deno-relay.js';
import { rawRequest } from './harness/raw-http.mjs';

const ATTACKER = new URL('./deno/wt-attacker.js', import.meta.url).pathname;
/** The handshake deadline (10 s) with slack for two shared cores. */
const END_WITHIN_MS = 14_000;

let relay: DenoRelay;
let dir: string;
beforeAll(async () => {
  relay = await startDenoRelay();
  dir = mkdtempSync(join(tmpdir(), 'sw-wt-attack-'));
}, 60_000);
afterAll(async () => {
  await relay?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const rssKiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

/** Runs the attacker script; its JSON lines. */
function attack(flood: number): Promise<Array<Record<string, unknown>>> {
  const child = spawn(DENO, ['run', '--no-config', '--no-lock', '--unstable-net', '-A', ATTACKER, relay.wtUrl, relay.hash, String(flood)], { stdio: ['ignore', 'pipe', 'pipe'], env: denoEnv(join(dir, 'deno')) });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (process.kill(child.pid!, 'SIGKILL'), reject(new Error(`the attacker did not finish within 90 s: ${out}${err}`))), 90_000);
    child.once('exit', () => {
      clearTimeout(timer);
      const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      if (!lines.some((l) => l.done)) reject(new Error(`the attacker failed: ${out}${err}`));
      else resolve(lines.filter((l) => !l.done));
    });
  });
}

describe('adversarial: WebTransport on the Deno relay', () => {
  it('trickled, huge, many-stream, silent, stream-less, datagram and flooding sessions are all cut within the deadline; honest calls all answered', async () => {
    const honest: Session = await connectSession(() => connectWebSocket(relay.wsUrl), { heartbeatIntervalMs: 0 });
    const echo = wrap<{ echo(x: number): number }>(honest, { name: 'relay', timeoutMs: 10_000 });
    const latencies: number[] = [];
    const failures: string[] = [];
    let running = true;
    const calls = (async () => {
      for (let n = 0; running; n++) {
        const t0 = performance.now();
        const pending = echo.echo(n).then((v) => (v === n ? latencies.push(performance.now() - t0) : failures.push(`echo ${n} gave ${v}`)), (e) => failures.push(String(e?.message ?? e)));
        await new Promise((r) => setTimeout(r, 20));
        if (!running) await pending;
      }
    })();
    const rssBefore = rssKiB(relay.child.pid!);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssKiB(relay.child.pid!) || 0)), 100);
    try {
      const results = await attack(100);
      running = false;
      await calls;
      const healthz = await fetch(`${relay.url}healthz`, { signal: AbortSignal.timeout(5_000) });
      latencies.sort((a, b) => a - b);
      const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]?.toFixed(1);
      console.log(`[attack] WebTransport on the Deno relay: ${JSON.stringify(results)}; honest echo ${latencies.length} answered, ${failures.length} failed, p50 ${p(0.5)} / p99 ${p(0.99)} ms; relay RSS ${(rssBefore / 1024).toFixed(0)} → peak ${(rssPeak / 1024).toFixed(0)} MiB`);
      expect(results.filter((r) => r.failed)).toEqual([]);
      const late = results.filter((r) => !(Number(r.endedAfterMs) <= END_WITHIN_MS));
      expect(late).toEqual([]);
      expect(healthz.status).toBe(200);
      expect(failures).toEqual([]);
      expect(honest.state).toBe('open');
    } finally {
      clearInterval(sampler);
      running = false;
      honest.close();
    }
  }, 150_000);

  // Issue 13, round 3: WebTransport sessions were not counted under the pre-handshake caps at all, so one address
  // could hold any number of them, and a WebSocket from it was let in whatever it held.
  it('counts WebTransport sessions under the same pre-handshake caps as WebSockets: one address holds 64, the rest and its next WebSocket are refused, all given back', async () => {
    const child = spawn(DENO, ['run', '--no-config', '--no-lock', '--unstable-net', '-A', ATTACKER, relay.wtUrl, relay.hash, '0', 'hold', '100', '4000'], { stdio: ['ignore', 'pipe', 'pipe'], env: denoEnv(join(dir, 'deno')) });
    let out = '';
    child.stderr!.on('data', (d) => (out += d));
    const lines: Array<Record<string, unknown>> = [];
    child.stdout!.on('data', (d) => {
      out += d;
      for (const l of String(d).split('\n')) if (l.startsWith('{')) lines.push(JSON.parse(l));
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const upgrade = 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    const gauge = async (): Promise<number> => Number(/^swarmwire_relay_handshaking (\d+)/m.exec(await (await fetch(`${relay.url}metrics`)).text())?.[1]);
    try {
      const end = Date.now() + 60_000;
      while (!lines.some((l) => 'held' in l) && Date.now() < end && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      const held = lines.find((l) => 'held' in l);
      expect(held, out).toEqual({ held: 64, refused: 36 });
      expect(await gauge()).toBe(64);
      expect((await rawRequest(relay.wsUrl.replace(/^ws/, 'http'), upgrade, { timeoutMs: 2_000 })).statuses[0]).toBe(429);
      await exited;
      expect(lines.some((l) => l.closed), out).toBe(true);
      // Closed by the attacker: every place is given back, and the same address is let in again.
      const back = Date.now() + 10_000;
      while ((await gauge()) !== 0 && Date.now() < back) await new Promise((r) => setTimeout(r, 100));
      expect(await gauge()).toBe(0);
      expect((await rawRequest(relay.wsUrl.replace(/^ws/, 'http'), upgrade, { timeoutMs: 2_000 })).statuses[0]).toBe(101);
    } finally {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
    }
  }, 120_000);
});
