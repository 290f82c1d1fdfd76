// Browser side of e2e/identity.e2e.test.ts: a key pair kept in IndexedDB (its private key never extractable), and
// handshakes with a Node relay from Ed25519 and P-256 identities.
import { type KeyAlgorithm, connectSession, connectWebSocket, createIdentity, indexedDbIdentityStore, loadIdentity } from 'swarmwire';
import { idHex } from 'swarmwire/wire';

const supportsEd25519 = (): Promise<boolean> => crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign']).then(() => true, () => false);

/** The identity kept in IndexedDB under `database` (made on the first call): its id, and whether its key could leave. */
export async function keep(database: string): Promise<{ id: string; algorithm: string; extractable: boolean }> {
  const identity = await loadIdentity(indexedDbIdentityStore(database));
  let extractable = true;
  try {
    await crypto.subtle.exportKey('pkcs8', identity.keys.privateKey);
  } catch {
    extractable = false;
  }
  return { id: identity.idHex, algorithm: identity.algorithm, extractable };
}

/** Connects to the relay at `wsUrl` as the kept identity (or a new one of `algorithm`); the ids both sides proved. */
export async function connect(wsUrl: string, how: { database?: string; algorithm?: KeyAlgorithm }): Promise<{ me: string; relay: string; ed25519: boolean }> {
  const identity = how.database ? await loadIdentity(indexedDbIdentityStore(how.database)) : await createIdentity({ algorithm: how.algorithm });
  const session = await connectSession(() => connectWebSocket(wsUrl), { identity, heartbeatIntervalMs: 0, reconnect: false });
  const result = { me: session.nodeId ? idHex(session.nodeId) : '', relay: session.peer!.id, ed25519: await supportsEd25519() };
  session.close();
  return result;
}
