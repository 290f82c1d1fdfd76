// The Hello / HelloAck payload and the negotiation both sides run on it. The identity fields (key, alg, nonce,
// proof) are checked for shape here; what they prove is the session layer's job (src/session/handshake.ts).
import { MAX_PAYLOAD, type Role } from './constants.js';
import { WireErrorCode, wireError } from './errors.js';

/** Bytes of a handshake nonce (the challenge each side sends the other). */
export const NONCE_BYTES = 32;

/** The Hello and HelloAck payload (MessagePack map). */
export interface Hello {
  /** Session protocol version (PROTOCOL_VERSION). */
  version: number;
  minVersion: number;
  /** The node id: 16 bytes, the first half of SHA-256(alg ‖ key). */
  nodeId: Uint8Array;
  role: Role;
  capabilities: string[];
  /** Feature bits this side supports. */
  features: number;
  /** Largest payload this side accepts. */
  maxPayload: number;
  metadata: Record<string, string>;
  token?: string;
  /** Key algorithm: 1 Ed25519, 2 ECDSA P-256 (SHA-256). Absent only in a Hello of version 1. */
  alg: number;
  /** The raw public key the node id is derived from (32 bytes for Ed25519, 65 for P-256). */
  key: Uint8Array;
  /** 32 fresh random bytes: the challenge the other side must sign. */
  nonce: Uint8Array;
  /** HelloAck only: the responder's signature of the Hello (docs/protocol.md, Handshake). */
  proof?: Uint8Array;
  /**
   * A u32 naming the sender's session, the one that numbers its request ids: the same on every transport of one
   * session, another when the sender starts a new one (a restart with the same identity counts its ids from 1 again).
   * The receiver keeps its duplicate filter for the peer only while this stays the same. Absent: the same as before.
   * Sent in a Hello; a responder names its own in HelloDone (HelloDoneBody), which is where the initiator's copy of
   * the responder's Hello gets it from (a HelloAck's is ignored: it would be said before the Hello is proven).
   */
  session?: number;
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
const isBin = (v: unknown, min: number, max: number): v is Uint8Array => v instanceof Uint8Array && v.length >= min && v.length <= max;

/**
 * Checks that a decoded payload is a well-formed Hello and returns it typed. Throws WireError BAD_PAYLOAD.
 * A Hello of a version older than identities (< 2) may lack the key fields: it is returned as is, for negotiate()
 * to refuse with UnsupportedVersion rather than a shape error the peer could not act on.
 */
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
  if (v.version >= 2) {
    if (!isUint(v.alg, 255)) fail('alg must be u8');
    if (!isBin(v.key, 1, 256)) fail('key must be 1–256 bytes');
    if (!isBin(v.nonce, NONCE_BYTES, NONCE_BYTES)) fail(`nonce must be ${NONCE_BYTES} bytes`);
    if (v.proof !== undefined && !isBin(v.proof, 1, 256)) fail('proof must be 1–256 bytes');
  }
  if (v.session !== undefined && !isUint(v.session, 0xffffffff)) fail('session must be u32');
  return {
    version: v.version, minVersion: v.minVersion, nodeId: v.nodeId, role: v.role as Role,
    capabilities: v.capabilities as string[], features: v.features, maxPayload: v.maxPayload,
    metadata: metadata as Record<string, string>, ...(v.token === undefined ? {} : { token: v.token }),
    alg: v.alg as number, key: v.key as Uint8Array, nonce: v.nonce as Uint8Array,
    ...(v.proof === undefined ? {} : { proof: v.proof as Uint8Array }),
    ...(v.session === undefined ? {} : { session: v.session }),
  };
}

/**
 * What two Hellos agree on: the highest version both speak (the lower of the two maxima, which must reach both
 * minima, else WireError NEGOTIATION with status UnsupportedVersion), the capabilities both list (in `local`'s
 * order), the features both set, and the smaller maxPayload (never above MAX_PAYLOAD).
 */
export function negotiate(local: Readonly<Pick<Hello, 'version' | 'minVersion' | 'capabilities' | 'features' | 'maxPayload'>>, remote: Readonly<Hello>): Negotiated {
  const version = Math.min(local.version, remote.version);
  if (version < Math.max(local.minVersion, remote.minVersion)) {
    throw wireError(WireErrorCode.NEGOTIATION,
      `no common protocol version: this side speaks ${local.minVersion}–${local.version}, the peer ${remote.minVersion}–${remote.version}`);
  }
  const theirs = new Set(remote.capabilities);
  return {
    version,
    capabilities: local.capabilities.filter((c) => theirs.has(c)),
    features: local.features & remote.features,
    maxPayload: Math.min(local.maxPayload, remote.maxPayload, MAX_PAYLOAD),
  };
}

/** The HelloProof payload (type 68): the initiator's signature, answering the HelloAck's nonce. */
export interface HelloProofBody {
  proof: Uint8Array;
}

/** Checks a decoded HelloProof payload. Throws WireError BAD_PAYLOAD. */
export function parseHelloProof(value: unknown): HelloProofBody {
  const v = value as Partial<HelloProofBody> | null;
  if (typeof v !== 'object' || v === null || !isBin(v.proof, 1, 256)) throw wireError(WireErrorCode.BAD_PAYLOAD, 'invalid HelloProof: proof must be 1–256 bytes');
  return { proof: v.proof };
}

/**
 * The HelloDone payload (type 69): the responder's session the initiator was handed to (docs/protocol.md,
 * "Sessions"), or nothing (an empty payload, read as `{}`).
 */
export interface HelloDoneBody {
  session?: number;
}

/** Checks a decoded HelloDone payload (undefined for an empty one). Throws WireError BAD_PAYLOAD. */
export function parseHelloDone(value: unknown): HelloDoneBody {
  if (value === undefined) return {};
  const v = value as HelloDoneBody | null;
  if (typeof v !== 'object' || v === null || (v.session !== undefined && !isUint(v.session, 0xffffffff))) {
    throw wireError(WireErrorCode.BAD_PAYLOAD, 'invalid HelloDone: session must be u32');
  }
  return v.session === undefined ? {} : { session: v.session };
}
