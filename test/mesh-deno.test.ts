// Agents across runtimes: a Node mesh node and a Deno one (the real `deno` binary), both joined to the Node relay
// over WebSocket. A counter migrates Node → Deno → Node while calls flow; none fails, none runs twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundleSdk } from './fixtures/sdk-bundle.js';
import { AgentHost, MeshNode, connectWebSocket, wrap } from 'swarmwire';
import { startRelay, type RelayServer } from 'swarmwire/node';
import { exited, spawnJson, type JsonChild } from './fixtures/ws-helpers.js';

const root = new URL('..', import.meta.url).pathname;
const deno = `${root}node_modules/@deno/linux-x64-glibc/deno`;
let dir: string;
let bundle: string;
let server: RelayServer;
let child: JsonChild | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sw-deno-mesh-'));
  bundle = join(dir, 'swarmwire.js');
  await bundleSdk(bundle);
  server = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
});
afterAll(async () => {
  if (child && child.child.exitCode === null && child.child.signalCode === null) {
    process.kill(child.child.pid!, 'SIGKILL');
    await exited(child.child);
  }
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

class Counter {
  count = 0;
  increment(by = 1): number {
    this.count += by;
    return this.count;
  }
}

it('migrates a counter Node → Deno → Node while calls flow', async () => {
  const env = { ...process.env, DENO_DIR: join(dir, 'deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
  child = await spawnJson(deno, ['run', '--no-config', '--no-lock', '--allow-net', '--allow-read', `${root}e2e/deno-mesh/agent-host.js`, bundle, server.wsUrl], { env, ms: 60_000 });
  expect(child.info.failed, child.output()).toBeUndefined();
  const denoId: string = child.info.id;

  const node = await MeshNode.create({ heartbeatIntervalMs: 0, loadIntervalMs: 0 });
  try {
    await node.connect(() => connectWebSocket(server.wsUrl));
    const host = new AgentHost(node);
    host.define('Counter', () => new Counter());
    host.expose('counter', new Counter());
    const control = wrap<{ migrate(name: string, to: string): Promise<string>; agents(): Promise<Array<{ name: string }>>; runtime(): Promise<string> }>(node.link(denoId), { name: 'control', timeoutMs: 10_000 });
    expect(await control.runtime()).toMatch(/^deno \d/);

    let ok = 0;
    let last = 0;
    const failures: unknown[] = [];
    let stop = false;
    const flow = (async () => {
      while (!stop) {
        try {
          last = (await host.call('counter', 'increment', [1])) as number;
          ok++;
        } catch (e) {
          failures.push(e);
        }
      }
    })();
    const passes = async (n: number) => {
      const target = ok + n;
      const end = Date.now() + 20_000;
      while (ok < target) {
        if (Date.now() > end) throw new Error(`calls stalled at ${ok}: ${child!.output()}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await passes(20);
    expect(await host.migrate('counter', denoId)).toBe(denoId);
    expect((await control.agents()).map((a) => a.name)).toEqual(['counter']);
    await passes(50);
    expect(await control.migrate('counter', node.idHex)).toBe(node.idHex);
    expect(host.agents().map((a) => a.name)).toEqual(['counter']);
    await passes(20);
    stop = true;
    await flow;
    expect(failures).toEqual([]);
    expect(last).toBe(ok);
    host.close();
  } finally {
    node.close();
  }
});
