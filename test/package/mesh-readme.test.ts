// The README's mesh examples, run as written (with a relay on a free port instead of 8787): the agent tour in this
// process, and "Serving an object to every peer" as it stands, in a fresh Node process against the built package.
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { AgentHost, MeshNode, connectWebSocket } from 'swarmwire';
import { startRelay } from 'swarmwire/node';
import { readmeBlock, runModule, substitute } from '../fixtures/readme.js';

const server = await startRelay({ port: 0 });
const url = server.wsUrl;
const nodes: MeshNode[] = [];
afterAll(async () => {
  for (const n of nodes) n.close();
  await server.close();
});

it('runs the README example', async () => {
  class Counter { count = 0; increment(by = 1) { return (this.count += by); } }

  const a = await MeshNode.create();
  const b = await MeshNode.create({ capabilities: ['gpu'] });
  nodes.push(a, b);
  await a.connect(() => connectWebSocket(url));
  await b.connect(() => connectWebSocket(url));

  const hostA = new AgentHost(a), hostB = new AgentHost(b);
  for (const h of [hostA, hostB]) h.define('Counter', () => new Counter());
  hostA.expose('counter', new Counter());
  expect(await hostB.call('counter', 'increment', [2])).toBe(2);
  await hostA.migrate('counter', b.idHex);
  expect(await hostA.proxy<Counter>('counter').increment()).toBe(3);
  expect(hostB.agents().map((x) => x.name)).toEqual(['counter']);
  expect(await hostA.spawn('Counter', 'gpu-counter', { capabilities: ['gpu'] })).toBe(b.idHex);
  expect(a.stats().connections[0]).toMatchObject({ transport: 'websocket', framesOut: expect.any(Number), bytesOut: expect.any(Number) });
  hostA.close();
  hostB.close();
});

it('runs the README block that serves an object to every peer (node.onLink), as it stands', async () => {
  const code = substitute(readmeBlock('mesh-serve'), [
    ["from 'swarmwire'", `from ${JSON.stringify(join(new URL('../..', import.meta.url).pathname, 'dist/index.js'))}`],
    ["'ws://127.0.0.1:8787/ws'", JSON.stringify(url)],
  ]);
  const { stdout } = await runModule(code);
  expect(stdout).toBe('5\n[swarmwire] no method "ecoh" on module "calc" (method hash 0xd1a908be)\n');
});
