// MessagePack payloads through @msgpack/msgpack: no eval, so it runs on Cloudflare Workers and under a strict CSP.
// Tiny flat payloads take tiny.ts first, which gives the same bytes and values at a fraction of the cost.
import { Decoder, Encoder } from '@msgpack/msgpack';
import { WireErrorCode, wireError } from './errors.js';
import { NOT_TINY, TINY_MAX_BYTES, tinyDecode, tinyEncode } from './tiny.js';

const encoder = /* @__PURE__ */ new Encoder();
const decoder = /* @__PURE__ */ new Decoder();
const tinyOut = /* @__PURE__ */ new Uint8Array(TINY_MAX_BYTES);
const tinyView = /* @__PURE__ */ new DataView(tinyOut.buffer);

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
