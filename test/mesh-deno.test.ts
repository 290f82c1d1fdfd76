// Agents across runtimes: a Node mesh node and a Deno one (the real `deno` binary), both joined to the Node relay
// over WebSocket. A counter migrates Node → Deno → Node while calls flow; none fails, none runs twice.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentHost, MeshNode, connectWebSocket, wrap } from 'swarmwire';
import { startRelay, type RelayServer } from 'swarmwire/node';
import { type DenoAgentHost, startDenoAgentHost } from './fixtures/deno-agent-host.js';

let server: RelayServer;
let denoHost: DenoAgentHost | undefined;

beforeAll(async () => {
  server = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
});
afterAll(async () => {
  await denoHost?.stop();
  await server?.close();
});

class Counter {
  count = 0;
  increment(by = 1): number {
    this.count += by;
    return this.count;
  }
}

it('migrates a counter Node → Deno → Node while calls flow', async () => {
  denoHost = await startDenoAgentHost(server.wsUrl);
  const denoId = denoHost.id;

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
        if (Date.now() > end) throw new Error(`calls stalled at ${ok}: ${denoHost!.child.output()}`);
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
