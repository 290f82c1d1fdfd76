// The caller's side: a Proxy standing for a remote module (or a ref, or a member path on one). Property reads
// extend the path; calls send a Request; `await remote.prop` reads a property; assignments write one.
import { fnv1a32 } from '../wire/fnv.js';
import { type CallOptions, type Connection, SELF_HASH } from './connection.js';
import { RpcErrorCode, rpcError } from './errors.js';
import { releaseProxy } from './markers.js';
import { Op, type OpBody } from './messages.js';
import type { CallNames } from './not-found.js';

/** Reaches a remote's internals (tests, withOptions, describe). @internal */
export const remoteState: unique symbol = /* @__PURE__ */ Symbol('swarmwire.remoteState');

/** What every proxy of one remote tree shares. @internal */
export interface RemoteRoot {
  connection: Connection;
  moduleId: bigint;
  /** A ref the peer handed out (releasing tells the peer); false for named modules. */
  ref: boolean;
  released: boolean;
  /** The module's name as wrap() was given it (undefined: the default module, or a ref). */
  name?: string | undefined;
}

/** @internal */
export interface RemoteState {
  root: RemoteRoot;
  path: readonly string[];
  options: Readonly<CallOptions>;
  /** The root proxy, held by every proxy derived from it, so the root is collected only when none is reachable. */
  anchor?: unknown;
  /** This state's own proxy. */
  self?: unknown;
}

/** Tells the owner of a ref that this side dropped it. */
function releaseRoot(root: RemoteRoot, options: Readonly<CallOptions>): void {
  if (root.released) return;
  root.released = true;
  if (root.ref && !root.connection.closed) {
    root.connection.call(root.moduleId, SELF_HASH, { op: Op.Release, path: [] } satisfies OpBody, options).catch(() => {});
  }
}

// A ref proxy that becomes unreachable without releaseProxy releases itself, as Comlink's do, so callbacks and
// objects passed by reference do not pile up on the side that exported them.
const finalizers = typeof FinalizationRegistry === 'function'
  ? /* @__PURE__ */ new FinalizationRegistry<RemoteRoot>((root) => releaseRoot(root, { timeoutMs: 30_000 }))
  : undefined;

const disposeSymbol: symbol | undefined = /* @__PURE__ */ (() => (Symbol as { dispose?: symbol }).dispose)();

/** Makes the proxy for `path` of a module. @internal */
export function createRemote(connection: Connection, moduleId: bigint, path: readonly string[], options: Readonly<CallOptions>, ref = false, name?: string): unknown {
  const root: RemoteRoot = { connection, moduleId, ref, released: false, name };
  const remote = proxyFor({ root, path, options });
  if (ref) finalizers?.register(remote as object, root, root);
  return remote;
}

/** A proxy for the same remote with other call options. @internal */
export function withState(state: RemoteState, options: Partial<CallOptions>): unknown {
  return proxyFor({ ...state, options: { ...state.options, ...options }, anchor: state.anchor ?? state.self });
}

function proxyFor(state: RemoteState): unknown {
  const { root, path, options } = state;
  const children = new Map<string, unknown>();
  // Calls of a top-level member (the hot path) use the plain form: an argument array, method_hash = fnv1a32(name).
  const methodHash = path.length === 0 ? SELF_HASH : fnv1a32(path.join('.'));
  const plain = path.length <= 1;
  // Made once per proxy, not per call: what a missing module or method is called in the caller's error.
  const names: CallNames = { module: root.name, method: path.join('.'), plain: false, ref: root.ref };
  const plainNames: CallNames = plain ? { ...names, plain: true } : names;
  const release = (): void => {
    finalizers?.unregister(root);
    releaseRoot(root, options);
  };
  const request = (body: unknown, args?: readonly unknown[], callNames = names): Promise<unknown> => {
    if (root.released) return Promise.reject(rpcError(RpcErrorCode.RELEASED, `the proxy of ${path.join('.') || 'this module'} was released`));
    return root.connection.call(root.moduleId, methodHash, body, options, args, callNames);
  };
  const target = function remote(): void {};
  const self: object = new Proxy(target, {
    get(_, prop) {
      if (prop === 'then') {
        if (path.length === 0) return undefined; // the module itself is not a promise (so it can be awaited or returned)
        return (resolve: (v: unknown) => void, reject: (e: unknown) => void) => request({ op: Op.Get, path: [...path] } satisfies OpBody).then(resolve, reject);
      }
      if (prop === releaseProxy || (disposeSymbol !== undefined && prop === disposeSymbol)) return release;
      if (prop === remoteState) return state;
      if (typeof prop === 'symbol') return undefined;
      let child = children.get(prop);
      if (child === undefined) {
        child = proxyFor({ root, path: [...path, prop], options, anchor: state.anchor ?? self });
        children.set(prop, child);
      }
      return child;
    },
    set(_, prop, value) {
      if (typeof prop === 'symbol') return false;
      // Fire and forget, like Comlink; frames keep their order, so a later read sees the write.
      request({ op: Op.Set, path: [...path, prop], value } satisfies OpBody).catch(() => {});
      return true;
    },
    apply(_, __, args: unknown[]) {
      return request(plain ? args : ({ op: Op.Apply, path: [...path], args } satisfies OpBody), args, plainNames);
    },
    has: (_, prop) => prop === releaseProxy || prop === disposeSymbol,
  });
  state.self = self;
  return self;
}

/** The state behind a remote proxy, or a TypeError for anything else. @internal */
export function stateOf(remote: unknown): RemoteState {
  const state = (typeof remote === 'function' ? (remote as unknown as Record<symbol, RemoteState | undefined>)[remoteState] : undefined);
  if (!state) throw new TypeError('[swarmwire] not a remote proxy (expected what wrap() returned)');
  return state;
}
