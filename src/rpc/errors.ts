import { Status } from '../wire/constants.js';
import { SwarmwireError, named } from '../wire/errors.js';

// Typed as SwarmwireError's class (it adds no member): left to inference, the declaration spelled out Error's
// statics, and @types/node's among them (NodeJS.CallSite), which projects without Node's types cannot read.
/** A remote call failed for a reason of the RPC layer (not an error the remote function threw). */
export const RpcError: typeof SwarmwireError = /* @__PURE__ */ named(class RpcError extends SwarmwireError {}, 'RpcError');
export type RpcError = InstanceType<typeof RpcError>;

export const RpcErrorCode = {
  /** No module with that module_id is exposed on the connection. */
  MODULE_NOT_FOUND: 'SW_ERR_RPC_MODULE_NOT_FOUND',
  /** No reachable member by that name (or hash), or the name is off limits (`__proto__`, `constructor`, …). */
  METHOD_NOT_FOUND: 'SW_ERR_RPC_METHOD_NOT_FOUND',
  /** Arguments that do not decode, are not an array, or pass the depth or size limits. */
  BAD_ARGS: 'SW_ERR_RPC_BAD_ARGS',
  /** Fewer arguments than the function declares. */
  ARITY: 'SW_ERR_RPC_ARITY',
  /** A value that cannot cross the wire (a function not wrapped in proxy(), a symbol, …). */
  UNSERIALIZABLE: 'SW_ERR_RPC_UNSERIALIZABLE',
  /** No answer within the call's deadline. */
  TIMEOUT: 'SW_ERR_RPC_TIMEOUT',
  /** The call (or stream) was cancelled: an AbortSignal, a Cancel frame, a reader that stopped. */
  CANCELLED: 'SW_ERR_RPC_CANCELLED',
  /** The connection closed while the call was pending. */
  CLOSED: 'SW_ERR_RPC_CLOSED',
  /** The proxy was released (releaseProxy / Symbol.dispose). */
  RELEASED: 'SW_ERR_RPC_RELEASED',
  /** Too many calls are running on the connection (ServeLimits.maxConcurrent). */
  BUSY: 'SW_ERR_RPC_BUSY',
  /** A repeated request whose result the callee no longer keeps (it never runs a call twice). */
  GONE: 'SW_ERR_RPC_GONE',
  /** currentCall() outside the synchronous part of an exposed function. */
  NO_CALL: 'SW_ERR_RPC_NO_CALL',
  /** The peer broke the RPC rules (a stream frame for no stream, a bad StreamHandle). */
  PROTOCOL: 'SW_ERR_RPC_PROTOCOL',
  /** A write the module does not take: not opted in with expose's `writable`, or onto a method, getter or prototype. */
  READ_ONLY: 'SW_ERR_RPC_READ_ONLY',
} as const;
export type RpcErrorCode = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

// Tables made by pure calls: their keys and values read other modules' constants, which a bundler cannot prove
// free of side effects, so as plain literals they would stay in bundles that never use RPC.
/**
 * The status an Error frame carries for each code that is not ExecutionError, rpcError's default (the exceptions
 * only: fewer bytes in swarmwire/lite's size budget).
 */
export const RPC_STATUS: Readonly<Partial<Record<RpcErrorCode, Status>>> = /* @__PURE__ */ (() => ({
  SW_ERR_RPC_MODULE_NOT_FOUND: Status.ModuleNotFound,
  SW_ERR_RPC_METHOD_NOT_FOUND: Status.MethodNotFound,
  SW_ERR_RPC_BAD_ARGS: Status.InvalidFrame,
  SW_ERR_RPC_ARITY: Status.InvalidFrame,
  SW_ERR_RPC_UNSERIALIZABLE: Status.InvalidFrame,
  SW_ERR_RPC_TIMEOUT: Status.Timeout,
  SW_ERR_RPC_CANCELLED: Status.Cancelled,
  SW_ERR_RPC_BUSY: Status.QuotaExceeded,
  SW_ERR_RPC_PROTOCOL: Status.InvalidFrame,
  SW_ERR_RPC_READ_ONLY: Status.Unauthorized,
}))();

/** The code a plain Error frame's status stands for, when the frame names no code. @internal */
export const CODE_OF_STATUS: Partial<Record<number, RpcErrorCode>> = /* @__PURE__ */ (() => ({
  [Status.ModuleNotFound]: RpcErrorCode.MODULE_NOT_FOUND,
  [Status.MethodNotFound]: RpcErrorCode.METHOD_NOT_FOUND,
  [Status.InvalidFrame]: RpcErrorCode.BAD_ARGS,
  [Status.Timeout]: RpcErrorCode.TIMEOUT,
  [Status.Cancelled]: RpcErrorCode.CANCELLED,
  [Status.QuotaExceeded]: RpcErrorCode.BUSY,
}))();

/** @internal */
export function rpcError(code: RpcErrorCode, message: string, cause?: unknown): RpcError {
  return new RpcError(code, RPC_STATUS[code] ?? Status.ExecutionError, message, cause === undefined ? undefined : { cause });
}
