import { fnv1a64 } from '../wire/fnv.js';
import type { RpcChannel } from './channel.js';
import { type CallOptions, DEFAULT_TIMEOUT_MS, SELF_HASH, connectionOf } from './connection.js';
import { Op, type ModuleDescription, type OpBody } from './messages.js';
import { createRemote, stateOf, withState } from './remote.js';
import type { Remote } from './types.js';

export interface WrapOptions {
  /** The module's name, as the exposing side gave it. Default: none (the default module). */
  name: string;
  /**
   * Deadline of every call, ms: from the call (waiting for the session to connect included) to its answer. On
   * expiry the call rejects with SW_ERR_RPC_TIMEOUT and the callee is told to stop. Default: 30,000.
   */
  timeoutMs: number;
}

/**
 * A typed proxy for the module the other side exposed on `channel` (Comlink's wrap): `await remote.method(args)`,
 * `await remote.property`. Calls made before the session is open wait for it, within their deadline.
 * Options: name (default: the default module), timeoutMs (30,000).
 */
export function wrap<T>(channel: RpcChannel, options: Readonly<Partial<WrapOptions>> = {}): Remote<T> {
  const moduleId = options.name === undefined ? 0n : fnv1a64(options.name);
  const connection = connectionOf(channel);
  connection.name(moduleId, options.name);
  return createRemote(connection, moduleId, [], { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS }, false, options.name) as Remote<T>;
}

/**
 * The same remote with other options for the calls made through it: a deadline, a cancel signal.
 * `await withOptions(remote, { signal }).search(q)`. The original is unchanged.
 */
export function withOptions<R>(remote: R, options: Readonly<Partial<CallOptions>>): R {
  return withState(stateOf(remote), options) as R;
}

/** The methods (with their least argument count) and properties of the module or object behind `remote`. */
export function describe(remote: unknown): Promise<ModuleDescription> {
  const { root, path, options } = stateOf(remote);
  return root.connection.call(root.moduleId, SELF_HASH, { op: Op.Describe, path: [...path] } satisfies OpBody, options) as Promise<ModuleDescription>;
}
