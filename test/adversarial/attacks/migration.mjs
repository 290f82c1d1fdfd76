// Attack 9: the mesh's control and migration frames, sent by a stranger to the relay's in-process agent host (the
// node the dashboard migrates agents to; its id is public in the relay's peers()). Hostile chunked snapshots
// (src/mesh/chunks.ts: counts, sizes and orders that lie, a bomb as the assembled state, thousands of snapshots
// left open), LoadModule / UnloadModule naming arbitrary URLs, a Stats flood. Expected: each hostile snapshot
// answered with MigrationAck ok false naming a typed code (or an Error frame for a body that does not parse), a
// whole agent moved in refused (SW_ERR_MIGRATION_REFUSED: `swarmwire relay` takes agents from nobody unless its
// operator says --accept-agents), no agent restored from any of it, no module loaded, the agent host serving the
// honest peers throughout.
import { check, sleep } from '../harness/arena.mjs';
import { HUGE_ARRAY, body, concat, frame, pack } from '../harness/wire.mjs';

/** Frame types of node control and migration (docs/protocol.md). */
const C = Object.freeze({ LoadModule: 32, UnloadModule: 33, Stats: 48, AgentMigration: 116, MigrationAck: 117, Error: 2 });
const bytes = (n, fill = 1) => new Uint8Array(n).fill(fill);
const chunk = (id, fields) => ({ migrationId: id, phase: 'chunk', name: `intruder-${id}`, kind: 'Counter', ...fields });

/** Hostile chunk sequences: each a list of chunk bodies (sent in order), and what must refuse it. */
const SEQUENCES = [
  ['a chunk with no first chunk', (id) => [chunk(id, { index: 1, count: 3, bytes: 30, data: bytes(10) })]],
  ['count 0', (id) => [chunk(id, { index: 0, count: 0, bytes: 30, data: bytes(10) })]],
  ['more chunks than bytes', (id) => [chunk(id, { index: 0, count: 10, bytes: 5, data: bytes(1) })]],
  ['4 GiB announced', (id) => [chunk(id, { index: 0, count: 2, bytes: 0xffffffff, data: bytes(10) })]],
  ['2^32 - 1 chunks announced', (id) => [chunk(id, { index: 0, count: 0xffffffff, bytes: 0xffffffff, data: bytes(10) })]],
  ['a chunk skipped', (id) => [chunk(id, { index: 0, count: 3, bytes: 30, data: bytes(10) }), chunk(id, { index: 2, count: 3, bytes: 30, data: bytes(10) })]],
  ['a chunk repeated', (id) => [chunk(id, { index: 0, count: 3, bytes: 30, data: bytes(10) }), chunk(id, { index: 0, count: 3, bytes: 30, data: bytes(10) })]],
  ['a chunk that changes the kind', (id) => [chunk(id, { index: 0, count: 2, bytes: 20, data: bytes(10) }), { ...chunk(id, { index: 1, count: 2, bytes: 20, data: bytes(10) }), kind: 'Other' }]],
  ['more bytes than announced', (id) => [chunk(id, { index: 0, count: 2, bytes: 20, data: bytes(10) }), chunk(id, { index: 1, count: 2, bytes: 20, data: bytes(64 * 1024) })]],
  ['a last chunk short of the total', (id) => [chunk(id, { index: 0, count: 2, bytes: 20, data: bytes(10) }), chunk(id, { index: 1, count: 2, bytes: 20, data: bytes(5) })]],
  ['an empty middle chunk', (id) => [chunk(id, { index: 0, count: 3, bytes: 20, data: bytes(10) }), chunk(id, { index: 1, count: 3, bytes: 20, data: bytes(0) })]],
  ['an assembled state that is an array32 bomb', (id) => {
    const state = concat([...Array.from({ length: 24 }, () => HUGE_ARRAY), bytes(64, 0xc0)]);
    const half = state.length >> 1;
    return [chunk(id, { index: 0, count: 2, bytes: state.length, data: state.subarray(0, half) }), chunk(id, { index: 1, count: 2, bytes: state.length, data: state.subarray(half) })];
  }],
];
/** Bodies that do not parse as AgentMigration at all: an Error frame must answer them. */
const MALFORMED = [
  ['a negative index', (id) => chunk(id, { index: -1, count: 2, bytes: 20, data: bytes(10) })],
  ['a fractional count', (id) => chunk(id, { index: 0, count: 1.5, bytes: 20, data: bytes(10) })],
  ['data that is a string', (id) => chunk(id, { index: 0, count: 2, bytes: 20, data: 'x'.repeat(10) })],
  ['an unknown phase', (id) => ({ ...chunk(id, {}), phase: 'detonate' })],
  ['no name', (id) => ({ migrationId: id, phase: 'transfer', kind: 'Counter' })],
];

export const migrationAndControl = {
  title: 'mesh control and migration frames from a stranger to the relay\'s agent host: chunked snapshots whose counts, sizes and orders lie, a bomb as the assembled state, 2,000 snapshots left open, LoadModule / UnloadModule of arbitrary URLs, a Stats flood',
  layers: 'Routed → AgentMigration chunk → SnapshotAssembler → unpack / LoadModule → control',
  async run(arena, scale) {
    const outsider = await arena.outsider();
    const agent = arena.ids.agent;
    let tried = 0;
    let nextId = 1_000;
    /** Sends `bodies` as AgentMigration frames and waits for the MigrationAck or Error about migration `id`. */
    const answerTo = async (id, frames, type = C.AgentMigration) => {
      const seen = outsider.received.length;
      for (const b of frames) {
        tried++;
        await outsider.routed(agent, frameOf(type, b), { requestId: outsider.nextId() });
      }
      for (const end = performance.now() + 3_000; performance.now() < end; await sleep(20)) {
        for (const r of outsider.received.slice(seen)) {
          const b = body(r.frame.payload);
          if (r.frame.type === C.MigrationAck && b?.migrationId === id) return { ack: b };
          if (r.frame.type === C.Error) return { error: b };
        }
      }
      return undefined;
    };
    const frameOf = (type, b) => frame({ type, payload: b === undefined ? new Uint8Array(0) : pack(b) });

    const wrong = [];
    for (const [what, make] of SEQUENCES) {
      const id = nextId++;
      const a = await answerTo(id, make(id));
      if (!(a?.ack?.ok === false && /SW_ERR_[A-Z_]+/.test(a.ack.message ?? ''))) wrong.push(`${what}: ${JSON.stringify(a)?.slice(0, 160) ?? 'no answer'}`);
    }
    const malformed = [];
    for (const [what, make] of MALFORMED) {
      const id = nextId++;
      const a = await answerTo(id, [make(id)]);
      if (!(a?.error && Number.isInteger(a.error.status) && typeof a.error.message === 'string')) malformed.push(`${what}: ${JSON.stringify(a)?.slice(0, 160) ?? 'no answer'}`);
    }

    // A whole agent moved in, transfer then commit, as any node's migrate() sends it: the relay's process takes
    // agents only from the nodes its operator allows (acceptAgents; `swarmwire relay` allows none).
    const moveId = nextId++;
    const moved = await answerTo(moveId, [{ migrationId: moveId, phase: 'transfer', name: `intruder-${moveId}`, kind: 'Counter', state: { count: 1 } }]);
    tried++;
    await outsider.routed(agent, frameOf(C.AgentMigration, { migrationId: moveId, phase: 'commit', name: `intruder-${moveId}`, kind: 'Counter' }), { requestId: outsider.nextId() });
    const refusedMove = moved?.ack?.ok === false && /^SW_ERR_MIGRATION_REFUSED: /.test(moved.ack.message ?? '');

    // Snapshots left open: first chunks of 2-byte states that never finish (each holds an assembly until its deadline).
    const open = 2_000;
    for (let i = 0; i < open; i++) {
      tried++;
      const id = nextId++;
      await outsider.routed(agent, frameOf(C.AgentMigration, chunk(id, { index: 0, count: 2, bytes: 2, data: bytes(1) })), { requestId: outsider.nextId() });
    }

    // Node control: LoadModule / UnloadModule of URLs the attacker picks, and Stats, at the relay's agent host.
    const urls = ['data:text/javascript,export class Owned { constructor() { globalThis.owned = process.pid } }', 'file:///etc/passwd', 'http://127.0.0.1:1/evil.js', 'node:child_process'];
    const control = [];
    for (const url of urls) {
      for (const type of [C.LoadModule, C.UnloadModule]) {
        tried++;
        const requestId = outsider.nextId();
        const a = await outsider.carry(agent, frameOf(type, { url }), requestId, { timeoutMs: 2_000 });
        if (a?.frame.type === 1) control.push(`${type === C.LoadModule ? 'LoadModule' : 'UnloadModule'} ${url.slice(0, 30)} answered ${JSON.stringify(a.body)?.slice(0, 100)}`);
      }
    }
    let stats = 0;
    const statsEnd = performance.now() + scale.attackMs;
    while (performance.now() < statsEnd) {
      stats++;
      await outsider.routed(agent, frameOf(C.Stats, undefined), { requestId: outsider.nextId() });
    }
    tried += stats;
    await sleep(500);
    const agents = await outsider.call(agent, 'dashboard', 'agents', pack([]));
    const intruders = Array.isArray(agents?.body) ? agents.body.filter((a) => /^intruder-/.test(a?.name ?? '')) : ['(no answer)'];
    return {
      tried,
      checks: [
        check('each hostile chunk sequence is answered MigrationAck ok false with a typed code', wrong.length === 0, wrong.slice(0, 4).join('; ')),
        check('each chunk body that does not parse is answered with a typed Error', malformed.length === 0, malformed.join('; ')),
        check('an agent moved in by a stranger is refused with SW_ERR_MIGRATION_REFUSED', refusedMove, JSON.stringify(moved)?.slice(0, 160) ?? 'no answer'),
        check('no agent was restored from a hostile snapshot', intruders.length === 0, JSON.stringify(intruders).slice(0, 200)),
        check('LoadModule / UnloadModule from a stranger load and unload nothing', control.length === 0, control.join('; ')),
        check('the dashboard agent answers agents() after the attack', Array.isArray(agents?.body), JSON.stringify(agents?.body)?.slice(0, 100)),
      ],
      notes: `${open.toLocaleString('en')} snapshots left open, ${stats.toLocaleString('en')} Stats`,
    };
  },
};
