// Issue 13, hole 4 on the Deno relay (dist/deno.js under the real deno binary), attacked from this process:
// connections still handshaking are capped per remote address (HTTP 429) and in all (503) before any WebSocket
// exists, and a place comes back when its connection goes or its handshake completes — behind the relay's TCP front
// (deno-front.ts, which tells Deno.serve each connection's real address) and without it. (Deno reads each message
// whole, so the byte limits are Node's alone: see DenoRelayOptions.handshake.)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSession, connectWebSocket } from 'swarmwire';
import { DENO, ROOT, denoEnv } from '../e2e/deno-relay.js';
import { type RawWs, rawWs } from './fixtures/raw-ws.js';
import { within } from './fixtures/ws-helpers.js';
import { wsFrom } from './fixtures/ws-from.js';

let dir: string;
let child: ChildProcess;
let wsUrl: string;
let directUrl: string;
let cappedUrl: string;
const sockets: RawWs[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sw-deno-gate-'));
  writeFileSync(join(dir, 'relay.js'), `import { startDenoRelay } from ${JSON.stringify(`${ROOT}dist/deno.js`)};
const server = await startDenoRelay({ port: 0, webtransport: false, heartbeatIntervalMs: 0, handshake: { maxHandshaking: 6, maxHandshakingPerAddress: 4 } });
const direct = await startDenoRelay({ port: 0, webtransport: false, heartbeatIntervalMs: 0, httpFront: false, handshake: { maxHandshaking: 6, maxHandshakingPerAddress: 2 } });
const capped = await startDenoRelay({ port: 0, webtransport: false, heartbeatIntervalMs: 0, maxPeersPerAddress: 1 });
console.log(JSON.stringify({ wsUrl: server.wsUrl, directUrl: direct.wsUrl, cappedUrl: capped.wsUrl }));`);
  child = spawn(DENO, ['run', '--no-config', '--no-lock', '-A', join(dir, 'relay.js')], { stdio: ['ignore', 'pipe', 'pipe'], env: denoEnv(join(dir, 'deno')) });
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  ({ wsUrl, directUrl, cappedUrl } = await within(new Promise<{ wsUrl: string; directUrl: string; cappedUrl: string }>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const line = /\{"wsUrl":"[^"]+","directUrl":"[^"]+","cappedUrl":"[^"]+"\}/.exec(out)?.[0];
      if (line) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`deno exited with ${code}: ${out}`)));
  }), 30_000, 'the Deno relay to start'));
}, 40_000);

afterAll(() => {
  for (const r of sockets) r.socket.destroy();
  if (child?.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function raw(localAddress = '127.0.0.1', url = wsUrl): RawWs {
  const r = rawWs(url, { localAddress });
  sockets.push(r);
  return r;
}

describe('the Deno relay before Hello completes', () => {
  it('caps connections handshaking per address (429) and in all (503); a place comes back when its connection goes or completes its handshake', async () => {
    const first = Array.from({ length: 4 }, () => raw());
    expect(await Promise.all(first.map((r) => r.status))).toEqual([101, 101, 101, 101]);
    expect(await raw().status).toBe(429);
    expect(await Promise.all([raw('127.0.0.2').status, raw('127.0.0.2').status])).toEqual([101, 101]);
    expect(await raw('127.0.0.3').status).toBe(503);
    // Two of the first four go: two places come back (Deno tells the server a little after the socket ends).
    first[0]!.socket.destroy();
    first[1]!.socket.destroy();
    await within((async () => {
      for (;;) {
        const r = raw('127.0.0.4');
        if (await r.status === 101) return;
        await new Promise((res) => setTimeout(res, 50));
      }
    })(), 10_000, 'a place to come back');
    // Now 5 of 6 are taken: an honest peer's handshake takes the last one and gives it back when it completes.
    const session = await connectSession(() => connectWebSocket(wsUrl), { heartbeatIntervalMs: 0, reconnect: false });
    try {
      expect(await raw('127.0.0.5').status).toBe(101);
    } finally {
      session.close();
    }
  }, 30_000);

  it('caps the same with httpFront: false, where Deno.serve takes the port itself and sees the addresses', async () => {
    expect(await Promise.all([raw('127.0.0.6', directUrl).status, raw('127.0.0.6', directUrl).status])).toEqual([101, 101]);
    expect(await raw('127.0.0.6', directUrl).status).toBe(429);
    expect(await raw('127.0.0.7', directUrl).status).toBe(101);
    const session = await connectSession(() => connectWebSocket(directUrl), { heartbeatIntervalMs: 0, reconnect: false });
    expect(session.state).toBe('open');
    session.close();
  }, 30_000);

  it('caps peers per remote address once through the handshake (maxPeersPerAddress), by the address its TCP front saw', async () => {
    const sessions: Array<{ close(): void }> = [];
    const dial = (address: string) => connectSession(() => connectWebSocket(cappedUrl, { WebSocket: wsFrom(address) }), { heartbeatIntervalMs: 0, reconnect: false })
      .then((session) => (sessions.push(session), 'open'), (error: Error) => error.message);
    try {
      expect(await dial('127.0.0.5')).toBe('open');
      expect(await dial('127.0.0.5')).toMatch(/SW_ERR_ADDRESS_FULL: .*maximum of 1 peers from one address/);
      expect(await dial('127.0.0.6')).toBe('open');
    } finally {
      for (const s of sessions) s.close();
    }
  }, 30_000);
});
