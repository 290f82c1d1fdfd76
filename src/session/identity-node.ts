// The handshake's WebCrypto calls (SHA-256, Ed25519 and ECDSA P-256 in IEEE P1363 form) made by node:crypto,
// behind crypto.subtle's shape (issue 17: a relay makes five per handshake, and in a connect storm WebCrypto's
// machinery around them cost more than the cryptography). Measured on Node 20 with 256 in flight: WebCrypto spends
// ~100–380 µs of the main thread per signature check around ~200 µs of work on the thread pool; node:crypto's
// callback form does the same work on the pool for ~50–130 µs of the main thread; done synchronously it would
// keep the main thread for all of it and leave the second core idle. So: signatures and checks on the pool by
// callback, SHA-256 (~10 µs) and key imports (~25 µs) in place; key pairs made here sign by callback even when their
// CryptoKey is not extractable. Node only: startRelay() installs it; browsers, Deno and workerd keep WebCrypto, and
// nothing outside swarmwire/node imports this file.
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type JsonWebKey, KeyObject, sign, verify } from 'node:crypto';
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

/**
 * Private keys as node:crypto takes them, one conversion per key (a relay signs with one key all its life): those
 * generateKey() below made (kept from birth, whether or not the CryptoKey is extractable) and extractable ones
 * converted on first use.
 */
const privateKeys = new WeakMap<CryptoKey, KeyObject>();

function privateKeyObject(key: CryptoKey): KeyObject | undefined {
  let out = privateKeys.get(key);
  if (!out && key.extractable) privateKeys.set(key, (out = KeyObject.from(key)));
  return out;
}

/**
 * A key pair as WebCrypto's generateKey() gives it, made by node:crypto so that its private key's KeyObject is
 * known here even when the CryptoKey is not extractable (a relay's own identity): its signatures then go to the
 * thread pool by callback. WebCrypto signing with a non-extractable key cost the CLI relay ~0.5 ms of its main
 * thread per handshake in a connect storm (a CPU profile of 2,000 connects: 1.1 s in crypto.subtle.sign), and
 * node:crypto cannot take such a key without KeyObject.from(), which Node 24 deprecates (DEP0204). Other key
 * types go to WebCrypto.
 */
async function generateKey(params: { name: string; namedCurve?: string }, extractable: boolean, usages: KeyUsage[]): Promise<CryptoKeyPair> {
  const curve = params.name === 'Ed25519' ? 'ed25519' : params.name === 'ECDSA' && params.namedCurve === 'P-256' ? 'P-256' : undefined;
  if (!curve || usages.some((u) => u !== 'sign' && u !== 'verify')) return crypto.subtle.generateKey(params as EcKeyGenParams, extractable, usages) as Promise<CryptoKeyPair>;
  const pair = await new Promise<{ privateKey: KeyObject }>((resolve, reject) => {
    const done = (error: Error | null, _: KeyObject, privateKey: KeyObject): void => (error ? reject(error) : resolve({ privateKey }));
    if (curve === 'ed25519') generateKeyPair('ed25519', {}, done);
    else generateKeyPair('ec', { namedCurve: 'P-256' }, done);
  });
  const jwkPrivate = pair.privateKey.export({ format: 'jwk' });
  const { d: _d, ...jwkPublic } = jwkPrivate;
  const algorithm = params as EcKeyImportParams;
  const privateKey = await crypto.subtle.importKey('jwk', jwkPrivate, algorithm, extractable, usages.filter((u) => u === 'sign'));
  const publicKey = await crypto.subtle.importKey('jwk', jwkPublic, algorithm, true, usages.filter((u) => u === 'verify'));
  // The KeyObject of the very key bytes WebCrypto holds (an import, so both sign alike).
  privateKeys.set(privateKey, createPrivateKey({ key: jwkPrivate, format: 'jwk' }));
  return { privateKey, publicKey };
}

export const nodeIdentityCrypto: IdentityCrypto = {
  async digest(algorithm, data) {
    if (algorithm !== 'SHA-256') throw new TypeError(`[swarmwire] identity-node: digest ${String(algorithm)}`);
    return arrayBuffer(createHash('sha256').update(view(data)).digest());
  },
  sign(params, key, data) {
    // node:crypto takes a CryptoKey only through KeyObject.from(), which Node 24 deprecates (DEP0204, a warning on
    // stderr) for a non-extractable key: one that generateKey() below did not make signs in WebCrypto.
    const object = privateKeyObject(key);
    if (!object) return crypto.subtle.sign(params as Params, key, data as BufferSource);
    const { digest, key: options } = keyOptions(params as Params, object);
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
  // Once per identity, not per handshake: CryptoKeys whose private KeyObject sign() above knows.
  generateKey: generateKey as IdentityCrypto['generateKey'],
  exportKey: crypto.subtle.exportKey.bind(crypto.subtle),
} as IdentityCrypto;

/** Makes the handshakes in this process use node:crypto (idempotent). */
export function useNodeIdentityCrypto(): void {
  useIdentityCrypto(nodeIdentityCrypto);
}
