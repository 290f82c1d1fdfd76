// MessagePack payloads through @msgpack/msgpack: no eval, so it runs on Cloudflare Workers and under a strict CSP.
// Tiny flat payloads take tiny.ts first, which gives the same bytes and values at a fraction of the cost.
import { DecodeError, Decoder, Encoder } from '@msgpack/msgpack';
import { WireErrorCode, wireError } from './errors.js';
import { NOT_TINY, TINY_MAX_BYTES, tinyDecode, tinyEncode } from './tiny.js';

const encoder = /* @__PURE__ */ new Encoder();
const decoder = /* @__PURE__ */ boundCollections(/* @__PURE__ */ new Decoder());
const tinyOut = /* @__PURE__ */ new Uint8Array(TINY_MAX_BYTES);
const tinyView = /* @__PURE__ */ new DataView(tinyOut.buffer);

/** The decoder internals boundCollections() reaches into (@msgpack/msgpack 3.x, dist Decoder). */
interface DecoderInternals {
  bytes: Uint8Array;
  pos: number;
  stack: { pushArrayState(size: number): void; pushMapState(size: number): void; top(): { size: number } };
  pushArrayState(size: number): void;
  pushMapState(size: number): void;
}

/**
 * Makes arrays and maps cost what their bytes are worth. @msgpack/msgpack allocates `new Array(size)` for the size
 * an array header announces, before reading any element: the five bytes `dd 01 ff ff ff` allocate 256 MiB, and a
 * payload of nested such headers exhausts the heap (found by the fuzzer: test/fixtures/fuzz/payload/). Every
 * element takes at least one byte and every map entry two, so a size beyond the bytes left is refused at once; and
 * arrays start empty and grow as elements arrive, so nested headers cannot multiply an allocation either.
 * Every Decoder that reads bytes from a peer goes through this (the RPC codec too). @internal
 */
export function boundCollections<D extends Decoder<any>>(instance: D): D {
  const d = instance as unknown as DecoderInternals;
  const left = (): number => d.bytes.byteLength - d.pos;
  d.pushArrayState = (size) => {
    if (size > left()) throw new DecodeError(`array announces ${size} elements, but only ${left()} bytes follow`);
    d.stack.pushArrayState(0);
    d.stack.top().size = size;
  };
  d.pushMapState = (size) => {
    if (size * 2 > left()) throw new DecodeError(`map announces ${size} entries, but only ${left()} bytes follow`);
    d.stack.pushMapState(size);
  };
  return instance;
}

/**
 * MessagePack bytes of `value` as a view into a buffer that the next call overwrites: copy before keeping it.
 * Throws WireError BAD_PAYLOAD for values MessagePack cannot carry (functions, symbols, bigint).
 */
export function packShared(value: unknown): Uint8Array {
  const n = tinyEncode(value, tinyOut, tinyView, 0);
  return n >= 0 ? tinyOut.subarray(0, n) : packGeneral(value);
}

/** packShared through @msgpack/msgpack alone, for values tinyEncode has already declined. @internal */
export function packGeneral(value: unknown): Uint8Array {
  try {
    return encoder.encodeSharedRef(value);
  } catch (cause) {
    throw wireError(WireErrorCode.BAD_PAYLOAD, `cannot encode payload: ${(cause as Error).message}`, cause);
  }
}

/** MessagePack bytes of `value`, in a new buffer. Throws WireError BAD_PAYLOAD as packShared does. */
export function pack(value: unknown): Uint8Array {
  return packShared(value).slice();
}

/** The value encoded in `bytes`. Throws WireError BAD_PAYLOAD for anything but exactly one MessagePack value. */
export function unpack<T = unknown>(bytes: Uint8Array): T {
  const tiny = tinyDecode(bytes);
  if (tiny !== NOT_TINY) return tiny as T;
  try {
    return decoder.decode(bytes) as T;
  } catch (cause) {
    throw wireError(WireErrorCode.BAD_PAYLOAD, `undecodable MessagePack payload: ${(cause as Error).message}`, cause);
  }
}
