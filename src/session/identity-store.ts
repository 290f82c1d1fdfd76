// Keeping a node's identity across restarts, so it keeps its node id: in a file (Node and Deno relays and nodes),
// in IndexedDB (browsers: the key pair itself, its private key never extractable), or in any async key-value
// storage (a Durable Object's). loadIdentity() loads what a store holds, or makes a new identity and stores it.
import { createIdentity, type Identity, type IdentityOptions, identityFromKeys, type KeyAlgorithm } from './identity.js';

/** Where an identity is kept. */
export interface IdentityStore {
  /** The identity kept here, or undefined when there is none yet. */
  load(): Promise<Identity | undefined>;
  /** Keeps `identity` (made by loadIdentity with `extractable` as this store says). */
  save(identity: Identity): Promise<void>;
  /** Whether the store keeps keys as bytes, so a new identity must be made extractable to be saved. */
  readonly extractable: boolean;
}

/** An identity as bytes: its algorithm, the private key as PKCS #8 and the raw public key. */
export interface IdentityRecord {
  algorithm: KeyAlgorithm;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/**
 * The identity kept in `store`, or a new one (with `options`) that is then kept there. Throws what the store
 * throws (a file that cannot be read or written; a record that is not an identity: TypeError).
 */
export async function loadIdentity(store: IdentityStore, options: Readonly<Partial<Omit<IdentityOptions, 'extractable'>>> = {}): Promise<Identity> {
  const kept = await store.load();
  if (kept) return kept;
  const identity = await createIdentity({ ...options, extractable: store.extractable });
  await store.save(identity);
  // A store of bytes has the key now: the identity in use holds it non-extractable from here on.
  return store.extractable ? (await store.load()) ?? identity : identity;
}

const ALGORITHMS = {
  'Ed25519': { name: 'Ed25519' },
  'P-256': { name: 'ECDSA', namedCurve: 'P-256' },
} as const;

/** The identity as bytes. Throws when its private key is not extractable (createIdentity({ extractable: true })). */
export async function exportIdentity(identity: Identity): Promise<IdentityRecord> {
  const privateKey = new Uint8Array(await crypto.subtle.exportKey('pkcs8', identity.keys.privateKey));
  return { algorithm: identity.algorithm, privateKey, publicKey: identity.publicKey.slice() };
}

/** The identity of a record made by exportIdentity; its private key is not extractable again. Throws TypeError for a bad record. */
export async function importIdentity(record: Readonly<IdentityRecord>): Promise<Identity> {
  const params = ALGORITHMS[record.algorithm];
  if (!params || !(record.privateKey instanceof Uint8Array) || !(record.publicKey instanceof Uint8Array)) {
    throw new TypeError('[swarmwire] not an identity record: { algorithm: "Ed25519" | "P-256", privateKey, publicKey }');
  }
  const privateKey = await crypto.subtle.importKey('pkcs8', record.privateKey.slice(), params, false, ['sign']);
  const publicKey = await crypto.subtle.importKey('raw', record.publicKey.slice(), params, true, ['verify']);
  return identityFromKeys({ privateKey, publicKey });
}

/** The async key-value storage storageIdentityStore needs (a Durable Object's `state.storage` is one). */
export interface KeyValueStorage {
  get<T = unknown>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
}

/** A store in async key-value storage (a Durable Object's `state.storage`), under `key`. Default key: 'swarmwire:identity'. */
export function storageIdentityStore(storage: KeyValueStorage, key = 'swarmwire:identity'): IdentityStore {
  return {
    extractable: true,
    async load() {
      const record = await storage.get<IdentityRecord>(key);
      return record ? importIdentity(record) : undefined;
    },
    async save(identity) {
      await storage.put(key, await exportIdentity(identity));
    },
  };
}

const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: unknown): Uint8Array => {
  if (typeof text !== 'string') throw new TypeError('[swarmwire] identity file: keys must be base64 strings');
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
};

/**
 * A store in a file (Node, Deno): JSON with the algorithm and both keys in base64, written with mode 0600 (owner
 * only) through a temporary file and a rename, so a crash never leaves half a key. The directory must exist.
 */
export function fileIdentityStore(path: string): IdentityStore {
  return {
    extractable: true,
    async load() {
      const fs = await import('node:fs/promises');
      let text: string;
      try {
        text = await fs.readFile(path, 'utf8');
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') return undefined;
        throw error;
      }
      let json: { algorithm?: KeyAlgorithm; privateKey?: unknown; publicKey?: unknown };
      try {
        json = JSON.parse(text) as typeof json;
      } catch {
        throw new TypeError(`[swarmwire] ${path} is not an identity file (not JSON)`);
      }
      return importIdentity({ algorithm: json.algorithm!, privateKey: fromBase64(json.privateKey), publicKey: fromBase64(json.publicKey) });
    },
    async save(identity) {
      const fs = await import('node:fs/promises');
      const record = await exportIdentity(identity);
      const text = JSON.stringify({ algorithm: record.algorithm, privateKey: toBase64(record.privateKey), publicKey: toBase64(record.publicKey), id: identity.idHex }, null, 2);
      const temporary = `${path}.${identity.idHex.slice(0, 8)}.tmp`;
      // `--identity keys/relay.key` on a first run: make the folders, readable by this user alone as the key is
      // (before, the write failed with ENOENT on the temporary file, a name the user never gave).
      // (The folder cut by hand: node:path would be one more Node module for the browser builds to stand in for.)
      const folder = path.slice(0, Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')));
      if (folder) await fs.mkdir(folder, { recursive: true, mode: 0o700 });
      await fs.writeFile(temporary, `${text}\n`, { mode: 0o600 });
      await fs.rename(temporary, path);
    },
  };
}

/**
 * A store in the browser's IndexedDB (database `database`, one object store): the CryptoKeyPair itself, so the
 * private key stays non-extractable — script on the page can use it to sign, never read it.
 * Default database: 'swarmwire'; default key: 'identity'.
 */
export function indexedDbIdentityStore(database = 'swarmwire', key = 'identity'): IdentityStore {
  const STORE = 'identities';
  const open = (): Promise<IDBDatabase> => new Promise((resolve, reject) => {
    const request = indexedDB.open(database, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const run = async <T>(mode: IDBTransactionMode, op: (store: IDBObjectStore) => IDBRequest): Promise<T> => {
    const db = await open();
    try {
      return await new Promise<T>((resolve, reject) => {
        const request = op(db.transaction(STORE, mode).objectStore(STORE));
        request.onsuccess = () => resolve(request.result as T);
        request.onerror = () => reject(request.error);
      });
    } finally {
      db.close();
    }
  };
  return {
    extractable: false,
    async load() {
      const keys = await run<CryptoKeyPair | undefined>('readonly', (s) => s.get(key));
      return keys ? identityFromKeys(keys) : undefined;
    },
    async save(identity) {
      await run('readwrite', (s) => s.put(identity.keys, key));
    },
  };
}
