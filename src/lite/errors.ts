// Errors across the wire for swarmwire/lite, in the RPC layer's shape (docs/protocol.md, RPC "Errors"):
// `{ status, message, name, data?: { code, fields, value } }`. Classes are rebuilt only from an allowlist (the
// built-in error classes and RpcError); any other name comes back as an Error carrying that name. The full SDK's
// `cause`, `errors` and `stack` fields, and classes registered with registerErrorClass(), are left to it.
import { Status } from '../wire/constants.js';
import { SwarmwireError } from '../wire/errors.js';
import { CODE_OF_STATUS, RpcError } from '../rpc/errors.js';

/** An Error frame's body as the RPC layer writes it. */
export interface ErrorBody {
  status: number;
  message: string;
  name: string;
  data?: { code?: unknown; fields?: Record<string, unknown>; value?: unknown };
}

const ALLOWED: Record<string, abstract new (...args: never[]) => Error> = /* @__PURE__ */ (() => ({
  Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, RpcError,
}))();
const KNOWN = ['message', 'stack', 'cause', 'code', 'errors', 'name', 'status'];

/** The Error body describing `thrown`: its status (ExecutionError unless it is a swarmwire error), name, message, code and own fields. */
export function errorBody(thrown: unknown): ErrorBody {
  if (!(thrown instanceof Error)) {
    return { status: Status.ExecutionError, name: 'Error', message: `a non-Error value was thrown: ${String(thrown)}`, data: { value: thrown } };
  }
  const e = thrown as Error & Record<string, unknown>;
  const body: ErrorBody = { status: e instanceof SwarmwireError ? e.status : Status.ExecutionError, message: String(e.message), name: String(e.name) };
  const data: NonNullable<ErrorBody['data']> = {};
  if (e.code !== undefined) data.code = e.code;
  for (const key of Object.keys(e)) if (!KNOWN.includes(key)) (data.fields ??= {})[key] = e[key];
  if (data.code !== undefined || data.fields) body.data = data;
  return body;
}

/** The error an Error frame's decoded body describes. */
export function remoteError(body: unknown): Error {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Partial<ErrorBody>;
  const status = typeof b.status === 'number' ? b.status : Status.ExecutionError;
  const data = (typeof b.data === 'object' && b.data !== null ? b.data : {}) as NonNullable<ErrorBody['data']>;
  // Plain implementations send { status, message }: their non-execution statuses become RpcErrors, as in the full SDK.
  const name = typeof b.name === 'string' ? b.name : status === Status.ExecutionError ? 'Error' : 'RpcError';
  const cls = ALLOWED[name] ?? Error;
  // A real Error with cls's prototype, without running cls's constructor (whose signature the wire knows nothing of).
  const error: Error = Reflect.construct(Error, [typeof b.message === 'string' ? b.message : 'remote error'], cls);
  if (cls === Error && name !== 'Error') define(error, 'name', name);
  if (cls === RpcError) {
    define(error, 'status', status);
    define(error, 'code', data.code ?? CODE_OF_STATUS[status] ?? 'SW_ERR_RPC_REMOTE');
  } else if (data.code !== undefined) define(error, 'code', data.code);
  if (typeof data.fields === 'object' && data.fields !== null) {
    for (const [key, value] of Object.entries(data.fields)) if (!KNOWN.includes(key)) define(error, key, value);
  }
  if (data.value !== undefined) define(error, 'value', data.value);
  return error;
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}
