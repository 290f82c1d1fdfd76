// identity-node.ts against WebCrypto: the same digests, the same Ed25519 signatures byte for byte, ECDSA P-256
// signatures each side accepts from the other, and the same refusals of keys and signatures that are not what
// they claim. A relay on Node (startRelay) makes the handshake's calls through node:crypto while its peers in
// browsers use WebCrypto, so any difference would refuse honest peers or accept forged ones.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIdentity, type IdentityCrypto, type KeyAlgorithm, sha256, useIdentityCrypto, verifySignature } from '../src/session/identity.js';
import { nodeIdentityCrypto as node } from '../src/session/identity-node.js';

const web = crypto.subtle;
const bytes = (n: number, seed: number): Uint8Array<ArrayBuffer> => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const SIGN = { 'Ed25519': { name: 'Ed25519' }, 'P-256': { name: 'ECDSA', hash: 'SHA-256' } } as const;
const KEY = { 'Ed25519': { name: 'Ed25519' }, 'P-256': { name: 'ECDSA', namedCurve: 'P-256' } } as const;
const ALGORITHMS = ['Ed25519', 'P-256'] as const satisfies readonly KeyAlgorithm[];
const importPublic = (via: IdentityCrypto, algorithm: KeyAlgorithm, raw: Uint8Array<ArrayBuffer>) => via.importKey('raw', raw, KEY[algorithm], false, ['verify']);

afterEach(() => useIdentityCrypto(web));

describe('node:crypto identities give and take the bytes WebCrypto does', () => {
  it('SHA-256: the same digest, for empty, short and long input and a view into a larger buffer; nothing else', async () => {
    for (const input of [new Uint8Array(0), bytes(3, 1), bytes(1000, 7), bytes(64, 2).subarray(5, 50)]) {
      expect(new Uint8Array(await node.digest('SHA-256', input))).toEqual(new Uint8Array(await web.digest('SHA-256', input)));
    }
    await expect(node.digest('SHA-1', bytes(3, 1))).rejects.toThrow(TypeError);
  });

  it('Ed25519: byte-identical signatures (the algorithm is deterministic), and each checks the other\'s', async () => {
    const id = await createIdentity({ algorithm: 'Ed25519' });
    const data = bytes(200, 3);
    const fromNode = new Uint8Array(await node.sign(SIGN['Ed25519'], id.keys.privateKey, data));
    const fromWeb = new Uint8Array(await web.sign(SIGN['Ed25519'], id.keys.privateKey, data));
    expect(fromNode).toEqual(fromWeb);
    expect(fromNode.length).toBe(64);
    expect(await node.verify(SIGN['Ed25519'], await importPublic(node, 'Ed25519', id.publicKey as Uint8Array<ArrayBuffer>), fromWeb, data)).toBe(true);
    expect(await web.verify(SIGN['Ed25519'], await importPublic(web, 'Ed25519', id.publicKey as Uint8Array<ArrayBuffer>), fromNode, data)).toBe(true);
  });

  it('signs with node:crypto for an extractable key, and in WebCrypto for a non-extractable one (Node 24 deprecates converting those): the same bytes', async () => {
    const data = bytes(100, 9);
    const extractable = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const kept = await createIdentity({ algorithm: 'Ed25519' });
    expect([extractable.privateKey.extractable, kept.keys.privateKey.extractable]).toEqual([true, false]);
    for (const key of [extractable.privateKey, kept.keys.privateKey]) {
      expect(new Uint8Array(await node.sign(SIGN['Ed25519'], key, data))).toEqual(new Uint8Array(await web.sign(SIGN['Ed25519'], key, data)));
    }
  });

  it('identities made while it is installed keep a non-extractable private key and sign with node:crypto, not WebCrypto: the same bytes', async () => {
    useIdentityCrypto(node);
    const data = bytes(90, 4);
    for (const algorithm of ALGORITHMS) {
      const id = await createIdentity({ algorithm });
      expect([id.keys.privateKey.extractable, id.keys.publicKey.extractable]).toEqual([false, true]);
      await expect(web.exportKey('pkcs8', id.keys.privateKey)).rejects.toThrow();
      const webSign = vi.spyOn(crypto.subtle, 'sign');
      let signature: Uint8Array;
      try {
        signature = await id.sign(data);
        expect(webSign).not.toHaveBeenCalled();
      } finally {
        webSign.mockRestore();
      }
      // WebCrypto with the same CryptoKey: byte for byte for Ed25519, and each side checks the other's signature.
      if (algorithm === 'Ed25519') expect(signature).toEqual(new Uint8Array(await web.sign(SIGN[algorithm], id.keys.privateKey, data)));
      expect(await web.verify(SIGN[algorithm], await importPublic(web, algorithm, id.publicKey as Uint8Array<ArrayBuffer>), signature as Uint8Array<ArrayBuffer>, data)).toBe(true);
      expect(await verifySignature(algorithm, id.publicKey, signature, data)).toBe(true);
      // The id is derived from the public key as for any identity.
      const digest = new Uint8Array(await web.digest('SHA-256', Uint8Array.of(algorithm === 'Ed25519' ? 1 : 2, ...id.publicKey)));
      expect(id.id).toEqual(digest.slice(0, 16));
    }
    // An extractable one stays extractable (a store of bytes exports it).
    const stored = await createIdentity({ extractable: true });
    expect((await web.exportKey('pkcs8', stored.keys.privateKey)).byteLength).toBeGreaterThan(32);
  });

  it('P-256: 64-byte IEEE P1363 signatures that each side accepts from the other', async () => {
    const id = await createIdentity({ algorithm: 'P-256' });
    const data = bytes(120, 9);
    const fromNode = new Uint8Array(await node.sign(SIGN['P-256'], id.keys.privateKey, data));
    const fromWeb = new Uint8Array(await web.sign(SIGN['P-256'], id.keys.privateKey, data));
    expect([fromNode.length, fromWeb.length]).toEqual([64, 64]);
    expect(await web.verify(SIGN['P-256'], await importPublic(web, 'P-256', id.publicKey as Uint8Array<ArrayBuffer>), fromNode, data)).toBe(true);
    expect(await node.verify(SIGN['P-256'], await importPublic(node, 'P-256', id.publicKey as Uint8Array<ArrayBuffer>), fromWeb, data)).toBe(true);
  });

  it('refuses what WebCrypto refuses: points off the curve, compressed and short keys; a wrong or malformed signature is false', async () => {
    const p256 = (await createIdentity({ algorithm: 'P-256' })).publicKey;
    const offCurve = p256.slice();
    offCurve[40]! ^= 1;
    const compressed = p256.slice(0, 33);
    compressed[0] = 2;
    for (const key of [offCurve, p256.slice(0, 64)]) {
      await expect(importPublic(node, 'P-256', key)).rejects.toThrow();
      await expect(importPublic(web, 'P-256', key)).rejects.toThrow();
    }
    // WebCrypto on Node takes a compressed point; a Hello's key is never one (verifySignature wants 65 bytes first).
    await expect(importPublic(node, 'P-256', compressed)).rejects.toThrow();
    for (const primitives of [web, node]) {
      useIdentityCrypto(primitives);
      expect(await verifySignature('P-256', compressed, new Uint8Array(64), bytes(8, 1))).toBe(false);
    }
    await expect(importPublic(node, 'Ed25519', bytes(31, 1))).rejects.toThrow();
    for (const algorithm of ALGORITHMS) {
      const id = await createIdentity({ algorithm });
      const data = bytes(50, 4);
      const good = new Uint8Array(await node.sign(SIGN[algorithm], id.keys.privateKey, data));
      const key = await importPublic(node, algorithm, id.publicKey as Uint8Array<ArrayBuffer>);
      const flipped = good.slice();
      flipped[10]! ^= 1;
      for (const bad of [flipped, good.slice(0, 63), new Uint8Array(0), new Uint8Array(200)]) {
        expect(await node.verify(SIGN[algorithm], key, bad, data)).toBe(false);
      }
      expect(await node.verify(SIGN[algorithm], key, good, bytes(50, 5))).toBe(false);
    }
  });

  it('swapped in for the process: identities made before still sign the same bytes, and checks go through it', async () => {
    const before = await createIdentity({ algorithm: 'Ed25519' });
    const data = bytes(80, 6);
    const expected = new Uint8Array(await web.sign(SIGN['Ed25519'], before.keys.privateKey, data));
    const calls: string[] = [];
    useIdentityCrypto({
      digest: (...a) => (calls.push('digest'), node.digest(...a)),
      sign: (...a) => (calls.push('sign'), node.sign(...a)),
      importKey: ((...a: Parameters<typeof node.importKey>) => (calls.push('importKey'), node.importKey(...a))) as typeof node.importKey,
      verify: (...a) => (calls.push('verify'), node.verify(...a)),
      generateKey: node.generateKey,
      exportKey: node.exportKey,
    });
    expect(await before.sign(data)).toEqual(expected);
    expect(await sha256(data)).toEqual(new Uint8Array(await web.digest('SHA-256', data)));
    expect(await verifySignature('Ed25519', before.publicKey, expected, data)).toBe(true);
    expect(await verifySignature('Ed25519', before.publicKey, expected, bytes(80, 7))).toBe(false);
    expect(new Set(calls)).toEqual(new Set(['sign', 'digest', 'importKey', 'verify']));
  });
});
