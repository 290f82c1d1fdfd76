// The Deno leg of agents at the edge: a counter moves Node → Durable Object (workerd) → Deno (the real `deno`
// binary) → Durable Object → Node while calls flow to it, none lost, none run twice.
import { afterEach, expect, it } from 'vitest';
import { wrap } from 'swarmwire';
import { objectNode, useRooms } from './fixtures/room-nodes.js';
import { type DenoAgentHost, startDenoAgentHost } from './fixtures/deno-agent-host.js';
import { until } from './fixtures/until.js';
import { keepCalling, oneToN } from './fixtures/calls.js';
import { Counter } from './fixtures/counter-agent.js';

const rooms = useRooms(2);
let deno: DenoAgentHost | undefined;
afterEach(() => deno?.stop());

type Mover = { migrate(name: string, to: string): Promise<string> };

it('an agent moves Node → Durable Object → Deno → Durable Object → Node while calls flow: none lost, none twice', { timeout: 120_000 }, async () => {
  deno = await startDenoAgentHost(`ws://${rooms.workerd.base.host}/ws?room=deno`);
  const a = await rooms.join('deno');
  const dobj = await objectNode(a);
  const end = Date.now() + 10_000;
  while (!a.node.peers().some((p) => p.id === deno!.id)) {
    if (Date.now() > end) throw new Error(`the Deno node is not in the room: ${deno.child.output()}`);
    await a.node.discover(undefined, 1_000);
  }
  const control = wrap<Mover>(a.node.link(deno.id), { name: 'control', timeoutMs: 30_000 });
  const dashboard = wrap<Mover>(a.node.link(dobj), { name: 'dashboard', timeoutMs: 30_000 });
  a.expose('counter', new Counter());
  const calls = keepCalling(() => a.call('counter', 'increment'), 2);
  const figures: string[] = [];
  for (const [label, move, to] of [
    ['Node → Durable Object', () => a.migrate('counter', dobj), dobj],
    ['Durable Object → Deno', () => dashboard.migrate('counter', deno!.id), deno.id],
    ['Deno → Durable Object', () => control.migrate('counter', dobj), dobj],
    ['Durable Object → Node', () => dashboard.migrate('counter', a.node.idHex), a.node.idHex],
  ] as const) {
    const target = calls.results.length + 20;
    await until(() => calls.results.length >= target, 20_000);
    const started = Date.now();
    expect(await move()).toBe(to);
    figures.push(`${label} ${Date.now() - started} ms`);
  }
  const target = calls.results.length + 20;
  await until(() => calls.results.length >= target, 20_000);
  await calls.stop();
  expect(calls.errors).toEqual([]);
  expect([...calls.results].sort((x, y) => x - y)).toEqual(oneToN(calls.results.length));
  expect(a.agents()).toEqual([expect.objectContaining({ name: 'counter', state: 'active' })]);
  console.log(`[figures] counter migration, calls flowing: ${figures.join('; ')}`);
});
