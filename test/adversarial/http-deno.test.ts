// Attack 8 on the Deno relay (dist/deno.js under the real deno binary, its own process, stopped by its PID): the
// same odd requests, label breakers and scrape flood as the Node relay's HTTP attack (attacks/http.mjs), and HTTP
// slowloris. Expected: each odd request answered or closed with the relay alive after it, /metrics parseable with
// nothing a peer wrote in it, every scrape answered, an SDK peer's calls answered throughout, and every trickled
// request ended by the head deadline, as on the Node relay.
import { connect } from 'node:net';
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

  // Deno.serve has no deadline for a request's head (denoland/deno#3515) and hands over no socket: a trickled request
  // was held as long as its sender kept it (measured on main: all 50 still open after 20 s). The relay's TCP front
  // (src/relay/deno-front.ts) gives heads the Node relay's deadline: handshakeTimeoutMs + 1 s, 11 s by default.
  it('ends HTTP requests trickled a byte every 200 ms, silent connections and empty lines within 13 s, as the Node relay does, serving everyone meanwhile', async () => {
    const GIVE_UP_MS = 20_000;
    const UPGRADE = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    const slow = Array.from({ length: 50 }, (_, i) =>
      trickleRequest(deno.url, i % 2 ? 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ' : `GET /ws HTTP/1.1\r\nHost: x\r\n${UPGRADE}X-Slow: `, { giveUpMs: GIVE_UP_MS }));
    // A connection that sends nothing, and one that sends only line ends (empty heads, forever).
    const silent = sendEvery(deno.url, '', GIVE_UP_MS);
    const blank = sendEvery(deno.url, '\r\n', GIVE_UP_MS);
    // A whole request every second on one connection keeps it (the dashboard's poll of /dashboard.json does that).
    const polled = keepAlivePolls(deno.url, 14);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await alive()).toBe(true);
    expect(await echo(9)).toBe(9);
    expect(await metricsProblems(deno.url)).toEqual([]);
    const ended = await Promise.all([...slow, silent, blank]);
    console.log(`[attack] Deno relay: 50 slowloris requests, a silent and an empty-lines connection ended after ${Math.round(Math.min(...ended))}–${Math.round(Math.max(...ended))} ms`);
    expect(ended.filter((ms) => !(ms <= 13_000))).toEqual([]);
    expect(await polled).toEqual(Array.from({ length: 14 }, () => 200));
  }, 90_000);
});

/** Opens a connection that sends `text` every 500 ms; the ms until the relay ended it (Infinity: not within giveUpMs). */
function sendEvery(url: string, text: string, giveUpMs: number): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const socket = connect({ host: u.hostname, port: Number(u.port) });
    const opened = performance.now();
    socket.on('error', () => {});
    const timer = setInterval(() => text && socket.write(text), 500);
    const give = setTimeout(() => (clearInterval(timer), socket.destroy(), resolve(Infinity)), giveUpMs);
    socket.on('close', () => (clearInterval(timer), clearTimeout(give), resolve(performance.now() - opened)));
  });
}

/** `n` requests for /healthz on one keep-alive connection, one a second; their statuses. */
function keepAlivePolls(url: string, n: number): Promise<number[]> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const socket = connect({ host: u.hostname, port: Number(u.port) });
    const statuses: number[] = [];
    let text = '';
    socket.on('error', () => {});
    socket.on('data', (d) => {
      text += d.toString('latin1');
      for (const m of text.matchAll(/HTTP\/1\.1 (\d{3})/g)) statuses.push(Number(m[1]));
      text = text.replace(/HTTP\/1\.1 \d{3}/g, '');
    });
    socket.on('close', () => resolve(statuses));
    let sent = 0;
    const next = (): void => {
      if (sent++ === n) return void setTimeout(() => socket.destroy(), 500);
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      setTimeout(next, 1_000);
    };
    socket.once('connect', next);
  });
}
