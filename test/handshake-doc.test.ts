// docs/protocol.md's handshake is real: its four frames decode, each node id is its key's, each proof verifies over
// the transcript the text gives — and the implementation follows the same rules (a responder written from the
// text is accepted by InitiatorHandshake, whose proof verifies by the text's rule).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InitiatorHandshake } from '../src/session/handshake.js';
import { createIdentity, deriveNodeId, useIdentityCrypto, verifySignature } from '../src/session/identity.js';
import { nodeIdentityCrypto } from '../src/session/identity-node.js';
import { MessageType } from '../src/wire/constants.js';
import { decodeFrame, encodeFrame } from '../src/wire/frame.js';
import { parseHello, parseHelloDone } from '../src/wire/hello.js';
import { pack, unpack } from '../src/wire/payload.js';

const doc = readFileSync(new URL('../docs/protocol.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('### Handshake'), doc.indexOf('## Sessions'));
const sha = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest();
const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
const RESPONDER = 'swarmwire/2 HelloAck proof\n';
const INITIATOR = 'swarmwire/2 HelloProof\n';

/** The frames of the section's hex blocks: hex groups before the comment column, one frame per block. */
function frames(): Uint8Array[] {
  const blocks = [...section.matchAll(/```\n(4d4c4e4b[\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.map((block) => Uint8Array.from(Buffer.from(block.split('\n').map((line) => line.slice(0, 71).replace(/\s+/g, '')).join(''), 'hex')));
}

// Both sets of primitives: WebCrypto (every runtime) and node:crypto (a Node relay, identity-node.ts) must give and
// take the same bytes.
describe.each([['WebCrypto', crypto.subtle], ['node:crypto', nodeIdentityCrypto]] as const)('with %s', (_, primitives) => {
  beforeAll(() => useIdentityCrypto(primitives));
  afterAll(() => useIdentityCrypto(crypto.subtle));

  it('the handshake of docs/protocol.md decodes, and its ids and proofs hold by the rules it states', async () => {
    const [hello, ack, proof, done] = frames().map((bytes) => decodeFrame(bytes)) as [ReturnType<typeof decodeFrame>, ...ReturnType<typeof decodeFrame>[]];
    expect([hello, ack, proof, done].map((f) => f!.type)).toEqual([MessageType.Hello, MessageType.HelloAck, MessageType.HelloProof, MessageType.HelloDone]);
    const h = parseHello(unpack(hello.payload));
    const a = parseHello(unpack(ack!.payload));
    expect([h.version, h.alg, a.alg]).toEqual([2, 1, 1]);
    expect(h.nonce).toEqual(new Uint8Array(32).fill(0xa1));
    for (const side of [h, a]) expect(await deriveNodeId('Ed25519', side.key)).toEqual(side.nodeId);
    expect(Buffer.from(h.nodeId).toString('hex')).toBe('225455f8723545755d6790616ea3636a');
    expect(await verifySignature('Ed25519', a.key, a.proof!, Buffer.concat([utf8(RESPONDER), sha(hello.payload)]))).toBe(true);
    const { proof: p } = unpack<{ proof: Uint8Array }>(proof!.payload);
    expect(await verifySignature('Ed25519', h.key, p, Buffer.concat([utf8(INITIATOR), sha(hello.payload), sha(ack!.payload)]))).toBe(true);
    // One byte of the Hello changed, and the relay's proof no longer covers it.
    const tampered = hello.payload.slice();
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
    expect(await verifySignature('Ed25519', a.key, a.proof!, Buffer.concat([utf8(RESPONDER), sha(tampered)]))).toBe(false);
    expect(parseHelloDone(unpack(done!.payload))).toEqual({ session: 0x8c3e51d7 });
  });

  it('the implementation follows the documented transcript, for both algorithms', async () => {
    for (const algorithm of ['Ed25519', 'P-256'] as const) {
      const node = await createIdentity({ algorithm });
      const relay = await createIdentity({ algorithm });
      const handshake = new InitiatorHandshake(node, { role: 'edge', capabilities: [], features: 0, maxPayload: 1 << 20, metadata: {} });
      const helloPayload = handshake.hello();
      // A responder written from the text alone.
      const ackPayload = pack({
        version: 2, minVersion: 2, nodeId: relay.id, role: 'relay', capabilities: [], features: 0, maxPayload: 1 << 20, metadata: {},
        alg: algorithm === 'Ed25519' ? 1 : 2, key: relay.publicKey, nonce: new Uint8Array(32).fill(9), session: 3,
        proof: await relay.sign(Buffer.concat([utf8(RESPONDER), sha(helloPayload)])),
      });
      const { proof } = await handshake.reply(MessageType.HelloAck, ackPayload);
      const signature = unpack<{ proof: Uint8Array }>(proof).proof;
      expect(await verifySignature(algorithm, node.publicKey, signature, Buffer.concat([utf8(INITIATOR), sha(helloPayload), sha(ackPayload)]))).toBe(true);
      // HelloDone names the responder's session; a HelloAck's `session` (said before the proof) is not taken.
      const peer = handshake.done(MessageType.HelloDone, pack({ session: 7 }));
      expect([peer.nodeId, peer.session]).toEqual([relay.id, 7]);
      expect(decodeFrame(encodeFrame({ type: MessageType.HelloDone })).payloadLength).toBe(0);
    }
  });
});
