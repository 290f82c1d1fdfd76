// Agent states larger than one frame move in AgentMigration 'chunk' frames (src/mesh/chunks.ts): the source's cut,
// the destination's assembler against hostile sequences (each refused with its typed error, dropping that snapshot
// only), and a 1.5 MiB state migrating under calls between nodes whose sessions carry at most 256 KiB per frame —
// which rolled back before chunking.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentHost, MeshError, MeshNode, MessageType, decodeBody, memoryPair } from 'swarmwire';
import { decodeFrame, encodeFrame, pack } from 'swarmwire/wire';
import { DEFAULT_CHUNK_BYTES, SnapshotAssembler, transferFrames } from '../src/mesh/chunks.js';
import type { AgentMigrationBody, ChunkBody } from '../src/mesh/messages.js';
import { parseMigration } from '../src/mesh/parse.js';
import { fillIdentities, takeIdentity } from './fixtures/identities.js';
import { until } from './fixtures/until.js';
import { keepCalling, oneToN } from './fixtures/calls.js';
import { link } from './fixtures/host-links.js';

const FROM = 'aa'.repeat(16);
const OTHER = 'bb'.repeat(16);

/** A state's chunks, as the source cuts them. */
function cut(state: unknown, chunkBytes: number, migrationId = 1): ChunkBody[] {
  return transferFrames({ migrationId, phase: 'transfer', name: 'big', kind: 'Blob', state, capabilities: ['gpu'] }, chunkBytes) as ChunkBody[];
}

const blob = (n: number, seed = 7): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * seed + (i >> 8)) & 255);

describe('transferFrames (the source)', () => {
  it('sends a state that fits as one transfer, and cuts a larger one into chunks that rebuild its encoding', () => {
    const small = { migrationId: 3, phase: 'transfer' as const, name: 'c', kind: 'Counter', state: { count: 1 } };
    expect(transferFrames(small, 1024)).toEqual([small]);
    expect(transferFrames({ ...small, state: undefined }, 1)).toHaveLength(1);
    const state = { data: blob(10_000), label: 'x' };
    const chunks = cut(state, 4096);
    expect(chunks.map((c) => [c.phase, c.index, c.count, c.data.length])).toEqual([
      ['chunk', 0, 3, 4096], ['chunk', 1, 3, 4096], ['chunk', 2, 3, chunks[0]!.bytes - 8192],
    ]);
    expect(chunks.map((c) => c.capabilities)).toEqual([undefined, undefined, ['gpu']]); // the last one acts as the transfer
    expect(chunks.every((c) => c.bytes === pack(state).length && c.name === 'big' && c.kind === 'Blob')).toBe(true);
    const assembler = new SnapshotAssembler();
    const whole = chunks.map((c) => assembler.add(FROM, c, 0)).at(-1)!;
    expect(decodeBody({ payload: whole })).toEqual(state);
    expect(DEFAULT_CHUNK_BYTES).toBe(120 * 1024);
  });

  it('puts chunks on the wire as AgentMigration frames that parse back, and refuses malformed chunk fields', () => {
    const [first] = cut({ data: blob(300) }, 100);
    const frame = decodeFrame(encodeFrame({ type: MessageType.AgentMigration, body: first }));
    expect(parseMigration(decodeBody(frame))).toEqual({ ...first, data: expect.any(Uint8Array) });
    for (const [field, value, message] of [
      ['index', -1, '`index` must be a u32'], ['count', 1.5, '`count` must be a u32'], ['bytes', 2 ** 32, '`bytes` must be a u32'],
      ['data', 'text', '`data` must be binary'], ['phase', 'chunks', '`phase` must be "transfer", "commit", "abort" or "chunk"'],
    ] as const) {
      expect(() => parseMigration({ ...first, [field]: value })).toThrow(expect.objectContaining({ code: 'SW_ERR_PAYLOAD', message: expect.stringContaining(message) }));
    }
  });
});

describe('SnapshotAssembler (the destination)', () => {
  const state = { data: blob(1000) };
  const good = cut(state, 256); // 4 chunks, of N bytes in all
  const N = pack(state).length;
  const at = (i: number): ChunkBody => good[i]!;
  const variant = (i: number, change: Partial<ChunkBody>): ChunkBody => ({ ...at(i), ...change });

  // Hostile sequences: the chunks fed, the error the last one gets. Each drops its own snapshot and nothing else.
  const cases: Array<{ name: string; feed: ChunkBody[]; code: string; message: string; limit?: number }> = [
    { name: 'out of order', feed: [at(0), at(2)], code: 'SW_ERR_SNAPSHOT_SEQUENCE', message: 'chunk 2 arrived before chunk 1' },
    { name: 'a chunk repeated', feed: [at(0), at(1), at(1)], code: 'SW_ERR_SNAPSHOT_SEQUENCE', message: 'chunk 1 arrived again' },
    { name: 'the first chunk repeated', feed: [at(0), at(0)], code: 'SW_ERR_SNAPSHOT_SEQUENCE', message: 'chunk 0 arrived again' },
    { name: 'no first chunk', feed: [at(1)], code: 'SW_ERR_SNAPSHOT_SEQUENCE', message: 'chunk 1 without a snapshot in progress' },
    { name: 'a count that changes', feed: [at(0), variant(1, { count: 5 })], code: 'SW_ERR_SNAPSHOT_SEQUENCE', message: 'disagrees with the first chunk' },
    { name: 'a name that changes', feed: [at(0), variant(1, { name: 'other' })], code: 'SW_ERR_SNAPSHOT_SEQUENCE', message: 'disagrees with the first chunk' },
    { name: 'an empty chunk before the last', feed: [at(0), variant(1, { data: new Uint8Array(0) })], code: 'SW_ERR_SNAPSHOT_SEQUENCE', message: 'chunk 1 is empty' },
    { name: 'a last chunk short of the bytes announced', feed: [at(0), at(1), at(2), variant(3, { data: at(3).data.subarray(1) })], code: 'SW_ERR_SNAPSHOT_SEQUENCE', message: `ends at byte ${N - 1} of the ${N} announced` },
    { name: 'more bytes than announced', feed: [at(0), at(1), variant(2, { data: new Uint8Array(700) })], code: 'SW_ERR_SNAPSHOT_TOO_LARGE', message: `brings more than the ${N} bytes announced` },
    { name: 'a size over what is left of the limit, refused before anything is kept', feed: [at(0)], limit: N - 1, code: 'SW_ERR_SNAPSHOT_TOO_LARGE', message: `${N} bytes announced, over the ${2 * N - 1} allowed (${N} bytes of other snapshots in progress)` },
    { name: 'more chunks than bytes', feed: [variant(0, { count: 2000 })], code: 'SW_ERR_SNAPSHOT_SEQUENCE', message: `2000 chunk(s) cannot carry ${N} bytes` },
  ];

  for (const c of cases) {
    it(`refuses ${c.name} with ${c.code}, changing nothing else`, () => {
      const assembler = new SnapshotAssembler({ maxBytes: (c.limit ?? 4 * N) + N });
      // Another sender's snapshot in progress (holding N bytes of the limit), which must come through untouched.
      const bystander = cut(state, 256, 9);
      expect(assembler.add(OTHER, bystander[0]!, 0)).toBeUndefined();
      const reserved = assembler.reservedBytes;
      const last = c.feed.length - 1;
      c.feed.slice(0, last).forEach((chunk) => expect(assembler.add(FROM, chunk, 1)).toBeUndefined());
      let error: unknown;
      try {
        assembler.add(FROM, c.feed[last]!, 2);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MeshError);
      expect(error).toMatchObject({ code: c.code, message: expect.stringContaining(c.message) });
      expect((error as Error).message).toContain(`agent "big" (migration 1 from ${FROM})`);
      expect(assembler.reservedBytes).toBe(reserved); // the refused snapshot holds nothing
      // The same chunk later is refused too: nothing of the snapshot was kept to continue from.
      if (c.feed[last]!.index > 0) expect(() => assembler.add(FROM, c.feed[last]!, 3)).toThrow(/without a snapshot in progress|arrived/);
      const whole = bystander.slice(1).map((chunk) => assembler.add(OTHER, chunk, 4)).at(-1)!;
      expect(decodeBody({ payload: whole })).toEqual(state);
    });
  }

  it('drops a snapshot never finished at its deadline, reports it, and refuses its late chunks as expired', () => {
    const assembler = new SnapshotAssembler({ deadlineMs: 1_000 });
    assembler.add(FROM, at(0), 5_000);
    assembler.add(FROM, at(1), 5_500);
    expect(assembler.nextDeadline()).toBe(6_000);
    expect(assembler.expire(6_000)).toEqual([]); // not before the deadline
    expect(() => assembler.add(FROM, at(2), 6_001)).toThrow(expect.objectContaining({ code: 'SW_ERR_SNAPSHOT_EXPIRED', status: 4, message: expect.stringContaining('the 2 chunk(s) received were dropped') }));
    expect(assembler.size).toBe(0);
    // Never heard from again: expire() is what frees it, and says whose it was.
    assembler.add(FROM, { ...at(0), migrationId: 2 }, 7_000);
    expect(assembler.expire(8_001)).toEqual([{ from: FROM, migrationId: 2, name: 'big', kind: 'Blob' }]);
    expect([assembler.size, assembler.reservedBytes, assembler.nextDeadline()]).toEqual([0, 0, undefined]);
  });

  it('bounds the bytes of all snapshots in progress together, and frees them as snapshots end', () => {
    const assembler = new SnapshotAssembler({ maxBytes: N + N / 2 });
    expect(() => new SnapshotAssembler({ maxBytes: N - 1 }).add(FROM, at(0), 0)).toThrow(expect.objectContaining({ code: 'SW_ERR_SNAPSHOT_TOO_LARGE', message: expect.stringContaining(`${N} bytes announced, over the ${N - 1} allowed`) }));
    assembler.add(FROM, at(0), 0);
    expect(() => assembler.add(OTHER, at(0), 0)).toThrow(expect.objectContaining({ code: 'SW_ERR_SNAPSHOT_TOO_LARGE', message: expect.stringContaining(`${N} bytes of other snapshots in progress`) }));
    assembler.cancel(FROM, 1);
    expect(assembler.reservedBytes).toBe(0);
    const whole = good.map((c) => assembler.add(OTHER, c, 0)).at(-1)!;
    expect(decodeBody({ payload: whole })).toEqual(state);
    expect(assembler.reservedBytes).toBe(0);
  });
});

describe('SnapshotAssembler: one sender\'s share (issue 13: a stranger held the whole budget)', () => {
  const state = { data: blob(1000) };
  const N = pack(state).length;
  const first = (migrationId: number): ChunkBody => cut(state, 256, migrationId)[0]!;

  it('refuses a sender past its share with SNAPSHOT_BUSY before keeping anything, while others still get theirs', () => {
    const assembler = new SnapshotAssembler({ maxBytes: 4 * N, maxBytesPerSender: 2 * N });
    assembler.add(FROM, first(1), 0);
    assembler.add(FROM, first(2), 0);
    expect(() => assembler.add(FROM, first(3), 0)).toThrow(expect.objectContaining({
      code: 'SW_ERR_SNAPSHOT_BUSY', status: 5, recoverable: true, message: expect.stringContaining(`${N} bytes announced, over the ${2 * N} one node may have in progress (${2 * N} bytes of its other snapshots)`),
    }));
    expect([assembler.reservedBytes, assembler.reservedBy(FROM), assembler.size]).toEqual([2 * N, 2 * N, 2]);
    const whole = cut(state, 256, 9).map((c) => assembler.add(OTHER, c, 0)).at(-1)!;
    expect(decodeBody({ payload: whole })).toEqual(state);
  });

  it('gives a sender\'s share back when it is forgotten (it left), and only its own', () => {
    const assembler = new SnapshotAssembler({ maxBytes: 4 * N, maxBytesPerSender: 2 * N });
    assembler.add(FROM, first(1), 0);
    assembler.add(FROM, first(2), 0);
    assembler.add(OTHER, first(1), 0);
    assembler.forget(FROM);
    expect([assembler.reservedBytes, assembler.reservedBy(FROM), assembler.reservedBy(OTHER), assembler.size]).toEqual([N, 0, N, 1]);
    expect(() => assembler.add(FROM, cut(state, 256, 1)[1]!, 0)).toThrow(/without a snapshot in progress/);
    assembler.add(FROM, first(3), 0);
    assembler.add(FROM, first(4), 0);
    expect(assembler.reservedBy(FROM)).toBe(2 * N);
  });

  it('takes half the node\'s budget as a sender\'s share by default, or the whole of a budget smaller than that', () => {
    const big = { ...first(1), count: 2, bytes: 16 * 1024 * 1024 };
    const assembler = new SnapshotAssembler();
    assembler.add(FROM, big, 0);
    expect(() => assembler.add(FROM, { ...big, migrationId: 2, bytes: 2 }, 0)).toThrow(expect.objectContaining({ code: 'SW_ERR_SNAPSHOT_BUSY' }));
    assembler.add(OTHER, big, 0);
    expect(assembler.reservedBytes).toBe(32 * 1024 * 1024);
    const small = new SnapshotAssembler({ maxBytes: 2 * N });
    small.add(FROM, first(1), 0);
    small.add(FROM, first(2), 0);
    expect(small.reservedBy(FROM)).toBe(2 * N);
  });
});

describe('chunked migration between nodes', () => {
  class Blob {
    data: Uint8Array = new Uint8Array(0);
    count = 0;
    increment(): number {
      return ++this.count;
    }
    sum(): number {
      let s = 0;
      for (const b of this.data) s = (s + b) % 1_000_003;
      return s;
    }
  }

  const nodes: MeshNode[] = [];
  const hosts: AgentHost[] = [];
  beforeEach(() => fillIdentities(8));
  afterEach(() => {
    for (const h of hosts.splice(0)) h.close();
    for (const n of nodes.splice(0)) n.close();
  });

  /** A node whose sessions take payloads up to 256 KiB, as a hop with a frame limit would. */
  function make(options: ConstructorParameters<typeof AgentHost>[1] = {}): AgentHost {
    const node = new MeshNode({ heartbeatIntervalMs: 0, loadIntervalMs: 0, maxPayload: 256 * 1024, identity: takeIdentity() });
    nodes.push(node);
    const host = new AgentHost(node, { migrationTimeoutMs: 5_000, ...options });
    host.define('Blob', () => new Blob());
    hosts.push(host);
    return host;
  }


  it('moves a 1.5 MiB state under calls there and back: none lost, none twice', async () => {
    const [a, b, c] = [make(), make(), make()];
    await link(a, b);
    await link(c, a);
    await link(c, b);
    const agent = new Blob();
    agent.data = blob(1.5 * 1024 * 1024, 13);
    const sum = agent.sum();
    a.expose('blob', agent);
    const calls = keepCalling(() => c.call('blob', 'increment'));
    await until(() => calls.results.length >= 20);
    expect(await a.migrate('blob', b.node.idHex)).toBe(b.node.idHex);
    await until(() => calls.results.length >= 60);
    expect(await b.migrate('blob', a.node.idHex)).toBe(a.node.idHex);
    await until(() => calls.results.length >= 100);
    await calls.stop();
    expect(calls.errors).toEqual([]);
    expect([...calls.results].sort((x, y) => x - y)).toEqual(oneToN(calls.results.length));
    expect(await c.call('blob', 'sum')).toBe(sum);
    expect(a.agents().map((x) => x.name)).toEqual(['blob']);
  });

  it('rolls back, keeping the agent where it was, when the state is over the destination\'s limit (or sent whole)', async () => {
    const [a, b] = [make(), make({ maxSnapshotBytes: 1024 * 1024 })];
    await link(a, b);
    const agent = new Blob();
    agent.data = blob(1.5 * 1024 * 1024);
    a.expose('blob', agent);
    // Without chunks the transfer is one frame over the sessions' 256 KiB: what happened to every large state before.
    const whole = make({ chunkBytes: 2 ** 31 });
    await link(whole, b);
    whole.expose('whole', Object.assign(new Blob(), { data: agent.data }));
    await expect(whole.migrate('whole', b.node.idHex)).rejects.toMatchObject({ code: 'SW_ERR_MIGRATION_FAILED', message: expect.stringContaining('exceeds the limit of 262144') });
    await expect(a.migrate('blob', b.node.idHex)).rejects.toMatchObject({ code: 'SW_ERR_MIGRATION_FAILED', message: expect.stringContaining('SW_ERR_SNAPSHOT_TOO_LARGE') });
    expect(a.agents()).toEqual([expect.objectContaining({ name: 'blob', state: 'active' })]);
    expect(b.agents()).toEqual([]);
    expect(await b.call('blob', 'increment')).toBe(1);
  });

  it('keeps one stranger to its share of the snapshot budget, so an honest migration still lands; its share comes back when it leaves', async () => {
    const MiB = 1024 * 1024;
    const [a, b] = [make(), make({ maxSnapshotBytes: 4 * MiB, maxSnapshotBytesPerSender: 2 * MiB })];
    await link(a, b);
    const strangerId = takeIdentity();
    const acks: Array<{ migrationId: number; ok: boolean; message?: string }> = [];
    const stranger = async (): Promise<MeshNode> => {
      const raw = new MeshNode({ heartbeatIntervalMs: 0, loadIntervalMs: 0, identity: strangerId });
      nodes.push(raw);
      const [ta, tb] = memoryPair();
      const accepted = b.node.accept(tb);
      await raw.connect(() => ta, { reconnect: false });
      await accepted;
      raw.on('message', ({ frame }) => {
        if (frame.type === MessageType.MigrationAck) acks.push(decodeBody(frame));
      });
      return raw;
    };
    // First chunks announcing 2 MiB each, never followed: each would hold its bytes until its deadline (10 s).
    const open = (raw: MeshNode, migrationId: number, bytes = 2 * MiB): void =>
      void raw.send(b.node.idHex, { type: MessageType.AgentMigration, ack: true, body: { migrationId, phase: 'chunk', name: `hog-${migrationId}`, kind: 'Blob', index: 0, count: 2, bytes, data: new Uint8Array(1) } });
    const raw = await stranger();
    open(raw, 1);
    open(raw, 2);
    await until(() => acks.length === 1);
    expect(acks).toEqual([{ migrationId: 2, name: 'hog-2', ok: false, message: expect.stringMatching(/^SW_ERR_SNAPSHOT_BUSY: .*over the 2097152 one node may have in progress \(2097152 bytes of its other snapshots\)/) }]);
    const agent = new Blob();
    agent.data = blob(1.5 * MiB);
    a.expose('blob', agent);
    expect(await a.migrate('blob', b.node.idHex)).toBe(b.node.idHex);
    expect(await a.call('blob', 'sum')).toBe(agent.sum());
    // It leaves and comes back with the same id: what it held was given back at once, not at the deadline.
    raw.close();
    await until(() => !b.node.links().some((l) => l.peer === strangerId.idHex));
    const again = await stranger();
    open(again, 3);
    open(again, 4, 2);
    await until(() => acks.length === 2);
    expect(acks[1]).toEqual({ migrationId: 4, name: 'hog-4', ok: false, message: expect.stringContaining('(2097152 bytes of its other snapshots)') });
  });

  it('refuses an agent from a node its admit hook refuses, before keeping any of its state: SW_ERR_MIGRATION_REFUSED, the agent stays', async () => {
    const [a, b, c] = [make(), make(), make()];
    const allowed = c.node.idHex;
    const d = make({ admit: (from) => from === allowed });
    await link(a, d);
    await link(c, d);
    const agent = new Blob();
    agent.data = blob(300 * 1024); // chunked: the first chunk is what is refused
    a.expose('blob', agent);
    a.expose('small', new Blob());
    await expect(a.migrate('blob', d.node.idHex)).rejects.toMatchObject({ code: 'SW_ERR_MIGRATION_REFUSED', status: 11, message: expect.stringContaining(`takes no agents from ${a.node.idHex}`) });
    await expect(a.migrate('small', d.node.idHex)).rejects.toMatchObject({ code: 'SW_ERR_MIGRATION_REFUSED' });
    await expect(a.spawn('Blob', 'spawned', { on: d.node.idHex })).rejects.toMatchObject({ code: 'SW_ERR_MIGRATION_REFUSED' });
    expect(a.agents().map((x) => [x.name, x.state])).toEqual([['blob', 'active'], ['small', 'active']]);
    expect(d.agents()).toEqual([]);
    c.expose('welcome', new Blob());
    expect(await c.migrate('welcome', d.node.idHex)).toBe(d.node.idHex);
    void b;
  });

  it('answers a hostile chunk sequence from a raw node with MigrationAck ok false and hosts nothing', async () => {
    const b = make();
    const raw = new MeshNode({ heartbeatIntervalMs: 0, loadIntervalMs: 0, identity: takeIdentity() });
    nodes.push(raw);
    const [ta, tb] = memoryPair();
    const accepted = b.node.accept(tb);
    await raw.connect(() => ta, { reconnect: false });
    await accepted;
    const acks: unknown[] = [];
    raw.on('message', ({ frame }) => {
      if (frame.type === MessageType.MigrationAck) acks.push(decodeBody(frame));
    });
    const chunks = cut({ data: blob(3000) }, 1000, 77);
    for (const chunk of [chunks[0]!, chunks[2]!, chunks[1]!, chunks[3]!] as AgentMigrationBody[]) {
      raw.send(b.node.idHex, { type: MessageType.AgentMigration, ack: true, body: { ...chunk, kind: 'Blob' } });
    }
    await until(() => acks.length === 3);
    expect(acks).toEqual([
      { migrationId: 77, name: 'big', ok: false, message: expect.stringMatching(/^SW_ERR_SNAPSHOT_SEQUENCE: .*chunk 2 arrived before chunk 1/) },
      { migrationId: 77, name: 'big', ok: false, message: expect.stringMatching(/^SW_ERR_SNAPSHOT_SEQUENCE: .*chunk 1 without a snapshot in progress/) },
      { migrationId: 77, name: 'big', ok: false, message: expect.stringMatching(/^SW_ERR_SNAPSHOT_SEQUENCE: .*chunk 3 without a snapshot in progress/) },
    ]);
    expect(b.agents()).toEqual([]);
  });
});
