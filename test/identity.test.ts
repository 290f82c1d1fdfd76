// Node identities: ids derived from keys, the four-step handshake that proves them, where they are kept, and the
// attacks they exist for — a stolen id, a replayed Hello, a forged proof, a pinned peer that is someone else.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryPair, type MemoryTransport } from '../src/transport/memory.js';
import type { CloseInfo } from '../src/transport/transport.js';
import { connectSession } from '../src/session/connect.js';
import { SessionHost } from '../src/session/host.js';
import type { Session } from '../src/session/session.js';
import { createIdentity, deriveNodeId, type Identity, KeyAlgorithmId } from '../src/session/identity.js';
import { exportIdentity, fileIdentityStore, importIdentity, loadIdentity, storageIdentityStore } from '../src/session/identity-store.js';
import { decodeBody, decodeFrames, encodeFrame, type Frame } from '../src/wire/frame.js';
import { MessageType, Status } from '../src/wire/constants.js';
import { pack, unpack } from '../src/wire/payload.js';
import { idHex } from '../src/wire/node-id.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const quiet = { heartbeatIntervalMs: 0 } as const;

/** A host and a way to dial it over memory pairs. */
async function hostRig(options: ConstructorParameters<typeof SessionHost>[0] = {}) {
  const host = new SessionHost({ ...quiet, identity: await createIdentity(), ...options });
  cleanups.push(() => host.close());
  const dial = (): MemoryTransport => {
    const [a, b] = memoryPair();
    host.accept(b).catch(() => {});
    return a;
  };
  return { host, dial };
}

/** A raw peer on one transport: what it receives, and how its transport closed. */
function raw(transport: MemoryTransport) {
  const got: Frame[] = [];
  transport.on('message', (bytes) => got.push(...decodeFrames(bytes.slice())));
  const closed = new Promise<CloseInfo>((resolve) => transport.on('close', resolve));
  const next = async (count = got.length + 1): Promise<Frame> => {
    const end = Date.now() + 5_000;
    while (got.length < count) {
      if (Date.now() > end) throw new Error('no frame in time');
      await new Promise((r) => setTimeout(r, 2));
    }
    return got[count - 1]!;
  };
  return { got, closed, next, send: (type: number, payload?: Uint8Array) => transport.send(encodeFrame({ type: type as MessageType, payload })) };
}

/** A Hello of `identity` (or of someone claiming to be it), as bytes. */
const helloOf = (identity: Identity, over: Record<string, unknown> = {}) => pack({
  version: 2, minVersion: 2, nodeId: identity.id, role: 'edge', capabilities: [], features: 0, maxPayload: 1 << 20,
  metadata: {}, alg: KeyAlgorithmId[identity.algorithm], key: identity.publicKey, nonce: crypto.getRandomValues(new Uint8Array(32)), ...over,
});

const until = async (what: () => boolean): Promise<void> => {
  const end = Date.now() + 5_000;
  while (!what()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('identities', () => {
  it('derive the node id from the key: the first 16 bytes of SHA-256(alg ‖ key), for Ed25519 and P-256', async () => {
    for (const algorithm of ['Ed25519', 'P-256'] as const) {
      const identity = await createIdentity({ algorithm });
      expect(identity.publicKey).toHaveLength(algorithm === 'Ed25519' ? 32 : 65);
      const expected = createHash('sha256').update(Buffer.from([KeyAlgorithmId[algorithm]])).update(identity.publicKey).digest().subarray(0, 16);
      expect(Buffer.from(identity.id).equals(expected)).toBe(true);
      expect(identity.idHex).toBe(expected.toString('hex'));
      expect(await deriveNodeId(algorithm, identity.publicKey)).toEqual(identity.id);
    }
  });

  it('export and import as bytes: the same id, a key that still signs, and a clear error for a bad record', async () => {
    const identity = await createIdentity({ extractable: true });
    const again = await importIdentity(await exportIdentity(identity));
    expect(again.idHex).toBe(identity.idHex);
    const signature = await again.sign(new Uint8Array([1, 2, 3]));
    const verifyKey = await crypto.subtle.importKey('raw', identity.publicKey.slice(), { name: 'Ed25519' }, false, ['verify']);
    expect(await crypto.subtle.verify({ name: 'Ed25519' }, verifyKey, signature.slice(), new Uint8Array([1, 2, 3]))).toBe(true);
    await expect(importIdentity({ algorithm: 'RSA' as never, privateKey: new Uint8Array(1), publicKey: new Uint8Array(1) })).rejects.toThrow(TypeError);
    // A non-extractable identity cannot be written out: the store asks for an extractable one.
    await expect(exportIdentity(await createIdentity())).rejects.toThrow();
  });

  it('persist in a file (mode 0600) and in key-value storage: a restarted node keeps its id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'swarmwire-id-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'node.key');
    const first = await loadIdentity(fileIdentityStore(path));
    const second = await loadIdentity(fileIdentityStore(path));
    expect(second.idHex).toBe(first.idHex);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ algorithm: first.algorithm, id: first.idHex });
    // the loaded private key is not extractable again
    await expect(crypto.subtle.exportKey('pkcs8', second.keys.privateKey)).rejects.toThrow();
    await writeFile(path, 'not json');
    await expect(loadIdentity(fileIdentityStore(path))).rejects.toThrow(TypeError);

    // A path in folders that do not exist yet (a first `swarmwire relay --identity keys/relay.key`): made, 0700.
    const nested = join(dir, 'keys', 'relays', 'node.key');
    const made = await loadIdentity(fileIdentityStore(nested));
    expect((await loadIdentity(fileIdentityStore(nested))).idHex).toBe(made.idHex);
    expect((await stat(join(dir, 'keys', 'relays'))).mode & 0o777).toBe(0o700);
    expect((await stat(nested)).mode & 0o777).toBe(0o600);

    const kv = new Map<string, unknown>();
    const storage = { get: async <T>(k: string) => kv.get(k) as T | undefined, put: async (k: string, v: unknown) => void kv.set(k, v) };
    const a = await loadIdentity(storageIdentityStore(storage));
    const b = await loadIdentity(storageIdentityStore(storage));
    expect(b.idHex).toBe(a.idHex);
    expect(kv.has('swarmwire:identity')).toBe(true);
  });
});

describe('the handshake', () => {
  it('opens between Ed25519 and P-256 nodes, both ways: each side knows the other by the id its key proves', async () => {
    for (const [mine, theirs] of [['Ed25519', 'P-256'], ['P-256', 'Ed25519']] as const) {
      const { host, dial } = await hostRig({ identity: await createIdentity({ algorithm: theirs }) });
      const identity = await createIdentity({ algorithm: mine });
      const session = await connectSession(dial, { ...quiet, identity });
      cleanups.push(() => session.close());
      expect(session.peer!.id).toBe((await host.identity()).idHex);
      await until(() => host.sessions.has(identity.idHex));
      expect(host.sessions.get(identity.idHex)!.peer!.hello.alg).toBe(KeyAlgorithmId[mine]);
    }
  });

  it('when connect resolves the other side has the session: a frame sent to it at once is delivered', async () => {
    const { host, dial } = await hostRig();
    const identity = await createIdentity();
    const session = await connectSession(dial, { ...quiet, identity });
    cleanups.push(() => session.close());
    expect(host.sessions.get(identity.idHex)?.state).toBe('open'); // not a moment later: now
  });

  it('refuses a peer that claims another node id with its own key (Unauthorized, 1008), and the real node keeps its session', async () => {
    const { host, dial } = await hostRig();
    const victim = await createIdentity();
    const real = await connectSession(dial, { ...quiet, identity: victim });
    cleanups.push(() => real.close());
    const attacker = await createIdentity();
    const [a, b] = memoryPair();
    const accepted = host.accept(b);
    accepted.catch(() => {});
    const peer = raw(a);
    peer.send(MessageType.Hello, helloOf(attacker, { nodeId: victim.id }));
    const answer = await peer.next();
    expect(answer.type).toBe(MessageType.Error);
    expect(decodeBody(answer)).toMatchObject({ status: Status.Unauthorized, message: expect.stringContaining('not the id of the key') });
    expect((await peer.closed).code).toBe(1008);
    await expect(accepted).rejects.toMatchObject({ code: 'SW_ERR_IDENTITY' });
    expect(real.state).toBe('open');
    expect(host.sessions.get(victim.idHex)!.state).toBe('open');
  });

  it('an impostor with the victim\'s public key gets a HelloAck but cannot prove it: Error, close, and nothing meant for the victim', async () => {
    const { host, dial } = await hostRig();
    const victim = await createIdentity();
    const real = await connectSession(dial, { ...quiet, identity: victim });
    cleanups.push(() => real.close());
    const realInbox: unknown[] = [];
    real.on('frame', (f) => realInbox.push(decodeBody(f)));
    const [a, b] = memoryPair();
    const accepted = host.accept(b);
    accepted.catch(() => {});
    const impostor = raw(a);
    impostor.send(MessageType.Hello, helloOf(victim)); // the victim's id and key, both public
    const ack = await impostor.next();
    expect(ack.type).toBe(MessageType.HelloAck);
    const forger = await createIdentity();
    impostor.send(MessageType.HelloProof, pack({ proof: await forger.sign(new Uint8Array(32)) }));
    // Meanwhile the host sends the victim something: it must reach the victim, and only the victim.
    host.sessions.get(victim.idHex)!.send({ type: MessageType.Event, ack: true, body: 'for the victim' });
    const refusal = await impostor.next(2);
    expect(refusal.type).toBe(MessageType.Error);
    expect(decodeBody(refusal)).toMatchObject({ status: Status.Unauthorized, message: expect.stringContaining('does not prove the key') });
    expect((await impostor.closed).code).toBe(1008);
    await expect(accepted).rejects.toMatchObject({ code: 'SW_ERR_IDENTITY' });
    await until(() => realInbox.length === 1);
    expect(realInbox).toEqual(['for the victim']);
    expect(impostor.got.map((f) => f.type)).toEqual([MessageType.HelloAck, MessageType.Error]);
    expect(real.state).toBe('open');
  });

  it('a recorded Hello and HelloProof replayed on a new connection get nothing: the HelloAck carries a fresh nonce', async () => {
    const { host } = await hostRig();
    const victim = await createIdentity();
    // Record the victim's side of a real handshake.
    const [a1, b1] = memoryPair();
    const recorded: Frame[] = [];
    b1.on('message', (bytes) => recorded.push(...decodeFrames(bytes.slice())));
    const first = host.accept(b1);
    const session = await connectSession(() => a1, { ...quiet, identity: victim, reconnect: false });
    await first;
    session.close();
    await until(() => !host.sessions.has(victim.idHex) || host.sessions.get(victim.idHex)!.state === 'closed');
    const hello = recorded.find((f) => f.type === MessageType.Hello)!;
    const proof = recorded.find((f) => f.type === MessageType.HelloProof)!;
    // Replay them.
    const [a2, b2] = memoryPair();
    const replayed = host.accept(b2);
    replayed.catch(() => {});
    const attacker = raw(a2);
    attacker.send(MessageType.Hello, hello.payload);
    expect((await attacker.next()).type).toBe(MessageType.HelloAck);
    attacker.send(MessageType.HelloProof, proof.payload);
    expect(decodeBody(await attacker.next(2))).toMatchObject({ status: Status.Unauthorized });
    await expect(replayed).rejects.toMatchObject({ code: 'SW_ERR_IDENTITY' });
    expect(host.sessions.get(victim.idHex)?.state ?? 'closed').toBe('closed');
  });

  it('the dialling side refuses a responder whose proof does not hold, or that is not the node it pinned', async () => {
    // A forged HelloAck: a responder claiming a key it does not hold.
    const stolen = await createIdentity();
    const [a, b] = memoryPair();
    const server = raw(b);
    const dialling = connectSession(() => a, { ...quiet, reconnect: false });
    const helloFrame = await server.next();
    expect(helloFrame.type).toBe(MessageType.Hello);
    server.send(MessageType.HelloAck, pack({ ...unpack<object>(helloOf(stolen, { role: 'relay' })), proof: new Uint8Array(64) }));
    await expect(dialling).rejects.toMatchObject({ code: 'SW_ERR_IDENTITY', status: Status.Unauthorized });
    expect(decodeBody(await server.next(2))).toMatchObject({ status: Status.Unauthorized });

    // A real responder, but not the one this side pinned.
    const { dial } = await hostRig();
    const expected = await createIdentity();
    await expect(connectSession(dial, { ...quiet, expectPeer: expected.id, reconnect: false }))
      .rejects.toMatchObject({ code: 'SW_ERR_IDENTITY', message: expect.stringContaining(`expected node ${expected.idHex}`) });
  });

  it('refuses Hellos of the old version and unknown key algorithms with UnsupportedVersion', async () => {
    const { host } = await hostRig();
    const someone = await createIdentity();
    for (const [over, message] of [
      [{ version: 1, minVersion: 1 }, 'no common protocol version'],
      [{ alg: 9 }, 'unknown key algorithm 9'],
    ] as const) {
      const [a, b] = memoryPair();
      host.accept(b).catch(() => {});
      const peer = raw(a);
      peer.send(MessageType.Hello, helloOf(someone, over));
      expect(decodeBody(await peer.next())).toMatchObject({ status: Status.UnsupportedVersion, message: expect.stringContaining(message) });
      expect((await peer.closed).code).toBe(1008);
    }
  });

  it('anything but HelloProof after the HelloAck is a protocol error, and nothing sent before the proof is delivered', async () => {
    const { host } = await hostRig();
    const identity = await createIdentity();
    const delivered: Session[] = [];
    host.onSession((s) => delivered.push(s));
    const [a, b] = memoryPair();
    const accepted = host.accept(b);
    accepted.catch(() => {});
    const peer = raw(a);
    peer.send(MessageType.Hello, helloOf(identity));
    await peer.next();
    peer.send(MessageType.Event, pack('sneaked in before the proof'));
    expect(decodeBody(await peer.next(2))).toMatchObject({ status: Status.InvalidFrame, message: expect.stringContaining('expected HelloProof') });
    expect((await peer.closed).code).toBe(1002);
    expect(delivered).toHaveLength(0);
    expect(host.sessions.size).toBe(0);
  });

  it('a session is known by the id its key proves, whatever it was asked to be called', async () => {
    const { host, dial } = await hostRig();
    const identity = await createIdentity();
    const session = await connectSession(dial, { ...quiet, identity, metadata: { name: idHex(new Uint8Array(16).fill(7)) } });
    cleanups.push(() => session.close());
    expect([...host.sessions.keys()]).toEqual([identity.idHex]);
  });
});
