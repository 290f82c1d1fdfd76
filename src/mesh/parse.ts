// Checks of the mesh's payloads as they arrive: a peer's bytes become a typed body or a WireError BAD_PAYLOAD
// (SW_ERR_PAYLOAD, status InvalidFrame) that names the field, never a TypeError deep inside the node.
import type { Role } from '../wire/constants.js';
import { WireErrorCode, wireError } from '../wire/errors.js';
import type {
  AgentMigrationBody, AgentQueryBody, AgentStatsBody, ConnectionStatsBody, DiscoveryBody, KnownPeer, LoadInfoBody, MigrationAckBody, ModuleInfo, StatsBody,
} from './messages.js';

/** Peers listed in one Discovery at most: a bound on what one peer can make a node store. */
export const MAX_KNOWN_PEERS = 10_000;

type Obj = Record<string, unknown>;
const ROLES: ReadonlySet<string> = /* @__PURE__ */ new Set(['edge', 'relay', 'core']);

const fail = (what: string, message: string): never => {
  throw wireError(WireErrorCode.BAD_PAYLOAD, `invalid ${what}: ${message}`);
};
const obj = (what: string, v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) ? (v as Obj) : fail(what, 'not a map'));
const str = (what: string, v: unknown, field: string): string => (typeof v === 'string' ? v : fail(what, `\`${field}\` must be a string`));
const num = (what: string, v: unknown, field: string): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fail(what, `\`${field}\` must be a number ≥ 0`));
const u32 = (what: string, v: unknown, field: string): number => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff ? (v as number) : fail(what, `\`${field}\` must be a u32`));
const strings = (what: string, v: unknown, field: string): string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : fail(what, `\`${field}\` must be an array of strings`);
const role = (what: string, v: unknown): Role => (typeof v === 'string' && ROLES.has(v) ? (v as Role) : fail(what, '`role` must be "edge", "relay" or "core"'));

/** A Discovery or DiscoveryResponse payload. */
export function parseDiscovery(value: unknown): DiscoveryBody {
  const what = 'Discovery';
  const v = obj(what, value);
  if (!Array.isArray(v.peers)) fail(what, '`peers` must be an array');
  const list = v.peers as unknown[];
  if (list.length > MAX_KNOWN_PEERS) fail(what, `more than ${MAX_KNOWN_PEERS} peers`);
  const peers = list.map((p): KnownPeer => {
    const e = obj(what, p);
    if (!(e.id instanceof Uint8Array) || e.id.length !== 16) fail(what, 'a peer `id` must be 16 bytes');
    const hops = num(what, e.hops, 'hops');
    if (!Number.isInteger(hops) || hops > 255) fail(what, '`hops` must be a u8');
    return { id: e.id as Uint8Array, role: role(what, e.role), capabilities: strings(what, e.capabilities, 'capabilities'), hops };
  });
  return { role: role(what, v.role), capabilities: strings(what, v.capabilities, 'capabilities'), peers };
}

/** A LoadInfo payload. */
export function parseLoadInfo(value: unknown): LoadInfoBody {
  const what = 'LoadInfo';
  const v = obj(what, value);
  const out: LoadInfoBody = { agents: num(what, v.agents, 'agents'), queue: num(what, v.queue, 'queue'), lagMs: num(what, v.lagMs, 'lagMs'), timestamp: num(what, v.timestamp, 'timestamp') };
  if (v.cpu !== undefined) out.cpu = num(what, v.cpu, 'cpu');
  if (v.memory !== undefined) out.memory = num(what, v.memory, 'memory');
  return out;
}

/** An AgentQuery payload. */
export function parseAgentQuery(value: unknown): AgentQueryBody {
  return { name: str('AgentQuery', obj('AgentQuery', value).name, 'name') };
}

const PHASES: ReadonlySet<string> = /* @__PURE__ */ new Set(['transfer', 'commit', 'abort', 'chunk']);

/** An AgentMigration payload. */
export function parseMigration(value: unknown): AgentMigrationBody {
  const what = 'AgentMigration';
  const v = obj(what, value);
  if (typeof v.phase !== 'string' || !PHASES.has(v.phase)) fail(what, '`phase` must be "transfer", "commit", "abort" or "chunk"');
  const out: AgentMigrationBody = { migrationId: num(what, v.migrationId, 'migrationId'), phase: v.phase as AgentMigrationBody['phase'], name: str(what, v.name, 'name'), kind: str(what, v.kind, 'kind') };
  if (v.state !== undefined) out.state = v.state;
  if (v.capabilities !== undefined) out.capabilities = strings(what, v.capabilities, 'capabilities');
  if (out.phase === 'chunk') {
    out.index = u32(what, v.index, 'index');
    out.count = u32(what, v.count, 'count');
    out.bytes = u32(what, v.bytes, 'bytes');
    out.data = v.data instanceof Uint8Array ? v.data : fail(what, '`data` must be binary');
  }
  return out;
}

/** A MigrationAck payload. */
export function parseMigrationAck(value: unknown): MigrationAckBody {
  const what = 'MigrationAck';
  const v = obj(what, value);
  if (typeof v.ok !== 'boolean') fail(what, '`ok` must be a boolean');
  const out: MigrationAckBody = { migrationId: num(what, v.migrationId, 'migrationId'), name: str(what, v.name, 'name'), ok: v.ok as boolean };
  if (v.message !== undefined) out.message = str(what, v.message, 'message');
  if (v.phase !== undefined) {
    if (v.phase !== 'transfer' && v.phase !== 'commit') fail(what, '`phase` must be "transfer" or "commit"');
    out.phase = v.phase as 'transfer' | 'commit';
  }
  return out;
}

/** A LoadModule or UnloadModule payload: `{ url }`. */
export function parseModuleRequest(value: unknown, what: 'LoadModule' | 'UnloadModule'): { url: string } {
  const url = str(what, obj(what, value).url, 'url');
  if (url.length === 0) fail(what, '`url` must not be empty');
  return { url };
}

/** The answer to a LoadModule or UnloadModule. */
export function parseModuleInfo(value: unknown): ModuleInfo {
  const what = 'module info';
  const v = obj(what, value);
  const out: ModuleInfo = { url: str(what, v.url, 'url'), kinds: strings(what, v.kinds, 'kinds') };
  if (v.stopped !== undefined) out.stopped = strings(what, v.stopped, 'stopped');
  return out;
}

const id16 = (what: string, v: unknown, field: string): Uint8Array => (v instanceof Uint8Array && v.length === 16 ? v : fail(what, `\`${field}\` must be 16 bytes`));
const list = (what: string, v: unknown, field: string): unknown[] =>
  Array.isArray(v) && v.length <= MAX_KNOWN_PEERS ? v : fail(what, `\`${field}\` must be an array of at most ${MAX_KNOWN_PEERS}`);
const counters = <K extends string>(what: string, v: Obj, fields: readonly K[]): Record<K, number> =>
  Object.fromEntries(fields.map((f) => [f, num(what, v[f], f)])) as Record<K, number>;
const AGENT_STATES: ReadonlySet<string> = /* @__PURE__ */ new Set(['active', 'migrating', 'incoming']);

/** The answer to a Stats. */
export function parseStats(value: unknown): StatsBody {
  const what = 'Stats';
  const v = obj(what, value);
  const connections = list(what, v.connections, 'connections').map((c): ConnectionStatsBody => {
    const e = obj(what, c);
    if (e.direction !== 'in' && e.direction !== 'out') fail(what, 'a connection\'s `direction` must be "in" or "out"');
    if (e.rtt !== null && e.rtt !== undefined) num(what, e.rtt, 'rtt');
    const out: ConnectionStatsBody = {
      peer: id16(what, e.peer, 'peer'), role: role(what, e.role), capabilities: strings(what, e.capabilities, 'capabilities'),
      direction: e.direction as 'in' | 'out', transport: str(what, e.transport, 'transport'), state: str(what, e.state, 'state'),
      ...counters(what, e, ['framesIn', 'framesOut', 'bytesIn', 'bytesOut', 'unacked', 'unackedBytes', 'idleMs'] as const),
      rtt: (e.rtt ?? null) as number | null,
    };
    if (e.load !== undefined && e.load !== null) out.load = parseLoadInfo(e.load);
    return out;
  });
  const agents = list(what, v.agents, 'agents').map((a): AgentStatsBody => {
    const e = obj(what, a);
    if (typeof e.state !== 'string' || !AGENT_STATES.has(e.state)) fail(what, 'an agent\'s `state` must be "active", "migrating" or "incoming"');
    return {
      name: str(what, e.name, 'name'), kind: str(what, e.kind, 'kind'), state: e.state as AgentStatsBody['state'],
      capabilities: strings(what, e.capabilities, 'capabilities'), ...counters(what, e, ['calls', 'running', 'waiting'] as const),
    };
  });
  return {
    id: id16(what, v.id, 'id'), role: role(what, v.role),
    ...counters(what, v, ['uptimeMs', 'framesIn', 'framesOut', 'bytesIn', 'bytesOut', 'forwarded', 'dropped'] as const),
    load: parseLoadInfo(v.load), connections, agents,
    modules: list(what, v.modules, 'modules').map(parseModuleInfo),
  };
}
