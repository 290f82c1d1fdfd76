// The written form of objects' keys, kept per shape: the encoder's map() writes a key from here as a few whole
// words instead of a string, char by char (bench/frames.bench.mjs: a 9-byte key cost more than the rest of a Ping
// body). Objects of one shape — the same keys in the same order, as every message of one kind has — share one entry,
// found by their first key and checked key by key (the same strings, so mostly a pointer compare). Only keys that
// are ASCII and shorter than 32 bytes are kept: their bytes are a fixstr header and their char codes, exactly what
// the string writer gives them, so the output does not change. This is not a second codec: it only stores what the
// string writer would write for each key, and everything else (values, omitted fields, limits) stays in map().

/** First keys kept at most; past it the table starts again (whatever keys a program sends, the memory stays bounded). */
const MAX_FIRST_KEYS = 1024;
/** Shapes kept per first key: messages of several kinds often start with the same field ("type", "id"). */
const SHAPES_PER_KEY = 4;
/** Objects with more keys are written key by key: a shape must pay for itself, and its memory stays small. */
const MAX_SHAPE_KEYS = 32;
const ASCII = /^[\x00-\x7f]*$/;

interface Shape {
  readonly keys: readonly string[];
  /** Per key: its size in bytes (header included), then its bytes as big-endian words, the last one padded. */
  readonly words: Int32Array;
}

const shapes = /* @__PURE__ */ new Map<string, Shape[]>();

/**
 * The written keys of an object whose Object.keys() are `keys` (an EncodePolicy's `keys`), or undefined when there
 * are none or too many, or one of them is not a short ASCII string (the encoder then writes them as strings).
 * Keeps `keys`, which the caller must not change afterwards.
 */
export function keyShape(keys: string[]): Int32Array | undefined {
  const n = keys.length;
  if (n === 0 || n > MAX_SHAPE_KEYS) return undefined;
  let known = shapes.get(keys[0]!);
  if (known !== undefined) {
    for (let s = 0; s < known.length; s++) {
      const shape = known[s]!;
      if (shape.keys.length !== n) continue;
      let i = 1;
      while (i < n && shape.keys[i] === keys[i]) i++;
      if (i === n) return shape.words;
    }
  }
  const words = writtenKeys(keys);
  if (words === undefined) return undefined;
  if (known === undefined) {
    if (shapes.size >= MAX_FIRST_KEYS) shapes.clear();
    shapes.set(keys[0]!, (known = []));
  }
  if (known.length >= SHAPES_PER_KEY) known.shift(); // the oldest goes
  known.push({ keys, words });
  return words;
}

/** The keys as a shape's words, or undefined when one is not ASCII or is 32 bytes or longer. */
function writtenKeys(keys: readonly string[]): Int32Array | undefined {
  let size = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (k.length > 31 || !ASCII.test(k)) return undefined;
    size += 1 + ((k.length + 4) >> 2);
  }
  const words = new Int32Array(size);
  for (let i = 0, w = 0; i < keys.length; i++) {
    const k = keys[i]!;
    words[w++] = k.length + 1;
    for (let j = -1; j < k.length; j += 4, w++) {
      // The header byte (0xa0 + length) stands at j = −1; char codes past the key are NaN, written as 0.
      const byte = (at: number): number => (at < 0 ? 0xa0 + k.length : k.charCodeAt(at) | 0);
      words[w] = (byte(j) << 24) | (byte(j + 1) << 16) | (byte(j + 2) << 8) | byte(j + 3);
    }
  }
  return words;
}
