// What a Request asks an exposed module to do, and doing it — the one dispatcher of every server: the full SDK's
// RPC (perform), swarmwire/lite's (call) and the relay's built-in module (call). The member named by method_hash (the
// plain form any implementation sends) or the extended form's get / set / apply / describe on a path, each step
// checked by members.ts. Release is the connection's business (it owns the modules).
import { RpcErrorCode, rpcError } from './errors.js';
import type { CallContext } from './context.js';
import { withCall } from './context.js';
import { assign, hashTable, lookup, membersOf } from './members.js';
import { Op, type OpBody } from './messages.js';
import type { ServeLimits } from './connection.js';
import { fnv1a32 } from '../wire/fnv.js';

/** An exposed object (or a ref handed out by proxy()), with its limits and its method_hash table. */
export interface Module {
  target: object;
  limits: ServeLimits;
  /** method_hash → member name, built on first use and again when a hash is not found (members added since). */
  table: Map<number, string> | undefined;
  ref: boolean;
}

/** What operationOf() needs of a module: its target and the method_hash table it keeps. */
export type Dispatchable = Pick<Module, 'target' | 'table'>;

/** method_hash of the empty name: the exposed function itself (docs/protocol.md, RPC). */
export const SELF_HASH = /* @__PURE__ */ fnv1a32('');

/** The operation a Request payload asks for. Throws RpcError METHOD_NOT_FOUND or BAD_ARGS. */
export function operationOf(module: Dispatchable, methodHash: number, body: unknown): OpBody {
  if (Array.isArray(body)) {
    if (methodHash === SELF_HASH && typeof module.target === 'function') return { op: Op.Apply, path: [], args: body };
    let name = (module.table ??= hashTable(module.target)).get(methodHash);
    if (name === undefined) name = (module.table = hashTable(module.target)).get(methodHash);
    if (name === undefined) throw rpcError(RpcErrorCode.METHOD_NOT_FOUND, `no method 0x${methodHash.toString(16).padStart(8, '0')}`);
    return { op: Op.Apply, path: [name], args: body };
  }
  const op = body as Partial<OpBody>;
  if (typeof body !== 'object' || body === null || typeof op.op !== 'number' || !Array.isArray(op.path) || !op.path.every((p) => typeof p === 'string')) {
    throw rpcError(RpcErrorCode.BAD_ARGS, 'a Request payload must be an array of arguments');
  }
  if (op.args !== undefined && !Array.isArray(op.args)) throw rpcError(RpcErrorCode.BAD_ARGS, 'args must be an array');
  return op as OpBody;
}

/** The object `path` (all but its last name) leads to from `target`, each step checked by members.ts. */
function parentOf(target: object, path: readonly string[]): object {
  let parent: object = target;
  for (let i = 0; i < path.length - 1; i++) {
    const next = lookup(parent, path[i]!)?.value;
    if ((typeof next !== 'object' && typeof next !== 'function') || next === null) throw notFound(path.slice(0, i + 1));
    parent = next;
  }
  return parent;
}

/**
 * Runs a Get or an Apply — what every server answers, swarmwire/lite's and the relay's built-in module included.
 * A function runs through `run` (the full SDK sets currentCall() there). Any other operation is refused with
 * RpcError BAD_ARGS saying `unserved` (whose server this is). Throws RpcError METHOD_NOT_FOUND, ARITY or what the
 * function throws synchronously.
 */
export function call(module: Pick<Module, 'target'>, op: OpBody, run: (fn: Function, self: unknown, args: unknown[], method: string) => unknown = (fn, self, args) => Reflect.apply(fn, self, args), unserved = 'this server'): unknown {
  const { target } = module;
  const path = op.path;
  const parent = parentOf(target, path);
  const last = path[path.length - 1];
  if (op.op === Op.Get) {
    const member = last === undefined ? undefined : lookup(parent, last);
    if (!member) throw last === undefined ? rpcError(RpcErrorCode.BAD_ARGS, 'get needs a path') : notFound(path);
    return member.value;
  }
  if (op.op !== Op.Apply) throw rpcError(RpcErrorCode.BAD_ARGS, `operation ${String(op.op)} is not served by ${unserved}`);
  // One lookup: a getter runs once per call, not once to test and again to read.
  const member = last === undefined ? undefined : lookup(parent, last);
  const fn = last === undefined ? target : member?.value;
  const args = op.args ?? [];
  if (typeof fn !== 'function') {
    if (member && args.length === 0) return fn; // a plain caller reading a property
    throw notFound(path, 'is not a function');
  }
  if (args.length < fn.length) throw rpcError(RpcErrorCode.ARITY, `${path.join('.') || 'the function'} takes at least ${fn.length} argument(s), got ${args.length}`);
  return run(fn, last === undefined ? undefined : parent, args, path.join('.'));
}

/**
 * Runs an operation (not Release) on a module: call()'s Get and Apply — a function with `context(method)` as its
 * currentCall() — and the full SDK's Set (opted in per expose()) and Describe. Throws RpcError METHOD_NOT_FOUND,
 * ARITY, BAD_ARGS or READ_ONLY, or what the function throws synchronously.
 */
export function perform(module: Module, op: OpBody, context: (method: string) => CallContext, moduleId: bigint): unknown {
  const { target } = module;
  const path = op.path;
  const last = path[path.length - 1];
  switch (op.op) {
    case Op.Set: {
      const { writable } = module.limits;
      const dotted = path.join('.');
      // Opted in (expose's `writable`), and then only where assign() allows: never a method, a function or a prototype.
      if ((writable !== true && !(Array.isArray(writable) && writable.includes(dotted))) || last === undefined || !assign(parentOf(target, path), last, op.value)) {
        throw rpcError(RpcErrorCode.READ_ONLY, `"${dotted}" is read-only`);
      }
      return undefined;
    }
    case Op.Describe:
      return { module: moduleId.toString(16).padStart(16, '0'), ...membersOf(path.length ? (lookup(parentOf(target, path), last!)?.value as object) ?? {} : target) };
    default:
      return call(module, op, (fn, self, args, method) => withCall(context(method), () => Reflect.apply(fn, self, args)));
  }
}

function notFound(path: readonly string[], what = 'is not reachable'): Error {
  return rpcError(RpcErrorCode.METHOD_NOT_FOUND, `"${path.join('.')}" ${what}`);
}
