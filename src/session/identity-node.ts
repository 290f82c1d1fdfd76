// The handshake's WebCrypto calls (SHA-256, Ed25519 and ECDSA P-256 in IEEE P1363 form) made by node:crypto,
// behind crypto.subtle's shape (issue 17: a relay makes five per handshake, and in a connect storm WebCrypto's
// machinery around them cost more than the cryptography). Measured on Node 20 with 256 in flight: WebCrypto spends
// ~100–380 µs of the main thread per signature check around ~200 µs of work on the thread pool; node:crypto's
// callback form does the same work on the pool for ~50–130 µs of the main thread; done synchronously it would
// keep the main thread for all of it and leave the second core idle. So: signatures and checks on the pool by
// callback, SHA-256 (~10 µs) and key imports (~25 µs) in place. Node only: startRelay() installs it; browsers,
// Deno and workerd keep WebCrypto, and nothing outside swarmwire/node imports this file.
import { createHash, createPublicKey, type JsonWebKey, KeyObject, sign, verify } from 'node:crypto';
import { type IdentityCrypto, useIdentityCrypto } from './identity.js';

type Params = { name: string; hash?: string };
type Bytes = ArrayBufferView | ArrayBuffer;

const view = (b: Bytes): Uint8Array => (ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b));
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
/** What crypto.subtle resolves with: an ArrayBuffer of exactly the result (a Buffer may share a larger one). */
const arrayBuffer = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** Ed25519 hashes inside the algorithm (no digest is named); ECDSA as WebCrypto's { hash: 'SHA-256' }, in P1363 form. */
function keyOptions(params: Params, key: KeyObject): { digest: string | null; key: { key: KeyObject; dsaEncoding: 'ieee-p1363' } } {
  if (params.name === 'Ed25519') return { digest: null, key: { key, dsaEncoding: 'ieee-p1363' } };
  if (params.name === 'ECDSA' && params.hash === 'SHA-256') return { digest: 'sha256', key: { key, dsaEncoding: 'ieee-p1363' } };
  throw new TypeError(`[swarmwire] identity-node: not an algorithm of node keys: ${params.name}`);
}

/**
 * A raw public key as a JWK (Node imports one ~8× faster than the same key as DER), or undefined: not that form.
 * P-256 keys are uncompressed (0x04 ‖ x ‖ y), the only form a Hello carries.
 */
function jwk(params: { name: string; namedCurve?: string }, raw: Uint8Array): JsonWebKey | undefined {
  if (params.name === 'Ed25519') return raw.length === 32 ? { kty: 'OKP', crv: 'Ed25519', x: b64(raw) } : undefined;
  if (params.name === 'ECDSA' && params.namedCurve === 'P-256' && raw.length === 65 && raw[0] === 4) {
    return { kty: 'EC', crv: 'P-256', x: b64(raw.subarray(1, 33)), y: b64(raw.subarray(33, 65)) };
  }
  return undefined;
}

/** Private keys as node:crypto takes them, one conversion per key (a relay signs with one key all its life). */
const privateKeys = new WeakMap<CryptoKey, KeyObject>();

function privateKeyObject(key: CryptoKey): KeyObject {
  let out = privateKeys.get(key);
  if (!out) privateKeys.set(key, (out = KeyObject.from(key)));
  return out;
}

export const nodeIdentityCrypto: IdentityCrypto = {
  async digest(algorithm, data) {
    if (algorithm !== 'SHA-256') throw new TypeError(`[swarmwire] identity-node: digest ${String(algorithm)}`);
    return arrayBuffer(createHash('sha256').update(view(data)).digest());
  },
  sign(params, key, data) {
    // node:crypto takes a CryptoKey only through KeyObject.from(), which Node 24 deprecates (DEP0204, a warning on
    // stderr) for a non-extractable key — and identities keep theirs non-extractable: those sign in WebCrypto.
    if (!key.extractable) return crypto.subtle.sign(params as Params, key, data as BufferSource);
    const { digest, key: options } = keyOptions(params as Params, privateKeyObject(key));
    return new Promise((resolve, reject) => sign(digest, view(data), options, (error, signature) => (error ? reject(error) : resolve(arrayBuffer(signature)))));
  },
  // Only what a handshake imports: a peer's raw public key, to verify with. It throws, as WebCrypto does, for a
  // key that is not a point on the curve.
  async importKey(format: string, keyData: unknown, params: unknown) {
    const key = format === 'raw' ? jwk(params as { name: string; namedCurve?: string }, view(keyData as Bytes)) : undefined;
    if (!key) throw new TypeError('[swarmwire] identity-node: not a raw public key');
    return createPublicKey({ key, format: 'jwk' }) as unknown as CryptoKey; // handed back only to verify() below
  },
  verify(params, key, signature, data) {
    const { digest, key: options } = keyOptions(params as Params, key instanceof KeyObject ? key : KeyObject.from(key));
    return new Promise((resolve) => {
      try {
        verify(digest, view(data), options, view(signature), (error, ok) => resolve(!error && ok));
      } catch {
        resolve(false); // a malformed signature
      }
    });
  },
  // Made once per identity, not per handshake: WebCrypto's, whose keys sign() above takes.
  generateKey: crypto.subtle.generateKey.bind(crypto.subtle),
  exportKey: crypto.subtle.exportKey.bind(crypto.subtle),
} as IdentityCrypto;

/** Makes the handshakes in this process use node:crypto (idempotent). */
export function useNodeIdentityCrypto(): void {
  useIdentityCrypto(nodeIdentityCrypto);
}
