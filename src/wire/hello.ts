// The Hello / HelloAck payload and the negotiation both sides run on it.
import { MAX_PAYLOAD, type Role } from './constants.js';
import { WireErrorCode, wireError } from './errors.js';

/** The Hello and HelloAck payload (MessagePack map). */
export interface Hello {
  version: number;
  minVersion: number;
  /** 16 random bytes naming the node. */
  nodeId: Uint8Array;
  role: Role;
  capabilities: string[];
  /** Feature bits this side supports. */
  features: number;
  /** Largest payload this side accepts. */
  maxPayload: number;
  metadata: Record<string, string>;
  token?: string;
}

/** What both sides agree on after Hello / HelloAck. */
export interface Negotiated {
  version: number;
  capabilities: string[];
  features: number;
  maxPayload: number;
}

const ROLES: ReadonlySet<string> = new Set(['edge', 'relay', 'core']);

function fail(message: string): never {
  throw wireError(WireErrorCode.BAD_PAYLOAD, `invalid Hello: ${message}`);
}

const isUint = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

/** Checks that a decoded payload is a well-formed Hello and returns it typed. Throws WireError BAD_PAYLOAD. */
export function parseHello(value: unknown): Hello {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('not a map');
  const v = value as Record<string, unknown>;
  if (!isUint(v.version, 255) || !isUint(v.minVersion, 255)) fail('version and minVersion must be u8');
  if (!(v.nodeId instanceof Uint8Array) || v.nodeId.length !== 16) fail('nodeId must be 16 bytes');
  if (typeof v.role !== 'string' || !ROLES.has(v.role)) fail(`role must be edge, relay or core`);
  if (!Array.isArray(v.capabilities) || !v.capabilities.every((c) => typeof c === 'string')) fail('capabilities must be strings');
  if (!isUint(v.features, 0xffff)) fail('features must be u16');
  if (!isUint(v.maxPayload, 0xffffffff)) fail('maxPayload must be u32');
  const metadata = v.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata) ||
      !Object.values(metadata).every((m) => typeof m === 'string')) fail('metadata must map strings to strings');
  if (v.token !== undefined && typeof v.token !== 'string') fail('token must be a string');
  return {
    version: v.version, minVersion: v.minVersion, nodeId: v.nodeId, role: v.role as Role,
    capabilities: v.capabilities as string[], features: v.features, maxPayload: v.maxPayload,
    metadata: metadata as Record<string, string>, ...(v.token === undefined ? {} : { token: v.token }),
  };
}

/**
 * What two Hellos agree on: the highest version both speak (the lower of the two maxima, which must reach both
 * minima, else WireError NEGOTIATION with status UnsupportedVersion), the capabilities both list (in `local`'s
 * order), the features both set, and the smaller maxPayload (never above MAX_PAYLOAD).
 */
export function negotiate(local: Readonly<Hello>, remote: Readonly<Hello>): Negotiated {
  const version = Math.min(local.version, remote.version);
  if (version < Math.max(local.minVersion, remote.minVersion)) {
    throw wireError(WireErrorCode.NEGOTIATION,
      `no common wire version: this side speaks ${local.minVersion}–${local.version}, the peer ${remote.minVersion}–${remote.version}`);
  }
  const theirs = new Set(remote.capabilities);
  return {
    version,
    capabilities: local.capabilities.filter((c) => theirs.has(c)),
    features: local.features & remote.features,
    maxPayload: Math.min(local.maxPayload, remote.maxPayload, MAX_PAYLOAD),
  };
}
