// Identities on node:crypto: the same SHA-256, Ed25519 and ECDSA P-256 (IEEE P1363 signatures) as identity.ts's
// WebCrypto, called synchronously. On Node, WebCrypto runs each digest, signature and check as a job on the thread
// pool and settles a promise for it; a relay does five of them per handshake, and with thousands of peers
// connecting the jobs' overhead cost more than the cryptography (issue 17). Node only: startRelay() installs it;
// browsers, Deno and workerd keep WebCrypto, and nothing outside swarmwire/node imports this file.
import { createHash, createPublicKey, type JsonWebKey, KeyObject, sign, verify } from 'node:crypto';
import { type IdentityCrypto, type KeyAlgorithm, useIdentityCrypto } from './identity.js';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');

/** A raw public key as a JWK (Node imports one ~8× faster than the same key as DER), or undefined: not that form. */
function jwk(algorithm: KeyAlgorithm, raw: Uint8Array): JsonWebKey | undefined {
  if (algorithm === 'Ed25519') return { kty: 'OKP', crv: 'Ed25519', x: b64(raw) };
  // P-256: uncompressed, 0x04 ‖ x ‖ y (the only form a Hello carries)
  return raw[0] === 4 ? { kty: 'EC', crv: 'P-256', x: b64(raw.subarray(1, 33)), y: b64(raw.subarray(33, 65)) } : undefined;
}
// Ed25519 hashes inside the algorithm (no digest named); ECDSA as WebCrypto's { hash: 'SHA-256' }, in P1363 form.
const DIGEST: Record<KeyAlgorithm, string | null> = { 'Ed25519': null, 'P-256': 'sha256' };
const DSA_ENCODING = 'ieee-p1363' as const;

/** Private keys as node:crypto takes them, one conversion per key (a relay signs with one key all its life). */
const privateKeys = new WeakMap<CryptoKey, KeyObject>();

function keyObject(key: CryptoKey): KeyObject {
  let out = privateKeys.get(key);
  if (!out) privateKeys.set(key, (out = KeyObject.from(key)));
  return out;
}

const toBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export const nodeIdentityCrypto: IdentityCrypto = {
  sha256: (bytes) => toBytes(createHash('sha256').update(bytes).digest()),
  sign: (algorithm, privateKey, data) => toBytes(sign(DIGEST[algorithm], data, { key: keyObject(privateKey), dsaEncoding: DSA_ENCODING })),
  importPublic(algorithm, publicKey) {
    const key = jwk(algorithm, publicKey);
    try {
      return key && createPublicKey({ key, format: 'jwk' });
    } catch {
      return undefined; // not a point on the curve
    }
  },
  verify(algorithm, key, signature, data) {
    try {
      return verify(DIGEST[algorithm], data, { key: key as KeyObject, dsaEncoding: DSA_ENCODING }, signature);
    } catch {
      return false; // a malformed signature
    }
  },
};

/** Makes identities in this process use node:crypto (idempotent). */
export function useNodeIdentityCrypto(): void {
  useIdentityCrypto(nodeIdentityCrypto);
}
