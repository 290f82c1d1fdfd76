// FNV-1a hashes of names: 32-bit for method_hash, 64-bit for module_id. Names are short and hashed once, so
// this stays in JavaScript (a wasm call would first have to copy the string across); the wasm core has the same
// functions for data already in its memory, and test/wasm-core.test.ts checks both agree.

const utf8 = /* @__PURE__ */ new TextEncoder();

function bytesOf(input: string | Uint8Array): Uint8Array {
  return typeof input === 'string' ? utf8.encode(input) : input;
}

/** FNV-1a 32 of a string's UTF-8 bytes (or of bytes). fnv1a32("a") === 0xE40C292C. */
export function fnv1a32(input: string | Uint8Array): number {
  const data = bytesOf(input);
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
  return h >>> 0;
}

/**
 * FNV-1a 64 as two u32 halves [high, low], computed without BigInt. The prime is 2^40 + 0x1b3, so
 * h * prime = h * 0x1b3 + (h << 40), done on 16-bit limbs to stay exact in doubles.
 */
export function fnv1a64Parts(input: string | Uint8Array): [high: number, low: number] {
  const data = bytesOf(input);
  // h = 0xcbf29ce484222325 as four 16-bit limbs, least significant first.
  let h0 = 0x2325, h1 = 0x8422, h2 = 0x9ce4, h3 = 0xcbf2;
  for (let i = 0; i < data.length; i++) {
    h0 ^= data[i]!;
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    // h << 40 puts limb 0 into limb 2 and limb 1 into limb 3, each shifted left by 8 (40 = 2 × 16 + 8).
    const t2 = h2 * 0x1b3 + (t1 >>> 16) + (h0 << 8);
    const t3 = h3 * 0x1b3 + (t2 >>> 16) + (h1 << 8);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  return [((h3 << 16) | h2) >>> 0, ((h1 << 16) | h0) >>> 0];
}

/** FNV-1a 64 of a string's UTF-8 bytes (or of bytes): the module_id of a module name. fnv1a64("a") === 0xAF63DC4C8601EC8Cn. */
export function fnv1a64(input: string | Uint8Array): bigint {
  const [high, low] = fnv1a64Parts(input);
  return (BigInt(high) << 32n) | BigInt(low);
}
