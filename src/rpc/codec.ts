// RPC values as MessagePack, with extension types for what MessagePack cannot carry: references (proxy()),
// streams, errors, bigint, ArrayBuffer, Map and Set, and values of the program's own transfer handlers (docs/protocol.md, RPC "Values"). They are the wire codec's
// policies (src/wire/msgpack/): extension payloads are written and read in place by the same writer and reader, so
// the reader's bounds and its one depth limit hold inside them too. The codec is synchronous, so the connection that
// is encoding or decoding is held in a module variable for the extension hooks.
import { SwarmwireError } from '../wire/errors.js';
import { type DecodePolicy, cachedText, decode, fail, readBytes, readValue } from '../wire/msgpack/decode.js';
import { type EncodePolicy, encode, output, writeExt, writeExtValue } from '../wire/msgpack/encode.js';
import { readSharedExt, writeSharedExt } from '../wire/msgpack/extensions.js';
import { MAX_BIGINT_DIGITS, readBigInt, writeBigInt } from '../wire/msgpack/bigint.js';
import { RpcError, RpcErrorCode, rpcError } from './errors.js';
import { deserializeError, serializeError } from './error-codec.js';
import { isProxyMarked, proxyMarker, transferHandlers, transferLater } from './markers.js';
import { ExtType, type SerializedError, type StreamKind } from './messages.js';

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
  /** Deepest nesting of arrays and maps accepted, extension payloads included. */
  maxDepth: number;
  /** Most decimal digits of a bigint accepted. Default: MAX_BIGINT_DIGITS (2,048). */
  maxBigIntDigits?: number;
}

/** Reserved: never sent; read as BAD_ARGS. */
const RESERVED = 127;

let host: CodecHost | undefined;
let maxBigIntDigits = MAX_BIGINT_DIGITS;

function current(): CodecHost {
  if (!host) throw rpcError(RpcErrorCode.PROTOCOL, 'RPC codec used outside a connection');
  return host;
}

/** True for what crosses as a stream: async iterables (async generators) and ReadableStreams. @internal */
export function isStreamSource(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  return typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' ||
    (typeof ReadableStream === 'function' && value instanceof ReadableStream);
}

/**
 * Every value but nil, booleans, numbers and strings comes here before it may be written as an array, bin or map,
 * and the checks run in the order of the wire contract: proxy() marks (a marked array or plain object is a
 * reference, never a copy), the program's transfer handlers (as Comlink asks them, after its own proxy handler),
 * a Date, streams, errors, bigint, ArrayBuffer, Map, Set, and the refusals.
 */
function special(v: unknown, depth: number): boolean {
  if (typeof v === 'object' && v !== null) {
    // Plain data, the common case: only a proxy() mark or an async iterator can make it something else.
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === Array.prototype) {
      if ((v as { [proxyMarker]?: unknown })[proxyMarker] === true) return writeRef(v, depth);
      if (proto === Object.prototype && isStreamSource(v)) return writeStream(v, depth);
      return false;
    }
  }
  if (isProxyMarked(v)) return writeRef(v, depth);
  if (transferHandlers.size > 0 && writeHandled(v, depth)) return true;
  if (writeSharedExt(v)) return true;
  if (!Array.isArray(v) && isStreamSource(v)) return writeStream(v, depth);
  if (v instanceof Error) writeExtValue(ExtType.Error, serializeError(v, current().stacks), depth);
  else if (typeof v === 'bigint') writeBigInt(ExtType.BigInt, v);
  else if (v instanceof ArrayBuffer) writeExt(ExtType.ArrayBuffer, new Uint8Array(v));
  else if (v instanceof Map) writeExtValue(ExtType.Map, [...v], depth);
  else if (v instanceof Set) writeExtValue(ExtType.Set, [...v], depth);
  else if (typeof v === 'function') throw unserializable(`a function cannot be sent by value: wrap it in proxy() (${nameOf(v)})`);
  else if (typeof v === 'symbol') throw unserializable('a symbol cannot be sent');
  else if (typeof Promise === 'function' && v instanceof Promise) throw unserializable('a Promise cannot be sent: await it first');
  else return false;
  return true;
}

/** A value a registered transfer handler takes: [name, what it serialized], its buffers handed over with the send. */
function writeHandled(v: unknown, depth: number): boolean {
  for (const [name, handler] of transferHandlers) {
    if (!handler.canHandle(v)) continue;
    const [value, list] = handler.serialize(v);
    transferLater(list);
    writeExtValue(ExtType.Handled, [name, value], depth);
    return true;
  }
  return false;
}

function writeRef(v: object, depth: number): true {
  writeExtValue(ExtType.Proxy, current().exportRef(v), depth);
  return true;
}

function writeStream(v: object, depth: number): true {
  writeExtValue(ExtType.Stream, current().exportStream(v), depth);
  return true;
}

const unserializable = (message: string): Error => rpcError(RpcErrorCode.UNSERIALIZABLE, message);

/**
 * A function's name for a message, read without converting anything to a string: the function may be a Remote (a
 * peer's reference passed back), whose properties are Remotes too, and whose toString() would be a call to the peer.
 */
function nameOf(fn: unknown): string {
  const name = (fn as { name?: unknown }).name;
  return typeof name === 'string' && name ? name : 'anonymous';
}

const SEND: EncodePolicy = { omitUndefined: true, special, refuse: (what) => unserializable(`cannot send ${what}`) };

/** Reads the RPC layer's extension types; others as the wire does (Date, ExtData). */
function readExt(type: number, n: number, depth: number): unknown {
  switch (type) {
    case ExtType.Proxy:
      return current().importRef(readValue(depth) as number);
    case ExtType.Stream: {
      const handle = readValue(depth);
      if (!Array.isArray(handle) || handle.length !== 2) return fail('a stream extension that is not [id, kind]');
      return current().importStream(handle[0] as number, handle[1] as StreamKind);
    }
    case ExtType.Error:
      return readErrorData(depth);
    case ExtType.BigInt:
      return readBigInt(n, maxBigIntDigits);
    case ExtType.ArrayBuffer:
      return readBytes(n).buffer;
    case ExtType.Map:
      return readMapData(depth);
    case ExtType.Set:
      return readSetData(depth);
    case ExtType.Handled: {
      const handled = readValue(depth);
      if (!Array.isArray(handled) || handled.length !== 2 || typeof handled[0] !== 'string') return fail('a handled value that is not [name, value]');
      const handler = transferHandlers.get(handled[0]);
      if (!handler) throw rpcError(RpcErrorCode.BAD_ARGS, `no transfer handler "${handled[0]}" is registered here`);
      return handler.deserialize(handled[1]);
    }
    case RESERVED:
      throw rpcError(RpcErrorCode.BAD_ARGS, 'extension type 127 is reserved');
  }
  return readSharedExt(type, n);
}

/** An Error extension's data, the error map, read at `depth` and rebuilt (error-codec.ts). @internal */
export function readErrorData(depth: number): Error {
  const body = readValue(depth);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('an error extension that is not a map');
  return deserializeError(body as SerializedError);
}

/** A Map extension's data, [[key, value]…], read at `depth`. Shared with Comlink's values (comlink-clone.ts). @internal */
export function readMapData(depth: number): Map<unknown, unknown> {
  const entries = readValue(depth);
  if (!Array.isArray(entries) || !entries.every((e) => Array.isArray(e) && e.length === 2)) return fail('a Map extension that is not [[key, value]…]');
  return new Map(entries as Array<[unknown, unknown]>);
}

/** A Set extension's data, [value…], read at `depth`. @internal */
export function readSetData(depth: number): Set<unknown> {
  const items = readValue(depth);
  if (!Array.isArray(items)) return fail('a Set extension that is not an array');
  return new Set(items);
}

const RECEIVE: DecodePolicy = { views: false, ext: readExt, short: cachedText };

/**
 * MessagePack bytes of `value`, with `h` resolving references and streams. The bytes stay valid for good (a pending
 * call keeps its arguments for a resend). Throws RpcError UNSERIALIZABLE.
 */
export function encodeValue(h: CodecHost, value: unknown): Uint8Array {
  const previous = host;
  host = h;
  try {
    return encodeKept(value, SEND, 'cannot send this value');
  } finally {
    host = previous;
  }
}

/**
 * The bytes of `value` written with `policy`, valid for good; what else than a SwarmwireError is thrown meanwhile (a
 * getter's error) becomes RpcError UNSERIALIZABLE, its message after `what`. For the RPC layer's policies. @internal
 */
export function encodeKept(value: unknown, policy: EncodePolicy, what: string): Uint8Array {
  try {
    encode(value, policy, 0, 0, true);
  } catch (error) {
    if (error instanceof SwarmwireError) throw error;
    throw rpcError(RpcErrorCode.UNSERIALIZABLE, `${what}: ${(error as Error)?.message ?? String(error)}`, error);
  }
  return new Uint8Array(output.buffer, output.start, output.end - output.start);
}

/**
 * The value in `bytes`. Throws RpcError BAD_ARGS when it does not decode, nests deeper than `limits.maxDepth`
 * (extension payloads included) or holds a bigint longer than `limits.maxBigIntDigits`. What it returns never aliases
 * `bytes` (a transport may reuse them: a ring's memory).
 */
export function decodeValue(h: CodecHost, bytes: Uint8Array, limits: Readonly<DecodeLimits>): unknown {
  const previous = host;
  const previousDigits = maxBigIntDigits;
  host = h;
  maxBigIntDigits = limits.maxBigIntDigits ?? MAX_BIGINT_DIGITS;
  try {
    return decode(bytes, RECEIVE, limits.maxDepth);
  } catch (error) {
    if (error instanceof RpcError && error.code === RpcErrorCode.BAD_ARGS) throw error;
    const why = error instanceof SwarmwireError ? error.message.replace('[swarmwire] undecodable MessagePack payload: ', '') : (error as Error)?.message ?? String(error);
    throw rpcError(RpcErrorCode.BAD_ARGS, `undecodable payload: ${why}`, error);
  } finally {
    host = previous;
    maxBigIntDigits = previousDigits;
  }
}
