// Node ids: 16 bytes on the wire, 32 lowercase hex digits in maps and APIs.
import { meshError, MeshErrorCode } from './errors.js';

export { idHex } from '../wire/node-id.js';

/** The 16 bytes of a node id given as bytes or 32 hex digits. Throws MeshError BAD_ARGUMENT otherwise. */
export function idBytes(id: string | Uint8Array): Uint8Array {
  if (id instanceof Uint8Array) {
    if (id.length === 16) return id;
  } else if (/^[0-9a-f]{32}$/i.test(id)) {
    const out = new Uint8Array(16);
    for (let i = 0; i < 16; i++) out[i] = parseInt(id.slice(i * 2, i * 2 + 2), 16);
    return out;
  }
  throw meshError(MeshErrorCode.BAD_ARGUMENT, 'a node id is 16 bytes or 32 hex digits');
}

/** A new random node id. */
export function randomId(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(16));
}
