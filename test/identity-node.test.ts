// identity-node.ts against identity.ts's WebCrypto: the same digests, the same Ed25519 signatures byte for byte,
// ECDSA P-256 signatures each side accepts from the other, and the same refusals of keys and signatures that are
// not what they claim. A relay on Node (startRelay) hashes, signs and checks with node:crypto while its peers in
// browsers use WebCrypto, so any difference would refuse honest peers or accept forged ones.
import { afterEach, describe, expect, it } from 'vitest';
import { createIdentity, type KeyAlgorithm, sha256, useIdentityCrypto, verifySignature, webIdentityCrypto } from '../src/session/identity.js';
import { nodeIdentityCrypto as node } from '../src/session/identity-node.js';

const web = webIdentityCrypto;
const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

afterEach(() => useIdentityCrypto(web));

describe('node:crypto identities give and take the bytes WebCrypto does', () => {
  it('SHA-256: the same digest, for empty, short and odd-length input and a view into a larger buffer', async () => {
    for (const input of [new Uint8Array(0), bytes(3, 1), bytes(1000, 7), bytes(64, 2).subarray(5, 50)]) {
      expect(await node.sha256(input)).toEqual(await web.sha256(input));
    }
  });

  it('Ed25519: byte-identical signatures (the algorithm is deterministic), and each checks the other\'s', async () => {
    const id = await createIdentity({ algorithm: 'Ed25519' });
    const data = bytes(200, 3);
    const fromNode = await node.sign('Ed25519', id.keys.privateKey, data);
    const fromWeb = await web.sign('Ed25519', id.keys.privateKey, data);
    expect(fromNode).toEqual(fromWeb);
    expect(fromNode.length).toBe(64);
    expect(await node.verify('Ed25519', node.importPublic('Ed25519', id.publicKey), fromWeb, data)).toBe(true);
    expect(await web.verify('Ed25519', await web.importPublic('Ed25519', id.publicKey), fromNode, data)).toBe(true);
  });

  it('P-256: 64-byte IEEE P1363 signatures that each side accepts from the other', async () => {
    const id = await createIdentity({ algorithm: 'P-256' });
    const data = bytes(120, 9);
    const fromNode = await node.sign('P-256', id.keys.privateKey, data);
    const fromWeb = await web.sign('P-256', id.keys.privateKey, data);
    expect([fromNode.length, fromWeb.length]).toEqual([64, 64]);
    expect(await web.verify('P-256', await web.importPublic('P-256', id.publicKey), fromNode, data)).toBe(true);
    expect(await node.verify('P-256', node.importPublic('P-256', id.publicKey), fromWeb, data)).toBe(true);
  });

  it('refuses what WebCrypto refuses: points off the curve, compressed keys; a wrong or malformed signature is false', async () => {
    const p256 = await createIdentity({ algorithm: 'P-256' });
    const offCurve = p256.publicKey.slice();
    offCurve[40]! ^= 1;
    const compressed = p256.publicKey.slice();
    compressed[0] = 2;
    for (const key of [offCurve, compressed]) {
      expect(node.importPublic('P-256', key)).toBeUndefined();
      expect(await web.importPublic('P-256', key)).toBeUndefined();
    }
    for (const algorithm of ['Ed25519', 'P-256'] as const satisfies readonly KeyAlgorithm[]) {
      const id = await createIdentity({ algorithm });
      const data = bytes(50, 4);
      const good = await node.sign(algorithm, id.keys.privateKey, data);
      const key = node.importPublic(algorithm, id.publicKey);
      const flipped = good.slice();
      flipped[10]! ^= 1;
      for (const bad of [flipped, good.subarray(0, 63), new Uint8Array(0), new Uint8Array(200)]) {
        expect(await node.verify(algorithm, key, bad, data)).toBe(false);
      }
      expect(await node.verify(algorithm, key, good, bytes(50, 5))).toBe(false);
    }
  });

  it('swapped in for the process, identities made before still sign, and checks go through the node primitives', async () => {
    const before = await createIdentity({ algorithm: 'Ed25519' });
    const data = bytes(80, 6);
    const expected = await web.sign('Ed25519', before.keys.privateKey, data);
    useIdentityCrypto(node);
    expect(await before.sign(data)).toEqual(expected);
    expect(await sha256(data)).toEqual(await web.sha256(data));
    expect(await verifySignature('Ed25519', before.publicKey, expected, data)).toBe(true);
    expect(await verifySignature('Ed25519', before.publicKey, expected, bytes(80, 7))).toBe(false);
  });
});
