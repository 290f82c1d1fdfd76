// A bigint as swarmwire's RPC layer and lite carry it: an extension whose data is its decimal digits (ASCII, a
// leading '-' when negative). The type number is the RPC layer's (ExtType.BigInt, 4); the reading is bounded here.
import { fail, readText } from './decode.js';
import { writeExtText } from './encode.js';

/**
 * Digits of the longest bigint read by default: 2,048 (about 6,800 bits — RSA-4096 values and every hash fit).
 * Parsing decimal digits costs time that grows faster than their count (Node 20, measured: ~4 ns per digit at
 * 1,000 digits, ~12 at 4,096, ~70 at 100,000; an 8 MiB bigint blocked the event loop for 1.8 s). At this size a
 * payload full of bigints costs about what the same bytes of other values do; past it the decoder refuses before
 * reading the digits.
 */
export const MAX_BIGINT_DIGITS = 2048;

/** Writes `v` as an extension of `type` with its decimal digits. */
export function writeBigInt(type: number, v: bigint): void {
  writeExtText(type, v.toString());
}

/** Reads the `n` bytes of a bigint extension: at most `maxDigits` decimal digits, an optional '-' before them. */
export function readBigInt(n: number, maxDigits: number): bigint {
  const digits = n > maxDigits + 1 ? '' : readText(n); // a sign and maxDigits digits at most: longer is not even read
  if (!/^-?\d+$/.test(digits) || digits.length - (digits[0] === '-' ? 1 : 0) > maxDigits) {
    fail(`a bigint extension of ${n} bytes: at most ${maxDigits} decimal digits are read`);
  }
  return BigInt(digits);
}
