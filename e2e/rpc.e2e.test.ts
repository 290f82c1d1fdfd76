// Typed proxies in real Chromium: a page calls an agent in Node over a WebSocket session, and the same agent in Deno
// over WebTransport (HTTP/3, self-signed certificate by hash) — callbacks, streams both ways, errors with their
// class, cancellation, deadlines, describe, many calls in flight.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Plugin, build } from 'esbuild';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionHost, expose } from 'swarmwire';
import { listenWebSocket, type WebSocketListener } from 'swarmwire/node';
import { type JsonChild, spawnJson } from '../test/fixtures/ws-helpers.js';
import type { WatchedContext } from './browser.js';
import { DENO, denoEnv } from './deno-relay.js';
import type * as RpcClient from './pages/rpc-client.js';
import { checksPage, type Rig, ROOT, startRig } from './rig.js';
import { makeAgent } from './rpc-agent.js';

const nodeCancelled: string[] = [];
let rig: Rig;
let browser: WatchedContext;
let host: SessionHost;
let listener: WebSocketListener;
let deno: JsonChild;
let denoDir: string;

/** Each swarmwire entry from its source (esbuild's alias would map `swarmwire/deno` under src/index.ts). */
const ENTRIES: Record<string, string> = { swarmwire: 'src/index.ts', 'swarmwire/wire': 'src/wire/index.ts', 'swarmwire/transport': 'src/transport/index.ts', 'swarmwire/deno': 'src/deno.ts' };
const fromSource: Plugin = {
  name: 'swarmwire-source',
  setup(b) {
    b.onResolve({ filter: /^swarmwire(\/[a-z]+)?$/ }, (args) => ({ path: join(ROOT, ENTRIES[args.path] ?? `no source for ${args.path}`) }));
  },
};
beforeAll(async () => {
  denoDir = mkdtempSync(join(tmpdir(), 'sw-deno-rpc-'));
  const agent = join(denoDir, 'agent.js');
  // One self-contained file (swarmwire from src/, MessagePack inlined): deno run needs no node_modules.
  await build({
    entryPoints: [join(ROOT, 'e2e/deno-rpc/agent.ts')], outfile: agent, bundle: true, format: 'esm', platform: 'neutral',
    plugins: [fromSource], external: ['ws', 'node:*'], logLevel: 'warning', mainFields: ['module', 'main'],
  });
  [rig, deno] = await Promise.all([
    startRig(),
    spawnJson(DENO, ['run', '--no-config', '--no-lock', '--unstable-net', '-A', agent], { env: denoEnv(denoDir), ms: 60_000 }),
  ]);
  browser = await rig.chromium.newContext();
  host = new SessionHost({ heartbeatIntervalMs: 0 });
  host.onSession((session) => expose(makeAgent((reason) => nodeCancelled.push(reason)), session, { name: 'agent' }));
  listener = await listenWebSocket((t) => void host.accept(t).catch(() => {}));
});
afterAll(async () => {
  host?.close();
  await listener?.close();
  await browser?.close();
  await rig?.close();
  if (deno) process.kill(deno.child.pid!, 'SIGKILL');
  if (denoDir) rmSync(denoDir, { recursive: true, force: true });
});

async function runPage(target: RpcClient.Target) {
  return browser.explain((async () => {
    const page: Page = await browser.open(rig.url(checksPage({ rpcClient: 'rpc-client' }), { isolated: false }));
    await page.waitForFunction(() => 'rpcClient' in globalThis, undefined, { timeout: 10_000 });
    return page.evaluate((t) => (globalThis as unknown as { rpcClient: typeof RpcClient }).rpcClient.runRpc(t), target);
  })(), 60_000);
}

function expectFullReport(report: Awaited<ReturnType<typeof runPage>>, kind: string): void {
  expect(report.kind).toBe(kind);
  expect(report.add).toBe(5);
  expect(report.notify).toBe('sent');
  expect(report.seen).toEqual(['got hi']);
  expect(report.countdown).toEqual([5, 4, 3, 2, 1]);
  expect(report.sum).toBe(55);
  expect(report.error).toEqual({ isTypeError: true, message: 'not from here', code: undefined, cause: 'deeper' });
  expect(report.cancel).toEqual({ name: 'RpcError', code: 'SW_ERR_RPC_CANCELLED', status: 12 });
  expect(report.timeout).toEqual({ code: 'SW_ERR_RPC_TIMEOUT', status: 4 });
  expect(report.methods).toEqual(['add', 'countdown', 'fail', 'hang', 'notify', 'sum']);
  expect(report.inFlight).toEqual(Array.from({ length: 500 }, (_, i) => 2 * i));
}

describe('a Chromium page calls an agent', () => {
  it('in Node over WebSocket: callbacks, streams, errors, cancel, deadlines', async () => {
    expectFullReport(await runPage({ ws: listener.url }), 'websocket');
    await expect.poll(() => nodeCancelled.length).toBe(2);
    expect(nodeCancelled[0]).toMatch(/cancelled by the caller: aborted/);
    expect(nodeCancelled[1]).toMatch(/cancelled by the caller: deadline exceeded/);
    expect(browser.problems).toEqual([]);
  });

  it('in Deno over WebTransport: the same calls', async () => {
    const report = await runPage({ wt: `https://127.0.0.1:${deno.info.port}/`, hash: deno.info.hash });
    expectFullReport(report, 'webtransport');
    await deno.waitFor((line) => typeof line.cancelled === 'string' && /deadline exceeded/.test(line.cancelled));
    expect(deno.lines.filter((l) => l.cancelled).map((l) => l.cancelled)).toEqual([
      expect.stringMatching(/cancelled by the caller: aborted/), expect.stringMatching(/cancelled by the caller: deadline exceeded/),
    ]);
    expect(browser.problems).toEqual([]);
  }, 120_000);
});
