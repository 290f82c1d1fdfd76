// A node's identity: a signing key pair, and the 16-byte node id derived from its public key. Whoever cannot sign
// with the private key cannot be that node: the handshake (handshake.ts) proves the key against the other side's
// fresh challenge. WebCrypto, so it runs in every runtime swarmwire does (Node ≥ 20, Deno, browsers, workerd); on
// Node, startRelay() has the handshake's calls made by node:crypto instead (identity-node.ts, through
// useIdentityCrypto()), which costs a relay less per handshake than WebCrypto's jobs. The bytes are the same.
//
// Algorithms: Ed25519 where the runtime has it (a 32-byte key, a 64-byte signature), ECDSA P-256 with SHA-256
// otherwise (a 65-byte uncompressed key, a 64-byte IEEE P1363 signature). Each side verifies the other's algorithm,
// so a runtime that lacks Ed25519 refuses such peers with a clear error instead of failing later.
import { idHex } from '../wire/node-id.js';
import { Status } from '../wire/constants.js';
import { sessionError, SessionErrorCode } from './errors.js';

/** Signature algorithms a node key may use. */
export type KeyAlgorithm = 'Ed25519' | 'P-256';

/** Wire numbers of the algorithms (Hello `alg`); also the first byte of what a node id is hashed from. */
export const KeyAlgorithmId = { 'Ed25519': 1, 'P-256': 2 } as const satisfies Record<KeyAlgorithm, number>;

/** A node's key pair and the id derived from it. */
export interface Identity {
  /** The node id: the first 16 bytes of SHA-256(algorithm id ‖ raw public key). */
  readonly id: Uint8Array;
  /** The node id as 32 lowercase hex digits. */
  readonly idHex: string;
  readonly algorithm: KeyAlgorithm;
  /** The raw public key (Ed25519: 32 bytes; P-256: 65 bytes, uncompressed). */
  readonly publicKey: Uint8Array;
  /** The key pair (the private key is non-extractable unless the identity was made to be stored as bytes). */
  readonly keys: CryptoKeyPair;
  /** Signs `data` with the private key. */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** Options of createIdentity(). */
export interface IdentityOptions {
  /** The key algorithm. Default: Ed25519 where the runtime supports it, else P-256. */
  algorithm: KeyAlgorithm;
  /** Whether the private key may be exported (needed to store it as bytes: a file, Durable Object storage). Default: false. */
  extractable: boolean;
}

const PARAMS = {
  'Ed25519': { generate: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
  'P-256': { generate: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } },
} as const;
const PUBLIC_KEY_BYTES: Record<KeyAlgorithm, number> = { 'Ed25519': 32, 'P-256': 65 };

/**
 * The WebCrypto calls identities make, swappable as one piece: crypto.subtle everywhere; on a Node relay
 * (identity-node.ts) node:crypto makes the handshake's four (digest, sign, importKey of a peer's key, verify) and
 * the key pairs (as WebCrypto keys whose private KeyObject it keeps, to sign with); export stays WebCrypto's. What
 * its importKey returns is only ever handed back to its own verify. @internal
 */
export type IdentityCrypto = Pick<SubtleCrypto, 'digest' | 'sign' | 'importKey' | 'verify' | 'generateKey' | 'exportKey'>;
let subtle: IdentityCrypto = crypto.subtle;

/** Makes every identity in this process compute with `primitives` (the keys seen so far are imported again). @internal */
export function useIdentityCrypto(primitives: IdentityCrypto): void {
  if (subtle === primitives) return;
  subtle = primitives;
  peerKeys.clear();
}

let ed25519Support: Promise<boolean> | undefined;

/** Whether this runtime's WebCrypto signs and verifies Ed25519 (checked once). */
export function supportsEd25519(): Promise<boolean> {
  ed25519Support ??= subtle.generateKey(PARAMS['Ed25519'].generate, false, ['sign', 'verify']).then(() => true, () => false);
  return ed25519Support;
}

/** `bytes` as WebCrypto takes them: backed by an ArrayBuffer (a view into shared memory is copied). @internal */
export const ownBytes = (bytes: Uint8Array): Uint8Array<ArrayBuffer> =>
  (bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice()) as Uint8Array<ArrayBuffer>;

/** SHA-256 of `bytes`. @internal */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle.digest('SHA-256', ownBytes(bytes)));
}

/** The node id of a public key: the first 16 bytes of SHA-256(algorithm id ‖ raw key). */
export async function deriveNodeId(algorithm: KeyAlgorithm, publicKey: Uint8Array): Promise<Uint8Array> {
  const input = new Uint8Array(1 + publicKey.length);
  input[0] = KeyAlgorithmId[algorithm];
  input.set(publicKey, 1);
  return (await sha256(input)).slice(0, 16);
}

/** A new identity with a fresh key pair. Ephemeral unless its keys are kept (see identityStore.ts). */
export async function createIdentity(options: Readonly<Partial<IdentityOptions>> = {}): Promise<Identity> {
  const algorithm = options.algorithm ?? ((await supportsEd25519()) ? 'Ed25519' : 'P-256');
  const keys = await subtle.generateKey(PARAMS[algorithm].generate, options.extractable ?? false, ['sign', 'verify']) as CryptoKeyPair;
  return identityFromKeys(keys);
}

/** The identity of an existing key pair (one loaded from storage). */
export async function identityFromKeys(keys: CryptoKeyPair): Promise<Identity> {
  const algorithm = algorithmOf(keys.publicKey);
  const publicKey = new Uint8Array(await subtle.exportKey('raw', keys.publicKey));
  const id = await deriveNodeId(algorithm, publicKey);
  const params = PARAMS[algorithm].sign;
  return {
    id, idHex: idHex(id), algorithm, publicKey, keys,
    sign: async (data) => new Uint8Array(await subtle.sign(params, keys.privateKey, ownBytes(data))),
  };
}

function algorithmOf(key: CryptoKey): KeyAlgorithm {
  const { name, namedCurve } = key.algorithm as EcKeyAlgorithm;
  if (name === 'Ed25519' || name === 'NODE-ED25519') return 'Ed25519';
  if (name === 'ECDSA' && namedCurve === 'P-256') return 'P-256';
  throw new TypeError(`[swarmwire] a node key must be Ed25519 or ECDSA P-256, not ${name}${namedCurve ? ` ${namedCurve}` : ''}`);
}

/** The algorithm with wire number `alg`, or undefined. */
export function algorithmById(alg: number): KeyAlgorithm | undefined {
  return alg === 1 ? 'Ed25519' : alg === 2 ? 'P-256' : undefined;
}

/** A peer's public key, imported once: its node id and the CryptoKey that checks its signatures (undefined: not a key). */
interface PeerKey {
  id: Uint8Array;
  key: CryptoKey | undefined;
}

/** Keys seen lately, so a node that reconnects (or many that share a relay) costs one import, not one per handshake. */
const peerKeys = new Map<string, Promise<PeerKey>>();
const PEER_KEYS_KEPT = 1024;

function peerKey(algorithm: KeyAlgorithm, publicKey: Uint8Array): Promise<PeerKey> {
  const cacheKey = `${KeyAlgorithmId[algorithm]}:${idHex(publicKey)}`;
  let entry = peerKeys.get(cacheKey);
  if (!entry) {
    entry = Promise.all([
      deriveNodeId(algorithm, publicKey),
      subtle.importKey('raw', ownBytes(publicKey), PARAMS[algorithm].generate, false, ['verify']).catch(() => undefined), // not a point on the curve
    ]).then(([id, key]) => ({ id, key }));
    if (peerKeys.size >= PEER_KEYS_KEPT) peerKeys.delete(peerKeys.keys().next().value!);
    peerKeys.set(cacheKey, entry);
  }
  return entry;
}

/** The node id of a peer's public key (as deriveNodeId, but remembered with the imported key). */
export async function peerNodeId(algorithm: KeyAlgorithm, publicKey: Uint8Array): Promise<Uint8Array> {
  return (await peerKey(algorithm, publicKey)).id;
}

/**
 * Checks that `signature` is `publicKey`'s signature of `data`. Throws SessionError UNSUPPORTED_KEY (status
 * UnsupportedVersion) when this runtime cannot verify the algorithm, and resolves false for a key or signature
 * that is malformed or does not match.
 */
export async function verifySignature(algorithm: KeyAlgorithm, publicKey: Uint8Array, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  if (publicKey.length !== PUBLIC_KEY_BYTES[algorithm]) return false;
  if (algorithm === 'Ed25519' && !(await supportsEd25519())) {
    throw sessionError(SessionErrorCode.UNSUPPORTED_KEY, 'this runtime cannot verify Ed25519 keys: the peer must use a P-256 identity', Status.UnsupportedVersion);
  }
  const { key } = await peerKey(algorithm, publicKey);
  return key !== undefined && subtle.verify(PARAMS[algorithm].sign, key, ownBytes(signature), ownBytes(data));
}
