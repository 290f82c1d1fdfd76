// swarmwire/lite's MessagePack: the full SDK's codec (src/wire/msgpack/: the same writer and the same bounded
// reader) with its plain-values policy (wire/msgpack/plain.ts) — nil, booleans, numbers, strings, Uint8Array (bin),
// arrays and plain objects, plus bigint as the RPC layer's extension type 4, undefined map fields left out — so its
// bytes are the full SDK's for those values (test/lite-msgpack.test.ts holds both to @msgpack/msgpack with
// fast-check). Anything else is refused with a typed error rather than guessed at: swarmwire's other extension types
// (Map, Set, Date, ArrayBuffer, errors as values, proxies, streams) need the full SDK.
import { packPlain, unpackPlain } from '../wire/msgpack/plain.js';
import { RpcErrorCode, rpcError } from '../rpc/errors.js';

// A function is the one value users most often try to pass (a callback): say why it cannot go.
const unserializable = (what: string): Error =>
  rpcError(RpcErrorCode.UNSERIALIZABLE, `swarmwire/lite cannot send ${what === 'function' ? 'a function (it has no proxy())' : what} (the full SDK can send more)`);

/**
 * MessagePack bytes of `value`, in a new buffer. Throws RpcError SW_ERR_RPC_UNSERIALIZABLE (status InvalidFrame)
 * for values outside nil, boolean, number, bigint, string, Uint8Array, array and plain object, and for nesting
 * deeper than 100 (cycles).
 */
export function pack(value: unknown): Uint8Array {
  return packPlain(value, unserializable);
}

/** Options of unpack(). */
export interface UnpackOptions {
  /** Deepest nesting of arrays and maps accepted (the RPC layer's limit). Default: 64. */
  maxDepth: number;
  /** Decode unsupported extension types as undefined instead of failing (for Error bodies' optional fields). Default: false. */
  lenient: boolean;
}

/**
 * The one MessagePack value in `bytes`, as @msgpack/msgpack's Decoder returns it (64-bit integers as numbers, bin
 * as a Uint8Array — a copy here), with bigint for extension type 4. Throws WireError SW_ERR_PAYLOAD (status
 * InvalidFrame) for anything else: truncated or trailing bytes, the byte 0xc1, other extension types (a Map, Set,
 * Date, proxy… of the full SDK), a map key that is not a string or number or is `__proto__`, arrays and maps
 * announcing more elements than bytes follow, nesting deeper than `maxDepth`, a bigint of more than 2,048 digits.
 */
export function unpack(bytes: Uint8Array, options: Readonly<Partial<UnpackOptions>> = {}): unknown {
  return unpackPlain(bytes, options.lenient ?? false, options.maxDepth ?? 64);
}
