// What a Request asks an exposed module to do, and doing it: the member named by method_hash (the plain form any
// implementation sends) or the extended form's get / set / apply / describe on a path, each step checked by
// members.ts. Release is the connection's business (it owns the modules).
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

const SELF_HASH = /* @__PURE__ */ fnv1a32('');

/** The operation a Request payload asks for. Throws RpcError METHOD_NOT_FOUND or BAD_ARGS. */
export function operationOf(module: Module, methodHash: number, body: unknown): OpBody {
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

/**
 * Runs an operation (not Release) on a module; returns its result, perhaps a promise or a stream. A function runs
 * with `context(method)` as its currentCall(). Throws RpcError METHOD_NOT_FOUND, ARITY or BAD_ARGS, or what the
 * function throws synchronously.
 */
export function perform(module: Module, op: OpBody, context: (method: string) => CallContext, moduleId: bigint): unknown {
  const { target } = module;
  const path = op.path;
  let parent: object = target;
  for (let i = 0; i < path.length - 1; i++) {
    const next = lookup(parent, path[i]!)?.value;
    if ((typeof next !== 'object' && typeof next !== 'function') || next === null) throw notFound(path.slice(0, i + 1));
    parent = next;
  }
  const last = path[path.length - 1];
  switch (op.op) {
    case Op.Apply: {
      // One lookup: a getter runs once per call, not once to test and again to read.
      const member = last === undefined ? undefined : lookup(parent, last);
      const fn = last === undefined ? target : member?.value;
      const args = op.args ?? [];
      if (typeof fn !== 'function') {
        if (member && args.length === 0) return fn; // a plain caller reading a property
        throw notFound(path, 'is not a function');
      }
      if (args.length < fn.length) throw rpcError(RpcErrorCode.ARITY, `${path.join('.') || 'the function'} takes at least ${fn.length} argument(s), got ${args.length}`);
      return withCall(context(path.join('.')), () => Reflect.apply(fn, last === undefined ? undefined : parent, args));
    }
    case Op.Get: {
      if (last === undefined) throw rpcError(RpcErrorCode.BAD_ARGS, 'get needs a path');
      const member = lookup(parent, last);
      if (!member) throw notFound(path);
      return member.value;
    }
    case Op.Set: {
      const { writable } = module.limits;
      const dotted = path.join('.');
      // Opted in (expose's `writable`), and then only where assign() allows: never a method, a function or a prototype.
      if ((writable !== true && !(Array.isArray(writable) && writable.includes(dotted))) || last === undefined || !assign(parent, last, op.value)) {
        throw rpcError(RpcErrorCode.READ_ONLY, `"${dotted}" is read-only`);
      }
      return undefined;
    }
    case Op.Describe:
      return { module: moduleId.toString(16).padStart(16, '0'), ...membersOf(path.length ? (lookup(parent, last!)?.value as object) ?? {} : target) };
    default:
      throw rpcError(RpcErrorCode.BAD_ARGS, `unknown operation ${String(op.op)}`);
  }
}

function notFound(path: readonly string[], what = 'is not reachable'): Error {
  return rpcError(RpcErrorCode.METHOD_NOT_FOUND, `"${path.join('.')}" ${what}`);
}
