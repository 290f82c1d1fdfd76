// RPC values as MessagePack, with extension types for what MessagePack cannot carry: references (proxy()),
// streams, errors, bigint, ArrayBuffer, Map and Set. The codec is synchronous, so the connection that is encoding or
// decoding is held in a module variable for the extension hooks (they take no per-call argument).
import { Decoder, Encoder, ExtensionCodec } from '@msgpack/msgpack';
import { boundCollections } from '../wire/payload.js';
import { RpcErrorCode, rpcError } from './errors.js';
import { deserializeError, serializeError } from './error-codec.js';
import { isProxyMarked } from './markers.js';
import { ExtType, type SerializedError, type StreamKind } from './messages.js';
import { NOT_TINY, TINY_MAX_BYTES, tinyDecode, tinyEncode } from '../wire/tiny.js';

/** What the extension hooks need from the connection doing the encoding or decoding. */
export interface CodecHost {
  /** Registers a by-reference value; returns its ref id. */
  exportRef(value: object): number;
  /** The Remote for a ref the peer exported. */
  importRef(id: number): unknown;
  /** Starts sending a stream; returns its id and kind. */
  exportStream(source: object): [id: number, kind: StreamKind];
  /** The local reader of a stream the peer is sending. */
  importStream(id: number, kind: StreamKind): unknown;
  /** Include stacks in errors sent as values. */
  readonly stacks: boolean;
}

export interface DecodeLimits {
  /** Deepest nesting of arrays and maps accepted. */
  maxDepth: number;
}

let host: CodecHost | undefined;

const codec = /* @__PURE__ */ extensionCodec();
const encoder = /* @__PURE__ */ new Encoder({ extensionCodec: codec, ignoreUndefined: true });
// Bounded like the wire's payload decoder: an array header cannot allocate more than its bytes are worth.
const decoder = /* @__PURE__ */ boundCollections(/* @__PURE__ */ new Decoder({ extensionCodec: codec }));
const nested = (value: unknown): Uint8Array => encoder.encode(value); // re-entrant: the Encoder clones itself
const unnested = (bytes: Uint8Array): unknown => decoder.decode(bytes);
const utf8 = /* @__PURE__ */ new TextEncoder();
const fromUtf8 = /* @__PURE__ */ new TextDecoder();

/** True for what crosses as a stream: async iterables (async generators) and ReadableStreams. @internal */
export function isStreamSource(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  return typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' ||
    (typeof ReadableStream === 'function' && value instanceof ReadableStream);
}

/** The extension types. Registered in a function called once (marked pure), not by statements at the top level:
 * those would keep the RPC layer in every bundle, even one that only encodes frames. */
function extensionCodec(): ExtensionCodec {
  const codec = new ExtensionCodec();
  // Order matters: a proxy-marked function must become a reference before the check that rejects functions.
  codec.register({
    type: ExtType.Proxy,
    encode: (v) => (isProxyMarked(v) ? nested(current().exportRef(v)) : null),
    decode: (data) => current().importRef(unnested(data) as number),
  });
  codec.register({
    type: ExtType.Stream,
    encode: (v) => (!Array.isArray(v) && isStreamSource(v) ? nested(current().exportStream(v)) : null),
    decode: (data) => {
      const [id, kind] = unnested(data) as [number, StreamKind];
      return current().importStream(id, kind);
    },
  });
  codec.register({
    type: ExtType.Error,
    encode: (v) => (v instanceof Error ? nested(serializeError(v, current().stacks)) : null),
    decode: (data) => deserializeError(unnested(data) as SerializedError),
  });
  codec.register({
    type: ExtType.BigInt,
    encode: (v) => (typeof v === 'bigint' ? utf8.encode(v.toString()) : null),
    decode: (data) => BigInt(fromUtf8.decode(data)),
  });
  codec.register({
    type: ExtType.ArrayBuffer,
    encode: (v) => (v instanceof ArrayBuffer ? new Uint8Array(v) : null),
    decode: (data) => data.slice().buffer,
  });
  codec.register({
    type: ExtType.Map,
    encode: (v) => (v instanceof Map ? nested([...v]) : null),
    decode: (data) => new Map(unnested(data) as Array<[unknown, unknown]>),
  });
  codec.register({
    type: ExtType.Set,
    encode: (v) => (v instanceof Set ? nested([...v]) : null),
    decode: (data) => new Set(unnested(data) as unknown[]),
  });
  // Last: a clear error for values that would otherwise fail deep inside MessagePack or silently become maps.
  codec.register({
    type: 127,
    encode: (v) => {
      if (typeof v === 'function') throw rpcError(RpcErrorCode.UNSERIALIZABLE, `a function cannot be sent by value: wrap it in proxy() (${(v as { name?: string }).name || 'anonymous'})`);
      if (typeof v === 'symbol') throw rpcError(RpcErrorCode.UNSERIALIZABLE, 'a symbol cannot be sent');
      if (typeof Promise === 'function' && v instanceof Promise) throw rpcError(RpcErrorCode.UNSERIALIZABLE, 'a Promise cannot be sent: await it first');
      return null;
    },
    decode: () => {
      throw rpcError(RpcErrorCode.BAD_ARGS, 'extension type 127 is reserved');
    },
  });
  return codec;
}

function current(): CodecHost {
  if (!host) throw rpcError(RpcErrorCode.PROTOCOL, 'RPC codec used outside a connection');
  return host;
}

// Small argument lists and results (the wire's tiny shape: flat, at most 15 scalars) are written straight into
// 64 KiB slabs, as frames are: a general encode plus an ArrayBuffer per call would cost more than the whole call.
// A slab is never reused, so each value stays valid for as long as it is held (a pending call keeps its bytes).
const SLAB_SIZE = 64 * 1024;
let slab = /* @__PURE__ */ new Uint8Array(0);
let slabView = /* @__PURE__ */ new DataView(slab.buffer);
let slabAt = 0;

function encodeTiny(value: unknown): Uint8Array | undefined {
  if (slabAt + TINY_MAX_BYTES > slab.length) {
    slab = new Uint8Array(SLAB_SIZE);
    slabView = new DataView(slab.buffer);
    slabAt = 0;
  }
  const end = tinyEncode(value, slab, slabView, slabAt);
  if (end < 0) return undefined;
  const out = slab.subarray(slabAt, end);
  slabAt = (end + 7) & ~7;
  return out;
}

/** MessagePack bytes of `value` (a new buffer), with `h` resolving references and streams. Throws RpcError UNSERIALIZABLE. */
export function encodeValue(h: CodecHost, value: unknown): Uint8Array {
  const tiny = encodeTiny(value);
  if (tiny) return tiny;
  const previous = host;
  host = h;
  try {
    return encoder.encode(value);
  } catch (error) {
    if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('SW_ERR_')) throw error;
    throw rpcError(RpcErrorCode.UNSERIALIZABLE, `cannot send this value: ${(error as Error).message}`, error);
  } finally {
    host = previous;
  }
}

/** The value in `bytes`. Throws RpcError BAD_ARGS when it does not decode or is nested deeper than the limit. */
export function decodeValue(h: CodecHost, bytes: Uint8Array, limits: Readonly<DecodeLimits>): unknown {
  const tiny = tinyDecode(bytes); // flat: no depth to check
  if (tiny !== NOT_TINY) return tiny;
  const previous = host;
  host = h;
  let value: unknown;
  try {
    // From a copy: the decoder returns bin values as views, and the payload may be a view into a buffer the
    // transport reuses (a ring's memory).
    value = decoder.decode(bytes.slice());
  } catch (error) {
    throw rpcError(RpcErrorCode.BAD_ARGS, `undecodable payload: ${(error as Error).message}`, error);
  } finally {
    host = previous;
  }
  if (tooDeep(value, limits.maxDepth)) throw rpcError(RpcErrorCode.BAD_ARGS, `payload nested deeper than ${limits.maxDepth} levels`);
  return value;
}

/** True if `value` nests arrays or plain objects more than `limit` deep. Bounded recursion: it stops at the limit. */
function tooDeep(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return false;
  if (limit <= 0) return true;
  if (Array.isArray(value)) {
    for (const v of value) if (tooDeep(v, limit - 1)) return true;
    return false;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false; // rebuilt by an extension: checked when decoded
  for (const k in value) if (tooDeep((value as Record<string, unknown>)[k], limit - 1)) return true;
  return false;
}
