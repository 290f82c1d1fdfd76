// Plain values — nil, booleans, numbers, strings, byte arrays, arrays, plain objects, and bigint (as the RPC
// layer's extension type 4) — for what every client must read and write whatever else it carries: the handshake's
// payloads, and all of swarmwire/lite's. With no extension registry behind it, lite runs the full SDK's handshake
// code without carrying the full SDK's codec.
import { WireErrorCode, wireError } from '../errors.js';
import { type DecodePolicy, decode, fail, readBytes } from './decode.js';
import { type EncodePolicy, encode, output } from './encode.js';
import { MAX_BIGINT_DIGITS, readBigInt, writeBigInt } from './bigint.js';

/** MessagePack extension type of a bigint in swarmwire payloads (docs/protocol.md, RPC "Values"). */
const EXT_BIGINT = 4;

/** The error for a value plain payloads do not carry (`what` names it). */
export type Refuse = (what: string) => Error;

const refusePayload: Refuse = (what) => wireError(WireErrorCode.BAD_PAYLOAD, `cannot encode payload: a plain payload has no form for ${what}`);

let refuse = refusePayload;
let lenient = false;

const WRITE: EncodePolicy = {
  omitUndefined: true,
  special: (v) => {
    if (typeof v === 'bigint') {
      writeBigInt(EXT_BIGINT, v);
      return true;
    }
    if (Array.isArray(v) || v instanceof Uint8Array) return false;
    const proto = typeof v === 'object' && Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) return false; // a plain object
    throw refuse(typeof v === 'object' ? Object.prototype.toString.call(v) : typeof v);
  },
  refuse: (what) => refuse(what),
};

const READ: DecodePolicy = {
  views: false,
  ext: (type, n) => {
    if (type === EXT_BIGINT) return readBigInt(n, MAX_BIGINT_DIGITS);
    if (!lenient) fail(`extension type ${type} in a payload that carries plain values only`);
    readBytes(n);
    return undefined;
  },
};

/**
 * MessagePack bytes of a plain `value`, in a new buffer, undefined map fields left out. Anything else — a function,
 * a symbol, an instance of a class, nesting deeper than 100 — is refused with `refuseWith(what)` (default: WireError
 * BAD_PAYLOAD).
 */
export function packPlain(value: unknown, refuseWith: Refuse = refusePayload): Uint8Array {
  refuse = refuseWith;
  encode(value, WRITE, 0, 0, false);
  return output.bytes.slice(output.start, output.end);
}

/**
 * The plain value in `bytes` (byte arrays copied), nested at most `maxDepth` levels (default 64). Throws WireError
 * BAD_PAYLOAD for anything else; with `skipExt`, extension values other than bigint read as undefined instead (an
 * Error body's optional `data`).
 */
export function unpackPlain(bytes: Uint8Array, skipExt = false, maxDepth = 64): unknown {
  lenient = skipExt;
  return decode(bytes, READ, maxDepth);
}
