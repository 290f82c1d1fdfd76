// Swarms of worker_threads agent hosts (startSwarm + the shipped worker entry, dist/worker.js): linked over the ring
// (and postMessage), agents spawned on the least-loaded worker, calling each other, moved between workers and back,
// modules loaded and unloaded (LoadModule, UnloadModule), Stats, a relay through which any node reaches them, a
// worker that dies (its agents reported lost, a new one in its place), a worker script that registers its own
// classes, and hostile control frames.
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
// From the source as one program (vitest maps 'swarmwire' there too), so tsc sees one MeshNode class here and in control.ts.
import { MeshNode, MessageType, Status, connectWebSocket, decodeBody, startSwarm, type Swarm, type SwarmLoss, type SwarmMember } from '../src/index.js';
// Internals, from the source: node control as the swarm speaks it, and the default size.
import { loadModule, nodeStats, unloadModule } from '../src/mesh/control.js';
import { defaultSwarmSize } from '../src/mesh/swarm.js';
import { startRelay, type RelayServer } from 'swarmwire/relay';
import { until } from './fixtures/until.js';

const AGENTS = new URL('./fixtures/swarm-agents.mjs', import.meta.url);
const MORE = new URL('./fixtures/swarm-more-agents.mjs', import.meta.url);

const open: Array<Swarm | MeshNode | RelayServer> = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});
const swarmOf = async (options: Parameters<typeof startSwarm>[0]): Promise<Swarm> => {
  const swarm = await startSwarm({ module: AGENTS, ...options });
  open.push(swarm);
  return swarm;
};

describe('a swarm of worker_threads', () => {
  it('starts one worker per core but one by default, each a mesh node linked to the owner over the ring', async () => {
    expect(await defaultSwarmSize()).toBe(Math.max(1, availableParallelism() - 1));
    const swarm = await swarmOf({});
    expect(swarm.workers).toHaveLength(Math.max(1, availableParallelism() - 1));
    expect(swarm.workers.map((w) => w.kind)).toEqual(swarm.workers.map(() => 'ring'));
    const links = swarm.node.stats().connections;
    expect(links.map((c) => c.peer).sort()).toEqual(swarm.workers.map((w) => w.id).sort());
    expect(links.every((c) => c.transport === 'ring' && c.role === 'core' && c.capabilities.includes('worker'))).toBe(true);
  });

  it('spawns on the least-loaded worker; agents call each other across workers; every call runs once', async () => {
    const swarm = await swarmOf({ size: 3 });
    const at = await Promise.all(Array.from({ length: 6 }, (_, i) => swarm.spawn('Counter', `c${i}`)));
    const perWorker = swarm.workers.map((w) => at.filter((id) => id === w.id).length);
    expect(perWorker).toEqual([2, 2, 2]);
    expect(await swarm.spawn('Counter', 'c6')).toBeDefined(); // the seventh goes anywhere; now one worker has 3
    const caller = await swarm.spawn('Caller', 'caller');
    expect(await swarm.call('caller', 'where')).toBe(caller);
    // The caller runs in a worker and reaches counters in the others (through the owner, which forwards).
    for (let i = 0; i < 7; i++) expect(await swarm.call('caller', 'bump', [`c${i}`, i + 1])).toBe(i + 1);
    const counter = swarm.proxy<{ get(): number; increment(by?: number): number }>('c3');
    expect(await counter.increment(10)).toBe(14);
    expect(await counter.get()).toBe(14);
    await until(() => swarm.workers.reduce((n, w) => n + w.agents.length, 0) === 8); // each worker reported its agents
    expect(swarm.workers.flatMap((w) => w.agents).sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'caller']);
  });

  it("knows a worker's agents from the worker's own reports: agents built and removed inside it", async () => {
    const swarm = await swarmOf({ size: 2 });
    const at = await swarm.spawn('Caller', 'builder');
    const own = (): readonly string[] => swarm.workers.find((w) => w.id === at)?.agents ?? [];
    expect(await swarm.call('builder', 'spawnHere', ['Counter', 'inner'])).toBe(at);
    await until(() => own().includes('inner'));
    expect(await swarm.call('inner', 'increment')).toBe(1);
    expect(await swarm.call('builder', 'removeHere', ['inner'])).toBe(true);
    await until(() => !own().includes('inner'));
    expect([...own()]).toEqual(['builder']);
  });

  it('moves an agent between workers and straight back, state intact (migrate() resolves once it is live there)', async () => {
    const swarm = await swarmOf({ size: 2 });
    const [w0, w1] = swarm.workers as [SwarmMember, SwarmMember];
    await swarm.spawn('Counter', 'moving', { on: w0.id, state: { count: 100 } });
    for (let i = 1; i <= 4; i++) {
      expect(await swarm.migrate('moving', w1.id)).toBe(w1.id);
      expect(await swarm.migrate('moving', w0.id)).toBe(w0.id); // asked of w1 the moment w0 said it is done
      expect(await swarm.call('moving', 'increment')).toBe(100 + i);
    }
    const [s0] = await swarm.stats();
    // Served-call counts are per stay: the last increment is the only call served since it came back.
    expect(s0!.agents).toMatchObject([{ name: 'moving', kind: 'Counter', state: 'active', calls: 1 }]);
  });

  it('loads and unloads modules in every worker (LoadModule, UnloadModule): unloading stops their agents', async () => {
    const swarm = await swarmOf({ size: 2 });
    expect(await swarm.load(MORE)).toEqual(['Greeter']);
    expect(swarm.modules).toEqual([AGENTS.href, MORE.href]);
    await swarm.spawn('Greeter', 'g1');
    await swarm.spawn('Greeter', 'g2');
    expect(await swarm.call('g1', 'greet', ['swarm'])).toBe('hello, swarm');
    // A module namespace lists its exports in name order.
    for (const s of await swarm.stats()) expect(s.modules).toEqual([{ url: AGENTS.href, kinds: ['Caller', 'Counter', 'makeEcho'] }, { url: MORE.href, kinds: ['Greeter'] }]);
    expect((await swarm.unload(MORE)).sort()).toEqual(['g1', 'g2']);
    await expect(swarm.call('g1', 'greet', ['again'])).rejects.toMatchObject({ code: 'SW_ERR_AGENT_NOT_FOUND' });
    await expect(swarm.spawn('Greeter', 'g3')).rejects.toMatchObject({ code: 'SW_ERR_MIGRATION_FAILED', message: expect.stringContaining('no factory for agent kind "Greeter"') });
    // A factory export is a kind too.
    await swarm.spawn('makeEcho', 'echo');
    expect(await swarm.call('echo', 'echo', [[1, 'two']])).toEqual([1, 'two']);
  });

  it('a module that cannot be imported is refused by every worker, all or nothing', async () => {
    const swarm = await swarmOf({ size: 2 });
    const missing = new URL('./fixtures/no-such-module.mjs', import.meta.url);
    const error = await swarm.load(missing).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'MeshError', code: 'SW_ERR_MESH_MODULE', status: Status.ModuleNotFound, message: expect.stringContaining('cannot import') });
    expect(swarm.modules).toEqual([AGENTS.href]);
    // A module whose kinds clash with kinds already there (the same module under another URL) defines nothing.
    const again = `${AGENTS.href}?again`;
    await expect(loadModule(swarm.node, swarm.workers[0]!.id, again)).rejects.toMatchObject({ code: 'SW_ERR_MESH_MODULE', message: expect.stringContaining('"Caller", "Counter", "makeEcho", already defined') });
    await expect(unloadModule(swarm.node, swarm.workers[0]!.id, again)).rejects.toMatchObject({ status: Status.ModuleNotFound, message: expect.stringContaining('is not loaded') });
    await expect(loadModule(swarm.node, swarm.workers[0]!.id, '')).rejects.toMatchObject({ status: Status.InvalidFrame, message: expect.stringContaining('`url` must not be empty') });
  });

  it('a worker that dies: the swarm says which agents died with it and starts another in its place', async () => {
    const swarm = await swarmOf({ size: 2 });
    const [w0, w1] = swarm.workers as [SwarmMember, SwarmMember];
    await swarm.spawn('Counter', 'doomed-1', { on: w0.id });
    await swarm.spawn('Counter', 'doomed-2', { on: w0.id });
    await swarm.spawn('Counter', 'survivor', { on: w1.id });
    await until(() => swarm.workers[0]!.agents.length === 2);
    const lost: SwarmLoss[] = [];
    const restarted: SwarmMember[] = [];
    swarm.on('lost', (l) => lost.push(l));
    swarm.on('restart', (m) => restarted.push(m));
    await (w0.worker as unknown as { terminate(): Promise<number> }).terminate();
    await until(() => restarted.length === 1, 20_000);
    expect(lost).toEqual([{ index: 0, id: w0.id, agents: ['doomed-1', 'doomed-2'], reason: expect.stringContaining('exited') }]);
    expect(restarted[0]).toMatchObject({ index: 0, kind: 'ring', agents: [] });
    expect(restarted[0]!.id).not.toBe(w0.id);
    expect(swarm.workers.map((w) => w.index)).toEqual([0, 1]);
    // The new worker loaded the swarm's modules, and takes spawns; the survivor never noticed.
    expect(await swarm.spawn('Counter', 'newcomer', { on: restarted[0]!.id })).toBe(restarted[0]!.id);
    expect(await swarm.call('survivor', 'increment')).toBe(1);
    await expect(swarm.call('doomed-1', 'increment')).rejects.toThrow();
  });

  it.each(['ring', 'postmessage'] as const)('with every pair of workers linked directly, over %s', async (path) => {
    const swarm = await swarmOf({ size: 3, path, direct: true });
    expect(swarm.workers.map((w) => w.kind)).toEqual([path, path, path]);
    const [w0, w1, w2] = swarm.workers as [SwarmMember, SwarmMember, SwarmMember];
    await swarm.spawn('Caller', 'caller', { on: w0.id });
    await swarm.spawn('Counter', 'far', { on: w2.id });
    expect(await swarm.call('caller', 'bump', ['far', 5])).toBe(5);
    // Each worker has a link of its own to each sibling, besides the owner's (the siblings' handshakes run in the
    // workers, after startSwarm linked them).
    let stats = await swarm.stats();
    for (const end = Date.now() + 5_000; stats.some((s) => s.connections.length < 3) && Date.now() < end;) stats = await swarm.stats();
    for (const s of stats) {
      const peers = s.connections.map((c) => c.peer).sort();
      expect(peers).toEqual([swarm.node.idHex, w0.id, w1.id, w2.id].filter((id) => id !== s.id).sort());
    }
    expect(stats[0]!.connections.find((c) => c.peer === w2.id)).toMatchObject({ transport: path, framesOut: expect.any(Number) });
    // An agent moves between two workers over their own link, and straight back.
    for (let i = 0; i < 3; i++) {
      expect(await swarm.migrate('far', w1.id)).toBe(w1.id);
      expect(await swarm.migrate('far', w2.id)).toBe(w2.id);
    }
    expect(await swarm.call('caller', 'bump', ['far', 1])).toBe(6);
  });

  it('a worker script that registers its own classes at start', async () => {
    const swarm = await swarmOf({ size: 1, module: undefined, worker: new URL('./fixtures/swarm-custom-worker.mjs', import.meta.url) });
    await swarm.spawn('Tally', 't', { state: { count: 41 } });
    expect(await swarm.call('t', 'increment')).toBe(42);
    expect(await swarm.call('t', 'where')).toBe('a class registered at start');
    await swarm.spawn('makePair', 'p');
    expect(await swarm.call('p', 'pair', [1, 2])).toEqual([1, 2]);
  });

  it('a worker script that fails: startSwarm rejects with SW_ERR_SWARM_WORKER and leaves no thread running', async () => {
    const error = await startSwarm({ size: 2, worker: new URL('./fixtures/swarm-broken-worker.mjs', import.meta.url), startTimeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'MeshError', code: 'SW_ERR_SWARM_WORKER', message: expect.stringMatching(/worker \d (threw|exited)/) });
  });
});

describe('a swarm joined to a relay', () => {
  it('its agents are callable from any node through the relay; only its owner may load modules there; anyone gets Stats', async () => {
    const relay = await startRelay({ port: 0 });
    open.push(relay);
    const swarm = await swarmOf({ size: 2, relay: relay.wsUrl });
    await swarm.spawn('Counter', 'public', { state: { count: 1 } });
    // Every worker is a peer of the relay.
    const peers = relay.relay.peers().map((p) => p.id);
    for (const w of swarm.workers) expect(peers).toContain(w.id);

    const { AgentHost } = await import('../src/index.js');
    const outsider = await MeshNode.create({ heartbeatIntervalMs: 0 });
    open.push(outsider);
    await outsider.connect(() => connectWebSocket(relay.wsUrl));
    const host = new AgentHost(outsider);
    expect(await host.call('public', 'increment', [1])).toBe(2);

    const worker = swarm.workers[0]!;
    const stats = await nodeStats(outsider, worker.id);
    expect(stats).toMatchObject({ id: worker.id, role: 'core' });
    expect(stats.connections.map((c) => c.transport).sort()).toEqual(['ring', 'websocket']);
    await expect(loadModule(outsider, worker.id, MORE.href)).rejects.toMatchObject({ code: 'SW_ERR_MESH_MODULE', status: Status.Unauthorized, message: expect.stringContaining('only its owner may') });
    await expect(unloadModule(outsider, worker.id, AGENTS.href)).rejects.toMatchObject({ status: Status.Unauthorized });
    // The outsider could not unload anything: the owner still can spawn there.
    expect(await swarm.spawn('Counter', 'still-here', { on: worker.id })).toBe(worker.id);
    host.close();
  });

  it('a hostile control frame gets an Error naming the field; the worker carries on', async () => {
    const swarm = await swarmOf({ size: 1 });
    const id = swarm.workers[0]!.id;
    const answers: Array<{ type: number; body: unknown }> = [];
    swarm.node.on('message', ({ from, frame }) => {
      if (from === id && (frame.type === MessageType.Error || frame.type === MessageType.Response)) answers.push({ type: frame.type, body: decodeBody(frame) });
    });
    swarm.node.send(id, { type: MessageType.LoadModule, ack: true, body: ['not', 'a', 'map'] });
    swarm.node.send(id, { type: MessageType.UnloadModule, ack: true, body: { url: 42 } });
    await until(() => answers.length === 2);
    expect(answers).toEqual([
      { type: MessageType.Error, body: { status: Status.InvalidFrame, message: expect.stringContaining('invalid LoadModule: not a map') } },
      { type: MessageType.Error, body: { status: Status.InvalidFrame, message: expect.stringContaining('invalid UnloadModule: `url` must be a string') } },
    ]);
    await swarm.spawn('Counter', 'fine');
    expect(await swarm.call('fine', 'increment')).toBe(1);
  });
});
