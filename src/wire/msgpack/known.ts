// Maps whose keys the protocol fixes — control frames' bodies, as Ping's and Pong's `{ timestamp }` — described once
// by the literal that builds them. The decoder then compares each key's bytes in place and builds the object as that
// one literal, instead of reading each key as a string and adding it to an empty object, which cost a Ping's round
// trip more than its header (bench/frames.bench.mjs). Not a second codec: every value is read by the one reader, with
// the frame's policy and limits, and bytes that are not the known map's byte for byte (another key or order, one more
// field, a value that fails) are read the generic way from where they start — so a known map reads as exactly what
// the generic reader gives, errors included (test/msgpack-known.test.ts holds both to @msgpack/msgpack).
import type { KnownMap } from './decode.js';

export type { KnownMap } from './decode.js';

/**
 * The known map that `make` builds: `make(next)` must be one object literal whose every value is `next()`, e.g.
 * `(next) => ({ timestamp: next() })`; its keys (short ASCII strings, fewer than 16) are read off it once, here.
 */
export function knownMap(make: (next: () => unknown) => object): KnownMap {
  const keys = Object.keys(make(() => undefined));
  if (keys.length >= 16) throw new RangeError('a known map has fewer than 16 keys');
  const heads = keys.map((key, i) => {
    if (key.length > 31 || !/^[\x20-\x7e]*$/.test(key)) throw new RangeError(`known map key ${JSON.stringify(key)}: short ASCII keys only`);
    // A fixstr: its header and its char codes, what the encoder writes for the key; the fixmap header first.
    const bytes = [0xa0 + key.length, ...Array.from(key, (c) => c.charCodeAt(0))];
    return new Uint8Array(i === 0 ? [0x80 + keys.length, ...bytes] : bytes);
  });
  return { heads, make };
}
