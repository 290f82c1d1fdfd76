// Comlink's messages as MessagePack, carrying what postMessage's structured clone carries (docs/protocol.md, "Comlink
// interop"): undefined and −0, bigint, Date, RegExp, ArrayBuffer, every typed array and DataView, Map, Set, Error,
// and MessagePorts, which the endpoint turns into ports whose messages travel as frames (comlink-ports.ts).
// Like the RPC codec (codec.ts) it is a policy of the wire's codec, so the reader's bounds and its one depth limit
// hold inside extension payloads too; ports are resolved by a host held in a module variable while the codec runs.
import { type DecodePolicy, cachedText, decode, fail, readBytes, readValue } from '../wire/msgpack/decode.js';
import { type EncodePolicy, MAX_ENCODE_DEPTH, write, writeExt, writeExtValue } from '../wire/msgpack/encode.js';
import { readSharedExt, writeSharedExt } from '../wire/msgpack/extensions.js';
import { MAX_BIGINT_DIGITS, readBigInt, writeBigInt } from '../wire/msgpack/bigint.js';
import { RpcError, RpcErrorCode, rpcError } from './errors.js';
import { serializeError } from './error-codec.js';
import { encodeKept, readErrorData, readMapData, readSetData } from './codec.js';
import { isBuiltin } from './members.js';
import { CloneExt, Constant, MAX_PORT_NUMBER, ViewKind } from './comlink-protocol.js';

/** What the codec asks of the endpoint about ports. */
export interface PortHost {
  /** A MessagePort found in a message being written: the number it travels under (chosen here). Throws to refuse it. */
  exportPort(port: MessagePort): number;
  /** A port number found in a message being read: the MessagePort that stands for it here. Throws to refuse it. */
  importPort(id: number): MessagePort;
}

/** Nesting accepted: as deep as the encoder writes, so every message this codec writes is read back. */
export const MAX_CLONE_DEPTH = MAX_ENCODE_DEPTH;

let host: PortHost | undefined;

type ViewClass = new (buffer: ArrayBuffer, byteOffset?: number, length?: number) => ArrayBufferView;
const g = globalThis as unknown as Record<string, ViewClass | undefined>;
/** The view classes by kind, those this runtime has (Float16Array is recent). */
const VIEWS: ReadonlyMap<number, ViewClass> = /* @__PURE__ */ (() => new Map(
  (Object.entries(ViewKind) as Array<[string, number]>)
    .map(([name, kind]) => [kind, g[name === 'DataView' ? 'DataView' : `${name}Array`]] as const)
    .filter((e): e is readonly [number, ViewClass] => typeof e[1] === 'function'),
))();
const KIND_OF: ReadonlyMap<unknown, number> = /* @__PURE__ */ (() => new Map([...VIEWS].map(([kind, cls]) => [cls.prototype, kind])))();

const unserializable = (what: string): Error => rpcError(RpcErrorCode.UNSERIALIZABLE, `comlinkEndpoint cannot send ${what}`);

// Stand-ins for the values MessagePack has no form for, put in place of them by rewrite() and written by special().
class Stand {
  constructor(readonly constant: number) {}
}
const UNDEFINED = /* @__PURE__ */ new Stand(Constant.Undefined);
const NEGATIVE_ZERO = /* @__PURE__ */ new Stand(Constant.NegativeZero);

const isNegativeZero = (x: unknown): boolean => x === 0 && 1 / (x as number) < 0;
const needsStand = (x: unknown): boolean => x === undefined || isNegativeZero(x);
const stand = (x: unknown): unknown => (x === undefined ? UNDEFINED : isNegativeZero(x) ? NEGATIVE_ZERO : x);

/**
 * An array or object holding undefined or −0 (which the encoder would write as nil and 0) is written as a copy with
 * stand-ins in their places; anything else is left to the encoder (false). Array holes read as undefined.
 */
function rewrite(v: object, depth: number): boolean {
  if (Array.isArray(v)) {
    let i = 0;
    while (i < v.length && !needsStand(v[i])) i++;
    if (i === v.length) return false;
    write(Array.from(v, stand), depth);
    return true;
  }
  const keys = Object.keys(v);
  const o = v as Record<string, unknown>;
  if (!keys.some((k) => needsStand(o[k]))) return false;
  const copy: Record<string, unknown> = {};
  for (const k of keys) copy[k] = stand(o[k]);
  write(copy, depth);
  return true;
}

/** Writes the values that are not plain data; answers false for arrays and objects the encoder writes itself. */
function special(v: unknown, depth: number): boolean {
  if (typeof v === 'bigint') {
    writeBigInt(CloneExt.BigInt, v);
    return true;
  }
  if (typeof v === 'function') throw unserializable(`a function (${nameOf(v)}): structured clone cannot copy functions`);
  if (typeof v !== 'object' || v === null) throw unserializable(`a ${typeof v}`);
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === Array.prototype || proto === null) return rewrite(v, depth);
  if (v instanceof Stand) writeExt(CloneExt.Constant, new Uint8Array([v.constant]));
  else if (v instanceof Date && Number.isNaN(v.getTime())) writeExt(CloneExt.Constant, new Uint8Array([Constant.InvalidDate]));
  else if (writeSharedExt(v)) return true; // a Date, or an extension this side does not read (ExtData) passed on
  else if (v instanceof ArrayBuffer) {
    if (isDetached(v)) throw unserializable('a detached ArrayBuffer');
    writeExt(CloneExt.ArrayBuffer, new Uint8Array(v));
  } else if (ArrayBuffer.isView(v)) {
    const kind = KIND_OF.get(proto) ?? kindOf(v);
    if (kind === undefined) return false; // a Uint8Array (or Buffer): MessagePack bin, read back as Uint8Array
    const data = new Uint8Array(v.byteLength + 1);
    data[0] = kind;
    data.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), 1);
    writeExt(CloneExt.TypedArray, data);
  } else if (v instanceof Map) writeExtValue(CloneExt.Map, [...v], depth);
  else if (v instanceof Set) writeExtValue(CloneExt.Set, [...v], depth);
  else if (v instanceof Error) writeExtValue(CloneExt.Error, serializeError(v, true), depth);
  else if (v instanceof RegExp) writeExtValue(CloneExt.RegExp, [v.source, v.flags], depth);
  else if (typeof MessagePort === 'function' && v instanceof MessagePort) writeExtValue(CloneExt.Port, current().exportPort(v), depth);
  else {
    // What else the platform makes (Blob, SharedArrayBuffer, WeakMap, a Number object, Node's URL) cannot cross as
    // a copy of its own properties: refused, where posting it to a worker would have carried or refused it.
    const tag = Object.prototype.toString.call(v);
    if (tag !== '[object Object]' || isBuiltin(proto as object)) throw unserializable(`${tag.slice(8, -1)} values`);
    return rewrite(v, depth); // an instance of the program's own class: its own enumerable properties, as structured clone
  }
  return true;
}

/** The kind of a view whose class extends one of the platform's (KIND_OF has the platform's own prototypes). */
function kindOf(v: ArrayBufferView): number | undefined {
  for (const [kind, cls] of VIEWS) if (v instanceof cls) return kind;
  return undefined;
}

/** True for a buffer whose bytes were transferred away (`detached` is newer than Node 20: a view of it throws there). */
export function isDetached(buffer: ArrayBuffer): boolean {
  const detached = (buffer as { detached?: boolean }).detached;
  if (detached !== undefined) return detached;
  if (buffer.byteLength > 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

function nameOf(fn: unknown): string {
  const name = (fn as { name?: unknown }).name;
  return typeof name === 'string' && name ? name : 'anonymous';
}

function current(): PortHost {
  if (!host) throw rpcError(RpcErrorCode.PROTOCOL, 'Comlink codec used outside an endpoint');
  return host;
}

const SEND: EncodePolicy = { omitUndefined: false, special, refuse: (what) => unserializable(what) };

function readExt(type: number, n: number, depth: number): unknown {
  switch (type) {
    case CloneExt.Error:
      return readErrorData(depth);
    case CloneExt.BigInt:
      return readBigInt(n, MAX_BIGINT_DIGITS);
    case CloneExt.ArrayBuffer:
      return readBytes(n).buffer;
    case CloneExt.Map:
      return readMapData(depth);
    case CloneExt.Set:
      return readSetData(depth);
    case CloneExt.TypedArray: {
      const cls = n > 0 ? VIEWS.get(readBytes(1)[0]!) : undefined;
      if (!cls) return fail('a typed array extension of no known kind');
      const bytes = readBytes(n - 1); // a buffer of its own: aligned for any element size
      const size = (cls as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
      if (bytes.length % size !== 0) return fail(`a typed array of ${bytes.length} bytes, not a multiple of ${size}`);
      return new cls(bytes.buffer as ArrayBuffer, 0, cls === DataView ? bytes.length : bytes.length / size);
    }
    case CloneExt.RegExp: {
      const parts = readValue(depth);
      if (!Array.isArray(parts) || parts.length !== 2 || typeof parts[0] !== 'string' || typeof parts[1] !== 'string') return fail('a RegExp extension that is not [source, flags]');
      try {
        return new RegExp(parts[0], parts[1]);
      } catch {
        return fail('a RegExp extension that is not a valid pattern');
      }
    }
    case CloneExt.Constant: {
      const c = n === 1 ? readBytes(1)[0] : undefined;
      if (c === Constant.Undefined) return undefined;
      if (c === Constant.NegativeZero) return -0;
      if (c === Constant.InvalidDate) return new Date(NaN);
      return fail('a constant extension of no known value');
    }
    case CloneExt.Port: {
      const id = readValue(depth);
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > MAX_PORT_NUMBER) return fail('a port extension without a port number');
      return current().importPort(id);
    }
  }
  return readSharedExt(type, n);
}

const RECEIVE: DecodePolicy = { views: false, ext: readExt, short: cachedText };

/**
 * The MessagePack bytes of a Comlink message, `h` numbering the ports in it. The bytes stay valid for good (the
 * endpoint may queue them while the link is full). Throws RpcError UNSERIALIZABLE for what structured clone would
 * not copy or this codec cannot carry, with the reason.
 */
export function encodeClone(h: PortHost, value: unknown): Uint8Array {
  const previous = host;
  host = h;
  try {
    return encodeKept(stand(value), SEND, 'comlinkEndpoint cannot send this message'); // the encoder writes a bare undefined as nil
  } finally {
    host = previous;
  }
}

/**
 * The Comlink message in `bytes`, `h` making the ports it names. Nothing returned aliases `bytes`. Throws RpcError
 * BAD_ARGS for bytes that are not one value of this encoding, or nest deeper than MAX_CLONE_DEPTH.
 */
export function decodeClone(h: PortHost, bytes: Uint8Array): unknown {
  const previous = host;
  host = h;
  try {
    return decode(bytes, RECEIVE, MAX_CLONE_DEPTH);
  } catch (error) {
    if (error instanceof RpcError) throw error;
    throw rpcError(RpcErrorCode.BAD_ARGS, `undecodable Comlink message: ${(error as Error)?.message ?? String(error)}`, error);
  } finally {
    host = previous;
  }
}
