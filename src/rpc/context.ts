// The call an exposed function is serving, readable during its synchronous part (before its first await) and
// in each step of a stream it returns. A context object, not an extra argument: functions with optional or rest
// parameters would otherwise receive it as data.
import { RpcErrorCode, rpcError } from './errors.js';

/** What an exposed function can learn about the call it is serving. */
export interface CallContext {
  /** Aborts when the caller cancels (AbortSignal, deadline, a reader that stopped) or the connection closes. */
  readonly signal: AbortSignal;
  /** The caller's request id. */
  readonly requestId: number;
  /** The module called (0n for the default module). */
  readonly moduleId: bigint;
  /** The member called ('' for a proxied function itself). */
  readonly method: string;
}

let active: CallContext | undefined;

/**
 * The call being served. Read it at the top of an exposed function, before any `await`:
 * `const { signal } = currentCall()`. Throws RpcError SW_ERR_RPC_NO_CALL anywhere else.
 */
export function currentCall(): CallContext {
  if (!active) throw rpcError(RpcErrorCode.NO_CALL, 'currentCall() is only available in the synchronous part of an exposed function');
  return active;
}

/** Runs `fn` with `context` as the current call. @internal */
export function withCall<T>(context: CallContext, fn: () => T): T {
  const previous = active;
  active = context;
  try {
    return fn();
  } finally {
    active = previous;
  }
}
