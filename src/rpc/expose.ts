import { fnv1a64 } from '../wire/fnv.js';
import type { RpcChannel } from './channel.js';
import { DEFAULT_SERVE_LIMITS, type ServeLimits, connectionOf } from './connection.js';

export interface ExposeOptions extends ServeLimits {
  /**
   * The module's name: its module_id is fnv1a64(name), so many modules share one connection and any
   * implementation of the wire contract can call them. Default: none (module_id 0, the default module).
   */
  name: string;
}

/**
 * Serves `target` on `channel` (a Session, a Transport or an RpcLink): the other side's wrap() — or any Request
 * frame with module_id = fnv1a64(name) and method_hash = fnv1a32(method) — calls its methods. Only `target`'s own
 * members and its prototype chain below Object.prototype are reachable. Options: name (default: the default module),
 * maxDepth (64), maxBigIntDigits (2,048), maxArgBytes (16 MiB), stacks (false), maxConcurrent (10,000). Returns a function
 * that stops serving it.
 */
export function expose(target: object, channel: RpcChannel, options: Readonly<Partial<ExposeOptions>> = {}): () => void {
  const { name, ...limits } = options;
  return connectionOf(channel).expose(name === undefined ? 0n : fnv1a64(name), target, { ...DEFAULT_SERVE_LIMITS, ...limits });
}
