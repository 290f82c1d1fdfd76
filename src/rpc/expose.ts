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
 * frame with module_id = fnv1a64(name) and method_hash = fnv1a32(method) — calls its methods. Reachable by name:
 * `target`'s own members and those of its prototype chain up to the first built-in prototype, and the same of the
 * objects they hold; a getter runs once per read. Never: `__proto__`, `constructor`, `prototype`, the members of
 * built-in prototypes (Object's, an array's push, a Map's set), symbols, private fields. Writes only where
 * `writable` says (README "Security"). Options: name (default: the default module), maxDepth (64),
 * maxBigIntDigits (2,048), maxArgBytes (16 MiB), stacks (false), maxConcurrent (10,000), writable (false). Returns a function that stops serving it.
 */
export function expose(target: object, channel: RpcChannel, options: Readonly<Partial<ExposeOptions>> = {}): () => void {
  const { name, ...limits } = options;
  const connection = connectionOf(channel);
  const moduleId = name === undefined ? 0n : fnv1a64(name);
  connection.name(moduleId, name);
  return connection.expose(moduleId, target, { ...DEFAULT_SERVE_LIMITS, ...limits });
}
