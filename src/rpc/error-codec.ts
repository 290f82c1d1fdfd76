// Errors across the wire, in both of their forms: an Error frame's body (docs/protocol.md, RPC "Errors") and an error
// as a value (extension type Error). Class (from an allowlist), message, cause, code and own fields; the stack only
// when the exposing side asks. Unknown classes come back as Error with the remote name, never as a constructor the
// peer named: a peer must not be able to make this side run arbitrary constructors (capnweb's ERROR_TYPES). The one
// codec of both: the full SDK's RPC and swarmwire/lite answer and read Error frames here. It lives in the RPC layer,
// the lowest that can name every class it allows (TransportError, SessionError, RpcError) and RPC's codes.
import { Status } from '../wire/constants.js';
import { SwarmwireError, WireError } from '../wire/errors.js';
import { TransportError } from '../transport/transport.js';
import { SessionError } from '../session/errors.js';
import { CODE_OF_STATUS, RpcError, RpcErrorCode, rpcError } from './errors.js';
import type { RemoteErrorData, SerializedError } from './messages.js';
import type { ErrorBody } from '../session/messages.js';

type ErrorClass = abstract new (...args: never[]) => Error;

// Each class under its own name: the built-ins', and swarmwire's as named() set them (minifiers rename classes).
// Pure calls, so that a bundle that never reads errors from the wire drops the table with the classes it names: the
// map and the list each marked, not an arrow called in place, which a minifier unwraps and so loses the mark
// (dist/lite-browser.js is built with minifySyntax; test/package/lite-package.test.ts holds the table out).
const allowed = /* @__PURE__ */ new Map<string, ErrorClass>(/* @__PURE__ */ [
  Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError,
  SwarmwireError, WireError, TransportError, SessionError, RpcError,
].map((cls) => [cls.name, cls]));
const KNOWN_FIELDS = new Set(['message', 'stack', 'cause', 'code', 'errors', 'name', 'status']);

/**
 * Lets errors of class `cls` keep their class across the wire (both sides register it, under the same `name`,
 * default `cls.prototype.name` or `cls.name`). The rebuilt error is made without running the constructor: its
 * message, cause, code and own fields are copied over.
 */
export function registerErrorClass(cls: ErrorClass, name: string = (cls.prototype as Error).name ?? cls.name): void {
  allowed.set(name, cls);
}

/** The serialized form of a thrown value. @internal */
export function serializeError(thrown: unknown, stacks: boolean): SerializedError {
  if (!(thrown instanceof Error)) {
    return { status: Status.ExecutionError, name: 'Error', message: `a non-Error value was thrown: ${describeValue(thrown)}`, value: thrown };
  }
  const out: SerializedError = {
    status: thrown instanceof SwarmwireError ? thrown.status : Status.ExecutionError,
    name: typeof thrown.name === 'string' ? thrown.name : 'Error',
    message: String(thrown.message),
  };
  const e = thrown as Error & { code?: unknown; errors?: unknown };
  if (e.code !== undefined) out.code = e.code;
  if (e.cause !== undefined) out.cause = e.cause;
  if (thrown instanceof AggregateError && Array.isArray(e.errors)) out.errors = e.errors;
  if (stacks && typeof e.stack === 'string') out.stack = e.stack;
  let fields: Record<string, unknown> | undefined;
  for (const key of Object.keys(e)) {
    if (KNOWN_FIELDS.has(key)) continue;
    (fields ??= {})[key] = (e as unknown as Record<string, unknown>)[key];
  }
  if (fields) out.fields = fields;
  return out;
}

/** Rebuilds an error: the allowlisted class (or Error), with everything serializeError kept. @internal */
export function deserializeError(s: Partial<SerializedError>): Error {
  const name = typeof s.name === 'string' ? s.name : 'Error';
  const cls = allowed.get(name) ?? Error;
  const message = typeof s.message === 'string' ? s.message : '';
  const options = s.cause === undefined ? undefined : { cause: s.cause };
  // Reflect.construct makes a real Error (with its internal slot) whose prototype is cls's, without running
  // cls's own constructor, whose signature the wire knows nothing about.
  const error: Error = cls === AggregateError || (cls.prototype instanceof AggregateError)
    ? Reflect.construct(AggregateError, [Array.isArray(s.errors) ? s.errors : [], message, options], cls as never)
    : Reflect.construct(Error, [message, options], cls as never);
  if (!allowed.has(name)) define(error, 'name', name);
  if (cls === RpcError || cls.prototype instanceof SwarmwireError) {
    define(error, 'status', typeof s.status === 'number' ? s.status : Status.ExecutionError);
    define(error, 'code', s.code ?? CODE_OF_STATUS[s.status ?? -1] ?? 'SW_ERR_RPC_REMOTE');
  } else if (s.code !== undefined) {
    define(error, 'code', s.code);
  }
  if (s.fields && typeof s.fields === 'object') {
    for (const [key, value] of Object.entries(s.fields)) if (!KNOWN_FIELDS.has(key) && key !== '__proto__') define(error, key, value);
  }
  if (s.value !== undefined) define(error, 'value', s.value);
  if (typeof s.stack === 'string') define(error, 'stack', s.stack);
  return error;
}

/**
 * An Error frame's payload for `thrown`: `{ status, message, name, data? }`, `data` holding the rest of
 * serializeError's map, written by `encode`. Fields that cannot cross (a function, a symbol, an error as `cause`
 * where the encoder takes no errors, as lite's) are dropped rather than leaving the caller to wait for its deadline:
 * the body is written again with the code alone, then without `data`. @internal
 */
export function errorPayload(thrown: unknown, stacks: boolean, encode: (body: ErrorBody) => Uint8Array): Uint8Array {
  const { status, message, name, ...data } = serializeError(thrown, stacks);
  const head: ErrorBody = { status, message, name };
  const bodies = [Object.keys(data).length ? { ...head, data } : head, ...(data.code === undefined ? [] : [{ ...head, data: { code: data.code } }]), head];
  for (let i = 0; ; i++) {
    try {
      return encode(bodies[i]!);
    } catch (error) {
      if (i === bodies.length - 1) throw error;
    }
  }
}

/** The error an Error frame's decoded body (or a failed stream's StreamEnd) describes. @internal */
export function remoteError(body: unknown): Error {
  if (typeof body !== 'object' || body === null) return rpcError(RpcErrorCode.PROTOCOL, 'an Error frame without a body');
  const { status, message, name, data } = body as Partial<ErrorBody> & { data?: RemoteErrorData };
  return deserializeError({
    ...(typeof data === 'object' && data !== null ? data : {}),
    status: typeof status === 'number' ? status : Status.ExecutionError,
    message: typeof message === 'string' ? message : 'remote error',
    // Plain implementations send { status, message }: their non-execution statuses become RpcErrors.
    name: typeof name === 'string' ? name : status === Status.ExecutionError || status === undefined ? 'Error' : 'RpcError',
  });
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: key !== 'stack', configurable: true });
}

function describeValue(v: unknown): string {
  try {
    return typeof v === 'string' ? JSON.stringify(v) : String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}
