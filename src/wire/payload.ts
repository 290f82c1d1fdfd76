// MessagePack payloads through @msgpack/msgpack: no eval, so it runs on Cloudflare Workers and under a strict CSP.
import { Decoder, Encoder } from '@msgpack/msgpack';
import { WireErrorCode, wireError } from './errors.js';

const encoder = /* @__PURE__ */ new Encoder();
const decoder = /* @__PURE__ */ new Decoder();

/**
 * MessagePack bytes of `value` as a view into a buffer that the next call overwrites: copy before keeping it.
 * Throws WireError BAD_PAYLOAD for values MessagePack cannot carry (functions, symbols, bigint).
 */
export function packShared(value: unknown): Uint8Array {
  try {
    return encoder.encodeSharedRef(value);
  } catch (cause) {
    throw wireError(WireErrorCode.BAD_PAYLOAD, `cannot encode payload: ${(cause as Error).message}`, cause);
  }
}

/** MessagePack bytes of `value`, in a new buffer. */
export function pack(value: unknown): Uint8Array {
  return packShared(value).slice();
}

/** The value encoded in `bytes`. Throws WireError BAD_PAYLOAD for anything but exactly one MessagePack value. */
export function unpack<T = unknown>(bytes: Uint8Array): T {
  try {
    return decoder.decode(bytes) as T;
  } catch (cause) {
    throw wireError(WireErrorCode.BAD_PAYLOAD, `undecodable MessagePack payload: ${(cause as Error).message}`, cause);
  }
}
