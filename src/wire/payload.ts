// Frame bodies as MessagePack, through swarmwire's own codec (src/wire/msgpack/): the values and bytes of
// @msgpack/msgpack's defaults — undefined map fields as nil, Date as the timestamp extension, other extension types
// kept as ExtData — with every collection bounded by its bytes and nesting limited to MAX_BODY_DEPTH.
import { SwarmwireError } from './errors.js';
import { WireErrorCode, wireError } from './errors.js';
import { type DecodePolicy, cachedText, decode } from './msgpack/decode.js';
import { type EncodePolicy, MAX_ENCODE_DEPTH, encode, output } from './msgpack/encode.js';
import { readSharedExt, writeSharedExt } from './msgpack/extensions.js';
import { keyShape } from './msgpack/keys.js';

/** Nesting of arrays and maps that unpack() accepts: as deep as pack() writes, so every body it writes decodes. */
export const MAX_BODY_DEPTH = MAX_ENCODE_DEPTH;

const refuse = (what: string): Error => wireError(WireErrorCode.BAD_PAYLOAD, `cannot encode payload: MessagePack has no form for ${what}`);

/** How frame bodies are written: undefined map fields as nil, as @msgpack/msgpack's defaults do. @internal */
export const BODY: EncodePolicy = { omitUndefined: false, special: writeSharedExt, refuse, keys: keyShape };
/** The same with undefined map fields left out (Comlink's messages). @internal */
export const BODY_OMITTING_UNDEFINED: EncodePolicy = { omitUndefined: true, special: writeSharedExt, refuse, keys: keyShape };
const READ: DecodePolicy = { views: true, ext: readSharedExt, short: cachedText };

/**
 * encode() with the errors of a payload: what a getter throws becomes WireError BAD_PAYLOAD (a SwarmwireError
 * passes as it is). The bytes are in `output`. @internal
 */
export function encodeBody(value: unknown, policy: EncodePolicy, head: number, tail: number, keep: boolean): void {
  try {
    encode(value, policy, head, tail, keep);
  } catch (cause) {
    if (cause instanceof SwarmwireError) throw cause;
    throw wireError(WireErrorCode.BAD_PAYLOAD, `cannot encode payload: ${(cause as Error)?.message ?? String(cause)}`, cause);
  }
}

/**
 * MessagePack bytes of `value` as a view into a buffer that the next call overwrites: copy before keeping it.
 * Throws WireError BAD_PAYLOAD for values MessagePack cannot carry (functions, symbols, bigint).
 */
export function packShared(value: unknown, policy: EncodePolicy = BODY): Uint8Array {
  encodeBody(value, policy, 0, 0, false);
  return output.bytes.subarray(output.start, output.end);
}

/** MessagePack bytes of `value`, in a new buffer. Throws WireError BAD_PAYLOAD as packShared does. */
export function pack(value: unknown): Uint8Array {
  return packShared(value).slice();
}

/**
 * The value encoded in `bytes`. Throws WireError BAD_PAYLOAD for anything but exactly one MessagePack value, for
 * collections announcing more elements than their bytes hold, nesting deeper than MAX_BODY_DEPTH (100), and map
 * keys that are not strings or numbers or are `__proto__`. Byte arrays in it are views of `bytes` (as a frame's
 * payload is a view of the frame): copy them to keep them past the buffer's reuse.
 */
export function unpack<T = unknown>(bytes: Uint8Array): T {
  return unpackBody<T>(bytes, undefined);
}

/** unpack(), reading a body whose shape the protocol fixes with its known map's reader (bodies.ts). @internal */
export function unpackBody<T = unknown>(bytes: Uint8Array, known: ((depth: number) => unknown) | undefined): T {
  try {
    return decode(bytes, READ, MAX_BODY_DEPTH, known) as T;
  } catch (cause) {
    if (cause instanceof SwarmwireError) throw cause;
    throw wireError(WireErrorCode.BAD_PAYLOAD, `undecodable MessagePack payload: ${(cause as Error)?.message ?? String(cause)}`, cause);
  }
}
