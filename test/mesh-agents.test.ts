// Agents on mesh nodes: calls from anywhere, live migration while calls flow (none fails, none runs twice),
// rollback on refusal and on timeout, placement by load and capabilities, and calls that follow the agent
// through relays.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentHost, MeshError, MeshNode, MessageType, decodeBody, memoryPair, type MeshNodeOptions } from 'swarmwire';
import { type MemoryTransport } from 'swarmwire/transport';
import { parseMigrationAck } from '../src/mesh/parse.js';
import { fillIdentities, takeIdentity } from './fixtures/identities.js';
import { TestClock } from './fixtures/clock.js';
import { link } from './fixtures/host-links.js';

class Counter {
  count = 0;
  log: number[] = [];
  increment(by = 1): number {
    this.count += by;
    this.log.push(this.count);
    return this.count;
  }
  async slow(ms: number): Promise<number> {
    await new Promise((r) => setTimeout(r, ms));
    return this.increment();
  }
  fail(): never {
    throw new Error('counter says no');
  }
}

/** An agent with its own snapshot format. */
class Notes {
  #items: string[] = [];
  add(s: string): number {
    return this.#items.push(s);
  }
  list(): string[] {
    return [...this.#items];
  }
  snapshot(): unknown {
    return { v: 2, items: this.#items.join('\n') };
  }
  restore(state: unknown): void {
    const s = state as { v: number; items: string };
    if (s.v !== 2) throw new Error('unknown snapshot version');
    this.#items = s.items ? s.items.split('\n') : [];
  }
}

const nodes: MeshNode[] = [];
const hosts: AgentHost[] = [];
beforeEach(() => fillIdentities(24));
afterEach(() => {
  for (const h of hosts.splice(0)) h.close();
  for (const n of nodes.splice(0)) n.close();
});

function make(options: Partial<MeshNodeOptions> = {}, hostOptions: ConstructorParameters<typeof AgentHost>[1] = {}): AgentHost {
  const node = new MeshNode({ heartbeatIntervalMs: 0, loadIntervalMs: 0, identity: takeIdentity(), ...options });
  nodes.push(node);
  const host = new AgentHost(node, { migrationTimeoutMs: 1_000, callTimeoutMs: 5_000, queryTimeoutMs: 500, ...hostOptions });
  host.define('Counter', () => new Counter());
  host.define('Notes', () => new Notes());
  hosts.push(host);
  return host;
}

const until = async (what: () => boolean, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('agents', () => {
  it('are called from another node by name, through a proxy too; errors are typed', async () => {
    const [a, b] = [make(), make()];
    await link(a, b);
    a.expose('counter', new Counter());
    expect(await b.call('counter', 'increment', [5])).toBe(5);
    const counter = b.proxy<Counter>('counter');
    expect(await counter.increment(2)).toBe(7);
    // errors cross the wire as the RPC layer carries them
    await expect(counter.fail()).rejects.toMatchObject({ name: 'Error', message: 'counter says no' });
    await expect(b.call('counter', 'nope')).rejects.toMatchObject({ code: 'SW_ERR_RPC_METHOD_NOT_FOUND', status: 2 });
    await expect(b.call('nobody', 'increment')).rejects.toMatchObject({ code: 'SW_ERR_AGENT_NOT_FOUND', message: '[swarmwire] no node hosts agent "nobody"' });
    expect(a.agents()).toEqual([expect.objectContaining({ name: 'counter', kind: 'Counter', state: 'active', calls: 3 })]);
  });

  it('a call from a node connected to nothing says so: the newcomer forgot connect(), no agent is missing', async () => {
    const lonely = make();
    const error = await lonely.call('counter', 'increment').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshError);
    expect(error).toMatchObject({
      code: 'SW_ERR_AGENT_NOT_FOUND',
      message: '[swarmwire] no node hosts agent "counter" (this node is connected to no other: connect() it to a relay or a peer first)',
    });
  });

  it("an agent whose call to another agent finds no one answers that error: the caller takes it as the answer, not as the agent's absence", async () => {
    const [a, b] = [make(), make()];
    await link(a, b);
    let runs = 0;
    a.expose('relay-ish', { async pass(name: string) { runs++; return a.call(name, 'increment'); } }, { kind: 'Counter' });
    const error = await b.call('relay-ish', 'pass', ['nowhere']).catch((e: unknown) => e);
    // The inner call's error, the call run once; before, b took it for "relay-ish is not on a", asked again and
    // said no node hosts "relay-ish".
    expect(error).toMatchObject({ name: 'MeshError', code: 'SW_ERR_AGENT_NOT_FOUND', message: expect.stringContaining('"nowhere"') });
    expect(runs).toBe(1);
    // The agent's own absence still sends the caller to look elsewhere: b last saw it on a, which no longer has it.
    const c = make();
    await link(c, a);
    await link(c, b);
    a.expose('counter', new Counter());
    expect(await c.call('counter', 'increment')).toBe(1);
    a.remove('counter');
    b.expose('counter', new Counter());
    expect(await c.call('counter', 'increment', [5])).toBe(5);
    expect(await c.locate('counter')).toBe(b.node.idHex);
  });

  it('migrate while calls flow from two nodes: every call answered once, in one sequence, state intact', async () => {
    const [a, b, c] = [make(), make(), make()];
    await link(a, b);
    await link(c, a);
    await link(c, b);
    const original = new Counter();
    a.expose('counter', original);
    const results: number[] = [];
    const errors: unknown[] = [];
    let stop = false;
    const caller = async (host: AgentHost): Promise<void> => {
      while (!stop) {
        try {
          results.push((await host.call('counter', 'increment', [1])) as number);
        } catch (e) {
          errors.push(e);
        }
      }
    };
    const flows = [caller(c), caller(c), caller(b), caller(a)];
    await until(() => results.length >= 50);
    expect(await a.migrate('counter', b.node.idHex)).toBe(b.node.idHex);
    await until(() => results.length >= 150);
    expect(await b.migrate('counter', c.node.idHex)).toBe(c.node.idHex);
    await until(() => results.length >= 250);
    expect(await c.migrate('counter', a.node.idHex)).toBe(a.node.idHex);
    await until(() => results.length >= 350);
    stop = true;
    await Promise.all(flows);
    expect(errors).toEqual([]);
    // Each call ran exactly once: the answers are 1..N with no gap and no repeat.
    expect([...results].sort((x, y) => x - y)).toEqual(Array.from({ length: results.length }, (_, i) => i + 1));
    const final = a.agents()[0]!;
    expect(final).toMatchObject({ name: 'counter', state: 'active' });
    expect(await a.call('counter', 'increment', [0])).toBe(results.length);
    expect(b.agents()).toEqual([]);
    expect(c.agents()).toEqual([]);
    expect(original.count).toBeLessThan(results.length); // the instance now at A is a new one, restored
  });

  it('waits for a running call before the snapshot, and hands over calls that arrived meanwhile', async () => {
    const [a, b, c] = [make(), make(), make()];
    await link(a, b);
    await link(c, a);
    await link(c, b);
    a.expose('counter', new Counter());
    const running = c.call('counter', 'slow', [150]);
    await until(() => a.agents()[0]!.running === 1);
    const moving = a.migrate('counter', b.node.idHex);
    await until(() => a.agents()[0]?.state === 'migrating');
    const during = [c.call('counter', 'increment', [10]), c.call('counter', 'increment', [100])];
    await until(() => a.agents()[0]?.waiting === 2);
    expect(await moving).toBe(b.node.idHex);
    expect(await running).toBe(1);
    expect(await Promise.all(during)).toEqual([11, 111]);
    expect(await c.call('counter', 'increment', [0])).toBe(111);
    expect(b.agents()[0]).toMatchObject({ name: 'counter', calls: 3 });
  });

  it('survives the link between source and destination dropping during the migration (sessions resume, acked frames resent)', async () => {
    const [a, b, c] = [make({}, { migrationTimeoutMs: 5_000 }), make(), make()];
    // A dials B through a dial function that makes a fresh memory pair each time, so the session reconnects.
    let current: MemoryTransport | undefined;
    let dials = 0;
    await a.node.connect(() => {
      const [ta, tb] = memoryPair();
      dials++;
      current = ta;
      void b.node.accept(tb).catch(() => {});
      return ta;
    }, { reconnect: { initialDelayMs: 5, maxDelayMs: 20 } });
    await link(c, a);
    await link(c, b);
    a.expose('counter', new Counter());
    const results: number[] = [];
    const errors: unknown[] = [];
    let stop = false;
    const flow = (async () => {
      while (!stop) {
        try {
          results.push((await c.call('counter', 'increment', [1])) as number);
        } catch (e) {
          errors.push(e);
        }
      }
    })();
    await until(() => results.length >= 20);
    // cut the A–B link as soon as the transfer is on its way
    const moving = a.migrate('counter', b.node.idHex);
    current!.faults.disconnect('cut during the transfer');
    expect(await moving).toBe(b.node.idHex);
    await until(() => results.length >= 80);
    stop = true;
    await flow;
    expect(dials).toBeGreaterThanOrEqual(2);
    expect(errors).toEqual([]);
    expect([...results].sort((x, y) => x - y)).toEqual(Array.from({ length: results.length }, (_, i) => i + 1));
    expect(b.agents().map((x) => x.name)).toEqual(['counter']);
  });

  it('uses the agent’s own snapshot() and restore()', async () => {
    const [a, b] = [make(), make()];
    await link(a, b);
    a.expose('notes', new Notes());
    await b.call('notes', 'add', ['one']);
    await b.call('notes', 'add', ['two']);
    await a.migrate('notes', b.node.idHex);
    expect(b.agents()).toEqual([expect.objectContaining({ name: 'notes', kind: 'Notes' })]);
    expect(await a.call('notes', 'list')).toEqual(['one', 'two']);
  });

  it('rolls back when the destination refuses (no factory), and calls that waited run where the agent was', async () => {
    const [a, b] = [make(), make()];
    const stranger = await MeshNode.create({ heartbeatIntervalMs: 0, loadIntervalMs: 0 });
    nodes.push(stranger);
    const bare = new AgentHost(stranger);
    hosts.push(bare);
    await link(a, b);
    const [ta, tb] = memoryPair();
    const acc = stranger.accept(tb);
    await a.node.connect(() => ta, { reconnect: false });
    await acc;
    a.expose('counter', new Counter());
    await b.call('counter', 'increment', [1]);
    const pending = b.call('counter', 'slow', [50]);
    await until(() => a.agents()[0]!.running === 1);
    const moving = a.migrate('counter', stranger.idHex);
    const waiting = b.call('counter', 'increment', [1]);
    await expect(moving).rejects.toMatchObject({ code: 'SW_ERR_MIGRATION_FAILED', message: expect.stringContaining('no factory for agent kind "Counter"') });
    expect(await pending).toBe(2);
    expect(await waiting).toBe(3);
    expect(a.agents()[0]).toMatchObject({ state: 'active', calls: 3 });
    expect(bare.agents()).toEqual([]);
  });

  it('rolls back at the timeout, not before (fake time); the late copy at the destination is aborted and never serves', async () => {
    const clock = new TestClock();
    const [a, b] = [make({ clock }, { migrationTimeoutMs: 5_000 }), make()];
    const [, tb] = await link(a, b);
    a.expose('counter', new Counter());
    await b.call('counter', 'increment', [1]);
    tb.faults.hold(); // B's MigrationAck (and everything else from B) stays on the wire
    const timers = clock.pending; // the node's own (its idle check)
    let failed: unknown;
    const migrating = a.migrate('counter', b.node.idHex).catch((e: unknown) => (failed = e));
    await until(() => clock.pending > timers); // the transfer is out, its deadline set
    await clock.advance(4_999);
    expect(failed).toBeUndefined();
    expect(a.agents()[0]).toMatchObject({ state: 'migrating' });
    await clock.advance(1);
    await migrating;
    expect(failed).toMatchObject({ code: 'SW_ERR_MIGRATION_FAILED', message: expect.stringContaining('no MigrationAck') });
    expect(a.agents()[0]).toMatchObject({ state: 'active' });
    tb.faults.release();
    // the transfer reached B after the rollback: B restored a copy, then the abort dropped it
    await until(() => b.node.stats().connections[0]!.framesIn >= 3 && b.agents().length === 0);
    await new Promise((r) => setTimeout(r, 50));
    expect(b.agents()).toEqual([]);
    expect(await b.call('counter', 'increment', [1])).toBe(2);
    expect(await a.call('counter', 'increment', [1])).toBe(3);
  });

  it('migrate() and spawn() resolve once the agent is live at the destination: it can be moved straight back', async () => {
    // Before the commit was confirmed, migrate() resolved as soon as the commit was sent, and the destination,
    // still holding the agent as "incoming", answered a migration back with SW_ERR_AGENT_NOT_FOUND.
    const [a, b] = [make(), make()];
    await link(a, b);
    a.expose('counter', new Counter());
    for (let i = 1; i <= 5; i++) {
      expect(await a.migrate('counter', b.node.idHex)).toBe(b.node.idHex);
      expect(b.agents()).toMatchObject([{ name: 'counter', state: 'active' }]);
      expect(await b.migrate('counter', a.node.idHex)).toBe(a.node.idHex);
      expect(a.agents()).toMatchObject([{ name: 'counter', state: 'active' }]);
      expect(await b.call('counter', 'increment', [1])).toBe(i);
    }
    expect(await a.spawn('Counter', 'fresh', { on: b.node.idHex, state: { count: 7, log: [] } })).toBe(b.node.idHex);
    expect(b.agents().find((x) => x.name === 'fresh')).toMatchObject({ state: 'active' });
    expect(await b.migrate('fresh', a.node.idHex)).toBe(a.node.idHex);
    expect(await a.call('fresh', 'increment', [1])).toBe(8);
  });

  it('a destination that never confirms the commit: migrate() rejects, saying the agent was handed over, not rolled back', async () => {
    const a = make({}, { migrationTimeoutMs: 300 });
    // An agent host that restores the agent and acks the transfer, then says nothing more (as a peer that does not
    // answer commits would).
    const mute = new MeshNode({ heartbeatIntervalMs: 0, loadIntervalMs: 0, identity: takeIdentity() });
    nodes.push(mute);
    const [ta, tb] = memoryPair();
    const accepted = mute.accept(tb);
    await a.node.connect(() => ta, { reconnect: false });
    await accepted;
    mute.on('message', ({ from, frame }) => {
      if (frame.type !== MessageType.AgentMigration) return;
      const body = decodeBody<{ migrationId: number; phase: string; name: string }>(frame);
      if (body.phase === 'transfer') mute.send(from, { type: MessageType.MigrationAck, ack: true, body: { migrationId: body.migrationId, name: body.name, ok: true } });
    });
    a.expose('counter', new Counter());
    await expect(a.migrate('counter', mute.idHex)).rejects.toMatchObject({
      code: 'SW_ERR_MIGRATION_FAILED', message: expect.stringMatching(/handed over to .*, which did not confirm it is live: .*no MigrationAck of the commit/),
    });
    expect(a.agents()).toEqual([]);
    expect(await a.locate('counter')).toBe(mute.idHex);
  });

  it('a MigrationAck of the transfer does not pass for the commit’s, nor one from another node', () => {
    expect(parseMigrationAck({ migrationId: 1, name: 'n', ok: true, phase: 'commit' })).toEqual({ migrationId: 1, name: 'n', ok: true, phase: 'commit' });
    expect(parseMigrationAck({ migrationId: 1, name: 'n', ok: true })).toEqual({ migrationId: 1, name: 'n', ok: true });
    expect(() => parseMigrationAck({ migrationId: 1, name: 'n', ok: true, phase: 'abort' })).toThrow(/`phase` must be "transfer" or "commit"/);
  });

  it('remove() stops an agent (calls then find no one), onChange() hears every change of the hosted set', async () => {
    const [a, b] = [make(), make()];
    await link(a, b);
    const seen: string[][] = [];
    const events: string[] = [];
    b.onChange((change) => {
      events.push(`${change.event} ${change.name}`);
      seen.push(b.agents().map((x) => x.name));
    });
    a.expose('counter', new Counter());
    await a.migrate('counter', b.node.idHex);
    await a.spawn('Counter', 'second', { on: b.node.idHex });
    expect(b.remove('counter')).toBe(true);
    expect(b.remove('counter')).toBe(false);
    expect(seen).toEqual([['counter'], ['counter', 'second'], ['second']]);
    expect(events).toEqual(['active counter', 'active second', 'removed counter']);
    await expect(b.call('counter', 'increment')).rejects.toMatchObject({ code: 'SW_ERR_AGENT_NOT_FOUND' });
    expect(b.kinds()).toContain('Counter');
    expect(b.undefine('Counter')).toBe(true);
    await expect(a.spawn('Counter', 'third', { on: b.node.idHex })).rejects.toMatchObject({ code: 'SW_ERR_MIGRATION_FAILED', message: expect.stringContaining('no factory for agent kind "Counter"') });
  });

  it('places on the least-loaded node with the capabilities; spawn builds the agent there', async () => {
    const a = make({ loadIntervalMs: 20 });
    const busy = make({ loadIntervalMs: 20, capabilities: ['gpu'] });
    const idle = make({ loadIntervalMs: 20, capabilities: ['gpu'] });
    await link(a, busy);
    await link(a, idle);
    busy.expose('x1', new Counter());
    busy.expose('x2', new Counter());
    idle.expose('y1', new Counter());
    await until(() => a.node.peers().every((p) => p.load !== undefined && p.load.agents > 0));
    expect(a.place(['gpu'])).toBe(idle.node.idHex);
    expect(a.place()).toBe(a.node.idHex); // a hosts nothing
    expect(() => a.place(['tpu'])).toThrow(MeshError);
    expect(await a.spawn('Counter', 'gpu-counter', { capabilities: ['gpu'], state: { count: 41, log: [] } })).toBe(idle.node.idHex);
    expect(idle.agents().map((x) => x.name)).toEqual(['y1', 'gpu-counter']);
    expect(await a.call('gpu-counter', 'increment')).toBe(42);
    // migrate without a destination: the least-loaded other node with the agent's capabilities
    await until(() => a.node.peers().find((p) => p.id === idle.node.idHex)!.load!.agents === 2);
    busy.expose('x3', new Counter());
    await until(() => a.node.peers().find((p) => p.id === busy.node.idHex)!.load!.agents === 3);
    await link(busy, idle);
    await until(() => idle.node.peers().find((p) => p.id === busy.node.idHex)?.load?.agents === 3);
    expect(await idle.migrate('gpu-counter')).toBe(busy.node.idHex);
  });

  it('spreads a burst of spawns: agents placed since a node’s last LoadInfo count against it', async () => {
    const a = make();
    const w = make({ capabilities: ['tpu'] });
    const v = make({ capabilities: ['tpu'] });
    await link(a, w);
    await link(a, v);
    // Both report the same load once (by hand: their periodic reports are off), so only what a placed since tells
    // them apart.
    const load = { agents: 0, queue: 0, lagMs: 0, timestamp: Date.now() };
    for (const n of [w, v]) n.node.send(a.node.idHex, { type: MessageType.LoadInfo, body: load });
    await until(() => a.node.peers().every((p) => p.load !== undefined));
    const t1 = await a.spawn('Counter', 't1', { capabilities: ['tpu'] });
    const t2 = await a.spawn('Counter', 't2', { capabilities: ['tpu'] });
    expect(new Set([t1, t2])).toEqual(new Set([w.node.idHex, v.node.idHex]));
    // a fresh report from a node replaces the estimate
    w.node.send(a.node.idHex, { type: MessageType.LoadInfo, body: { ...load, agents: 0, timestamp: load.timestamp + 1 } });
    v.node.send(a.node.idHex, { type: MessageType.LoadInfo, body: { ...load, agents: 5 } });
    await until(() => a.node.peers().find((p) => p.id === v.node.idHex)!.load!.agents === 5);
    await until(() => a.node.peers().find((p) => p.id === w.node.idHex)!.load!.timestamp === load.timestamp + 1);
    expect(a.place(['tpu'])).toBe(w.node.idHex);
  });

  it('describe(): an agent lists another agent\'s methods and arities wherever it lives, after it moves too', async () => {
    const [a, b, c] = [make(), make(), make()];
    await link(a, b);
    await link(b, c);
    await link(c, a);
    a.expose('counter', new Counter());
    a.expose('notes', new Notes());
    // An agent on c that asks its node about other agents (found by AgentQuery, then followed when they move).
    c.expose('scout', { inspect: async (name: string) => (await c.describe(name)).methods.map((m) => `${m.name}/${m.params}`).sort() });
    expect(await b.call('scout', 'inspect', ['counter'])).toEqual(['fail/0', 'increment/0', 'slow/1']); // `by = 1` is optional
    expect(await b.call('scout', 'inspect', ['notes'])).toEqual(['add/1', 'list/0']); // snapshot/restore are not callable
    expect(await c.describe('counter')).toMatchObject({ properties: [] }); // its state is not listed: only methods
    await a.migrate('counter', b.node.idHex);
    expect(await b.call('scout', 'inspect', ['counter'])).toEqual(['fail/0', 'increment/0', 'slow/1']);
    await expect(c.describe('nobody')).rejects.toMatchObject({ code: 'SW_ERR_AGENT_NOT_FOUND' });
    // The arity describe() reports is the one calls are held to, as for any exposed function.
    await expect(c.call('counter', 'slow', [])).rejects.toMatchObject({ code: 'SW_ERR_RPC_ARITY' });
    expect(b.agents()).toEqual([expect.objectContaining({ name: 'counter', calls: 0 })]); // the refused call never ran
  });

  it('callers behind relays find the agent with AgentQuery and follow it when it moves', async () => {
    const a = make();
    const r = make({ role: 'relay' });
    const b = make();
    const c = make();
    await link(a, r);
    await link(b, r);
    await link(c, r);
    await link(b, c);
    b.expose('counter', new Counter());
    await a.node.discover();
    await until(() => a.node.peers().length === 3);
    expect(await a.locate('counter')).toBe(b.node.idHex);
    expect(await a.call('counter', 'increment')).toBe(1);
    await b.migrate('counter', c.node.idHex);
    expect(await a.call('counter', 'increment')).toBe(2); // redirected by B, routed through R
    expect(await a.locate('counter')).toBe(c.node.idHex);
  });
});
