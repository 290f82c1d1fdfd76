// Node ids: 16 bytes on the wire, 32 lowercase hex digits in maps, logs and APIs.

const HEX = /* @__PURE__ */ Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * A node id (or any bytes) as lowercase hex digits. Joined, not appended digit by digit: `+=` builds a chain of
 * 16–32 cons strings that V8 keeps as they are, and a relay keeps several ids per peer (~0.85 KB per peer, measured).
 */
export function idHex(id: Uint8Array): string {
  const digits = new Array<string>(id.length);
  for (let i = 0; i < id.length; i++) digits[i] = HEX[id[i]!]!;
  return digits.join('');
}
