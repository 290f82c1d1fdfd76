// Attack 8 on the Deno relay (dist/deno.js under the real deno binary, its own process, stopped by its PID): the
// same odd requests, label breakers and scrape flood as the Node relay's HTTP attack (attacks/http.mjs), and HTTP
// slowloris. Expected: each odd request answered or closed with the relay alive after it, /metrics parseable with
// nothing a peer wrote in it, every scrape answered, and an SDK peer's calls answered throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageType, connectSession, connectWebSocket, wrap, type Session } from 'swarmwire';
import { pack } from '../../src/wire/payload.js';
import { type DenoRelay, startDenoRelay } from '../../e2e/deno-relay.js';
import { LABEL_BREAKERS, ODD_REQUESTS, metricsProblems } from './attacks/http.mjs';
import { rawRequest, trickleRequest } from './harness/raw-http.mjs';

let deno: DenoRelay;
let honest: Session;
beforeAll(async () => {
  deno = await startDenoRelay();
  honest = await connectSession(() => connectWebSocket(deno.wsUrl), { heartbeatIntervalMs: 0 });
}, 60_000);
afterAll(async () => {
  honest?.close();
  await deno?.stop();
});

const alive = async (): Promise<boolean> =>
  deno.child.exitCode === null && (await fetch(`${deno.url}healthz`, { signal: AbortSignal.timeout(3_000) }).then((r) => r.status, () => 0)) === 200;
const echo = async (n: number): Promise<number> => wrap<{ echo(x: number): number }>(honest, { name: 'relay', timeoutMs: 5_000 }).echo(n);

describe('adversarial: the Deno relay\'s HTTP side', () => {
  it('answers or closes every odd request and lives through each', async () => {
    const dead: string[] = [];
    const seen: string[] = [];
    for (const [what, bytes] of ODD_REQUESTS) {
      const r = await rawRequest(deno.url, bytes, { timeoutMs: 1_000 }); // Deno keeps the connection: no end to wait for
      seen.push(`${what}: ${r.statuses.slice(0, 2).join(',') || (r.ended ? 'closed' : 'no answer')}`);
      if (!(await alive())) dead.push(what);
      // A 500 is the relay's handler throwing (Deno logs it and carries on): a request it should have refused.
      if (r.statuses.includes(500)) dead.push(`${what}: 500`);
    }
    console.log(`[attack] Deno relay, odd requests: ${seen.join('; ')}`);
    expect(dead).toEqual([]);
    expect(await echo(7)).toBe(7);
  }, 120_000);

  it('keeps /metrics parseable with peers whose names and topics are written to break a label', async () => {
    const sessions: Session[] = [];
    try {
      for (const s of LABEL_BREAKERS) {
        const session = await connectSession(() => connectWebSocket(deno.wsUrl), { heartbeatIntervalMs: 0, metadata: { name: s } });
        sessions.push(session);
        for (const topic of LABEL_BREAKERS) session.send({ type: MessageType.Subscribe, payload: pack(topic) });
      }
      expect(await metricsProblems(deno.url)).toEqual([]);
    } finally {
      for (const s of sessions) s.close();
    }
  }, 60_000);

  it('answers a flood of scrapes, every one, and the honest peer\'s calls meanwhile', async () => {
    const end = performance.now() + 3_000;
    let scrapes = 0;
    let failed = 0;
    await Promise.all(Array.from({ length: 32 }, async (_, i) => {
      while (performance.now() < end) {
        scrapes++;
        const r = await rawRequest(deno.url, `GET ${i % 2 ? '/metrics' : '/healthz'} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { timeoutMs: 5_000 });
        if (r.statuses[0] !== 200) failed++;
      }
    }));
    console.log(`[attack] Deno relay: ${scrapes} scrapes in 3 s, ${failed} not answered 200`);
    expect(failed).toBe(0);
    expect(await echo(8)).toBe(8);
  }, 60_000);

  // Deno.serve has no deadline for a request's headers (denoland/deno#3515) and gives the relay no socket to
  // destroy, so a trickled request is held as long as its sender keeps it (measured: more than 70 s); what the relay
  // can promise is to keep serving everyone else meanwhile. README's Reliability section says so.
  it('keeps serving while 50 HTTP requests are trickled a byte every 200 ms (slowloris)', async () => {
    const slow = Array.from({ length: 50 }, () => trickleRequest(deno.url, 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ', { giveUpMs: 6_000 }));
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await alive()).toBe(true);
    expect(await echo(9)).toBe(9);
    expect(await metricsProblems(deno.url)).toEqual([]);
    const ended = await Promise.all(slow);
    console.log(`[attack] Deno relay: ${ended.filter((ms) => ms < Infinity).length} of 50 slowloris requests ended by the relay within 6 s`);
  }, 60_000);
});
