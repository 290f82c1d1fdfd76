// swarmwire/lite's MessagePack: the full SDK's codec (src/wire/msgpack/, the same writer and the same bounded reader)
// with lite's policy instead of the RPC layer's extension registry. It carries nil, booleans, numbers, strings,
// Uint8Array (bin), arrays and plain objects, plus bigint as the RPC layer's extension type 4 (decimal digits), with
// the RPC layer's `omitUndefined` (undefined map fields left out) — so its bytes are the full SDK's for those values
// (test/lite-msgpack.test.ts holds both to @msgpack/msgpack with fast-check). Anything else is refused with a typed
// error rather than guessed at: swarmwire's other extension types (Map, Set, Date, ArrayBuffer, errors as values,
// proxies, streams) need the full SDK.
import { type DecodePolicy, decode, fail, readBytes } from '../wire/msgpack/decode.js';
import { type EncodePolicy, encode, output } from '../wire/msgpack/encode.js';
import { MAX_BIGINT_DIGITS, readBigInt, writeBigInt } from '../wire/msgpack/bigint.js';
import { RpcErrorCode, rpcError } from '../rpc/errors.js';

/** MessagePack extension type of a bigint in swarmwire payloads (docs/protocol.md, RPC "Values"). */
const EXT_BIGINT = 4;

function unserializable(what: string): Error {
  return rpcError(RpcErrorCode.UNSERIALIZABLE, `swarmwire/lite cannot send ${what} (the full SDK can send more)`);
}

function special(v: unknown): boolean {
  if (typeof v === 'bigint') {
    writeBigInt(EXT_BIGINT, v);
    return true;
  }
  if (Array.isArray(v) || v instanceof Uint8Array) return false;
  const proto = typeof v === 'object' && Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return false; // a plain object
  throw unserializable(typeof v === 'function' ? 'a function (swarmwire/lite has no proxy())' : typeof v === 'object' ? Object.prototype.toString.call(v) : typeof v);
}

const SEND: EncodePolicy = { omitUndefined: true, special, refuse: unserializable };

/**
 * MessagePack bytes of `value`, in a new buffer. Throws RpcError SW_ERR_RPC_UNSERIALIZABLE (status InvalidFrame)
 * for values outside nil, boolean, number, bigint, string, Uint8Array, array and plain object, and for nesting
 * deeper than 100 (cycles).
 */
export function pack(value: unknown): Uint8Array {
  encode(value, SEND, 0, 0, false);
  return output.bytes.slice(output.start, output.end);
}

/** Options of unpack(). */
export interface UnpackOptions {
  /** Deepest nesting of arrays and maps accepted (the RPC layer's limit). Default: 64. */
  maxDepth: number;
  /** Decode unsupported extension types as undefined instead of failing (for Error bodies' optional fields). Default: false. */
  lenient: boolean;
}

let lenient = false;

function readExt(type: number, n: number): unknown {
  if (type === EXT_BIGINT) return readBigInt(n, MAX_BIGINT_DIGITS);
  if (!lenient) fail(`extension type ${type} (a Map, Set, Date, proxy… of the full SDK) is not read by swarmwire/lite`);
  readBytes(n);
  return undefined;
}

const RECEIVE: DecodePolicy = { views: false, ext: readExt };

/**
 * The one MessagePack value in `bytes`, as @msgpack/msgpack's Decoder returns it (64-bit integers as numbers, bin
 * as a Uint8Array — a copy here), with bigint for extension type 4. Throws WireError SW_ERR_PAYLOAD (status
 * InvalidFrame) for anything else: truncated or trailing bytes, the byte 0xc1, other extension types, a map key
 * that is not a string or number or is `__proto__`, arrays and maps announcing more elements than bytes follow,
 * nesting deeper than `maxDepth`, a bigint of more than 2,048 digits.
 */
export function unpack(bytes: Uint8Array, options: Readonly<Partial<UnpackOptions>> = {}): unknown {
  lenient = options.lenient ?? false;
  return decode(bytes, RECEIVE, options.maxDepth ?? 64);
}
