// Checks of the mesh's payloads as they arrive: a peer's bytes become a typed body or a WireError BAD_PAYLOAD
// (SW_ERR_PAYLOAD, status InvalidFrame) that names the field, never a TypeError deep inside the node.
import type { Role } from '../wire/constants.js';
import { WireErrorCode, wireError } from '../wire/errors.js';
import type { AgentMigrationBody, AgentQueryBody, DiscoveryBody, KnownPeer, LoadInfoBody, MigrationAckBody } from './messages.js';

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
  return out;
}
