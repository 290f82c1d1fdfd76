// Agents living in a Durable Object (workerd, through Miniflare): called from Node mesh nodes through the object's
// relay, kept in its storage across eviction, and moved Node → Durable Object → Node by live migration while calls
// flow — none lost, none run twice — with a 5 MiB state too, in chunks through the relay.
import { describe, expect, it } from 'vitest';
import { wrap } from 'swarmwire';
import { objectNode, useRooms } from './fixtures/room-nodes.js';
import { until } from './fixtures/until.js';
import { keepCalling, oneToN } from './fixtures/calls.js';
import { Counter } from './fixtures/counter-agent.js';

const rooms = useRooms();
const { join, evict } = rooms;

type Dashboard = { agents(): Array<{ name: string; state: string }>; migrate(name: string, to: string): Promise<string> };

describe('agents in a Durable Object', () => {
  it('are spawned there by capability, called from Node through the relay, and keep every answered call across eviction', async () => {
    const a = await join('keep');
    const dobj = await objectNode(a);
    expect(await a.spawn('Counter', 'counter', { capabilities: ['durable-object'] })).toBe(dobj);
    for (let i = 1; i <= 20; i++) expect(await a.call('counter', 'increment')).toBe(i);
    await evict('keep', a.node);
    // A new instance: the same node id (its key is in storage), the agent restored with every answered call.
    expect(await a.call('counter', 'get')).toBe(20);
    expect(await a.call('counter', 'increment', [5])).toBe(25);
    const dashboard = wrap<Dashboard>(a.node.link(dobj), { name: 'dashboard', timeoutMs: 10_000 });
    expect(await dashboard.agents()).toEqual([expect.objectContaining({ name: 'counter', kind: 'Counter', state: 'active', calls: 2 })]); // get and increment, since the restore
  });

  it('move Node → Durable Object → Node while calls flow, and survive an eviction while there: none lost, none twice', { timeout: 60_000 }, async () => {
    const [a, b] = [await join('move'), await join('move')];
    const dobj = await objectNode(a);
    await b.node.discover(undefined, 2_000);
    a.expose('counter', new Counter());
    const calls = keepCalling(() => b.call('counter', 'increment'), 3);
    await until(() => calls.results.length >= 30, 10_000);
    let started = Date.now();
    expect(await a.migrate('counter', dobj)).toBe(dobj);
    const intoObject = Date.now() - started;
    await until(() => calls.results.length >= 80, 10_000);
    await calls.stop();
    const before = calls.results.length;
    await evict('move', a.node, b.node);
    expect(await b.call('counter', 'get')).toBe(before);
    const more = keepCalling(() => b.call('counter', 'increment'), 3);
    await until(() => more.results.length >= 30, 10_000);
    const dashboard = wrap<Dashboard>(a.node.link(dobj), { name: 'dashboard', timeoutMs: 20_000 });
    started = Date.now();
    expect(await dashboard.migrate('counter', b.node.idHex)).toBe(b.node.idHex);
    const outOfObject = Date.now() - started;
    await until(() => more.results.length >= 80, 10_000);
    await more.stop();
    expect([...calls.errors, ...more.errors]).toEqual([]);
    const all = [...calls.results, ...more.results].sort((x, y) => x - y);
    expect(all).toEqual(oneToN(all.length));
    expect(b.agents()).toEqual([expect.objectContaining({ name: 'counter', state: 'active' })]);
    expect(await dashboard.agents()).toEqual([]);
    expect(await a.call('counter', 'get')).toBe(all.length);
    console.log(`[figures] counter migration Node → Durable Object ${intoObject} ms, Durable Object → Node ${outOfObject} ms (calls flowing)`);
  });

  it('move a 5 MiB state through the relay, into the object and out again, in chunks, under calls', { timeout: 120_000 }, async () => {
    const [a, b] = [await join('big'), await join('big')];
    const dobj = await objectNode(a);
    await b.node.discover(undefined, 2_000);
    const agent = new Counter();
    agent.data = Uint8Array.from({ length: 5 * 1024 * 1024 }, (_, i) => (i * 2654435761) >>> 24);
    const sum = agent.sum();
    a.expose('big', agent);
    const calls = keepCalling(() => b.call('big', 'increment'), 2);
    await until(() => calls.results.length >= 10, 10_000);
    const figures: string[] = [];
    const timed = async (label: string, move: () => Promise<string>, to: string): Promise<void> => {
      const started = Date.now();
      expect(await move()).toBe(to);
      figures.push(`${label} ${Date.now() - started} ms`);
      await until(() => calls.results.length >= 10 * (figures.length + 1), 20_000);
    };
    const dashboard = wrap<Dashboard>(b.node.link(dobj), { name: 'dashboard', timeoutMs: 30_000 });
    await timed('Node → Node through the relay', () => a.migrate('big', b.node.idHex), b.node.idHex);
    await timed('Node → Durable Object', () => b.migrate('big', dobj), dobj);
    await timed('Durable Object → Node', () => dashboard.migrate('big', a.node.idHex), a.node.idHex);
    await calls.stop();
    expect(calls.errors).toEqual([]);
    expect([...calls.results].sort((x, y) => x - y)).toEqual(oneToN(calls.results.length));
    expect(await b.call('big', 'sum')).toBe(sum);
    console.log(`[figures] 5 MiB agent state, calls flowing: ${figures.join('; ')}`);
  });
});
