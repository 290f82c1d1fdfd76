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
});
