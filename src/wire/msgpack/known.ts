// Maps whose keys the protocol fixes — control frames' bodies, as Ping's and Pong's `{ timestamp }` — described once
// by the literal that builds them. The decoder then compares each key's bytes in place and builds the object as that
// one literal, instead of reading each key as a string and adding it to an empty object, which cost a Ping's round
// trip more than its header (bench/frames.bench.mjs). Not a second codec: every value is read by the one reader, with
// the frame's policy and limits, and bytes that are not the known map's byte for byte (another key or order, one more
// field, a value that fails) are read the generic way from where they start — so a known map reads as exactly what
// the generic reader gives, errors included (test/msgpack-known.test.ts holds both to @msgpack/msgpack). Kept apart
// from decode() (which takes the reader as a parameter), so that lite, which reads no known map, does not carry it.
import { readKnown } from './decode.js';

/**
 * The reader (for decode()'s `first`) of the known map that `make` builds: `make(next)` must be one object literal
 * whose every value is `next()`, e.g. `(next) => ({ timestamp: next() })`, with fewer than 16 keys, each ASCII and
 * shorter than 32 bytes (written as a fixstr, as the encoder writes them); its keys are read off it once, here.
 */
export function knownMap(make: (next: () => unknown) => object): (depth: number) => unknown {
  const keys = Object.keys(make(() => 0));
  const heads = keys.map((key, i) => new Uint8Array([...(i ? [] : [0x80 + keys.length]), 0xa0 + key.length, ...Array.from(key, (c) => c.charCodeAt(0))]));
  const known = { heads, make };
  return (depth) => readKnown(known, depth);
}
