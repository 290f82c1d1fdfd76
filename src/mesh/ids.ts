// Node ids: 16 bytes on the wire, 32 lowercase hex digits in maps and APIs.
import { meshError, MeshErrorCode } from './errors.js';

import { idHex } from '../wire/node-id.js';

export { idHex };

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

const KEY = /^[0-9a-f]{32}$/;

/**
 * The id as maps key it: 32 lowercase hex digits. An id given in that form is returned as it is: every frame a node
 * sends names its destination so, and taking it through bytes and back (a string built of 16 pieces, hashed again by
 * every map it meets) was most of a mesh call's cost of its own: ~1.7× slower calls (bench swarm). Throws MeshError
 * BAD_ARGUMENT as idBytes does.
 */
export function idKey(id: string | Uint8Array): string {
  return typeof id === 'string' && KEY.test(id) ? id : idHex(idBytes(id));
}

/** A new random node id. */
export function randomId(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(16));
}
