// wrap() and expose() for swarmwire/lite, on the full SDK's wire forms: a call of a top-level method is a Request
// with the arguments as an array and method_hash = fnv1a32(name); reading a property (`await remote.x`) and nested
// paths use the extended form `{ op, path, args }`. So a lite caller can call a full-SDK module and the other way
// round, directly or through a relay.
import { fnv1a32, fnv1a64Parts } from '../wire/fnv.js';
import { idHex } from '../wire/node-id.js';
import type { CallOptions } from '../rpc/connection.js';
import type { ExposeOptions } from '../rpc/expose.js';
import type { WrapOptions } from '../rpc/wrap.js';
import { type LiteConnection, moduleKey } from './connection.js';

/** Options of lite's wrap(): the full SDK's, plus the node behind the relay that exposes the module. */
export interface LiteWrapOptions extends WrapOptions {
  /**
   * The node that exposes it, by id (32 hex digits or 16 bytes), when it sits behind the relay `conn` is connected
   * to: calls travel in Routed envelopes. Default: none (the peer itself).
   */
  to: string | Uint8Array;
}

/** Options of lite's expose(): the full SDK's name and the two limits lite applies (it takes no writes at all). */
export type LiteExposeOptions = Pick<ExposeOptions, 'name' | 'maxArgBytes' | 'maxConcurrent'>;

type AnyFunction = (...args: any[]) => any;
/**
 * What lite's wrap<T>() returns: methods return promises of their awaited results, properties are read with
 * `await`. Narrower than the full SDK's Remote<T>: no callbacks, streams or proxies cross lite.
 */
export type LiteRemote<T> = {
  readonly [K in keyof T as K extends string ? K : never]: T[K] extends AnyFunction
    ? (...args: Parameters<T[K]>) => Promise<Awaited<ReturnType<T[K]>>>
    : Promise<T[K]> & LiteRemote<T[K]>;
};

const STATE: unique symbol = /* @__PURE__ */ Symbol('swarmwire.lite.remote');

interface State {
  conn: LiteConnection;
  route: { to: Uint8Array | undefined; key: string };
  hi: number;
  lo: number;
  /** The module's name as wrap() was given it, for errors the callee could only state as hashes. */
  name: string | undefined;
  path: string[];
  options: Readonly<CallOptions>;
}

function remote(state: State): unknown {
  const { conn, route, hi, lo, name, path, options } = state;
  // The callee saw only hashes (`no method 0xd1a908be`, `no module 0x… is exposed here`): say what was asked for.
  const named = (e: { code?: unknown; message: string }): never => {
    if (/_NOT_FOUND$/.test(e?.code as string)) e.message += ` (asked for "${path.join('.')}" on ${name === undefined ? 'the default module' : `module "${name}"`})`;
    throw e;
  };
  const call = (body: unknown): Promise<unknown> => conn.call(route, hi, lo, fnv1a32(path.join('.')), body, options).catch(named);
  return new Proxy(function remote() {}, {
    get(_, prop) {
      if (prop === STATE) return state;
      // The module itself is not a promise (so it can be awaited or returned); a member is read by awaiting it.
      if (prop === 'then') return path.length ? (ok: (v: unknown) => void, no: (e: unknown) => void) => call({ op: 1, path }).then(ok, no) : undefined;
      return typeof prop === 'string' ? remote({ ...state, path: [...path, prop] }) : undefined;
    },
    apply: (_, __, args: unknown[]) => call(path.length > 1 ? { op: 3, path, args } : args),
  });
}

const bytesOf = (id: string): Uint8Array => {
  if (!/^[0-9a-f]{32}$/i.test(id)) throw new TypeError(`[swarmwire] a node id is 32 hex digits, got ${JSON.stringify(id)}`);
  return Uint8Array.from(id.match(/../g)!, (b) => parseInt(b, 16));
};

/**
 * A typed proxy for the module the other side exposed (Comlink's wrap): `await remote.method(args)`,
 * `await remote.property`. Every call has a deadline; closing the connection rejects what is pending.
 * Options: name (default module), to (the peer itself), timeoutMs (30,000).
 */
export function wrap<T>(conn: LiteConnection, options: Readonly<Partial<LiteWrapOptions>> = {}): LiteRemote<T> {
  const { name, to } = options;
  const [hi, lo] = name === undefined ? [0, 0] : fnv1a64Parts(name);
  const bytes = to === undefined ? undefined : typeof to === 'string' ? bytesOf(to) : to;
  const route = { to: bytes, key: bytes ? idHex(bytes) : '' };
  return remote({ conn, route, hi, lo, name, path: [], options: { timeoutMs: options.timeoutMs ?? 30_000 } }) as LiteRemote<T>;
}

/**
 * The same remote with other options for the calls made through it: `await withOptions(remote, { signal,
 * timeoutMs }).search(q)`. The original is unchanged.
 */
export function withOptions<R>(proxy: R, options: Readonly<Partial<CallOptions>>): R {
  const state = typeof proxy === 'function' ? (proxy as unknown as Record<symbol, State | undefined>)[STATE] : undefined;
  if (!state) throw new TypeError('[swarmwire] not a remote proxy (expected what wrap() returned)');
  return remote({ ...state, options: { ...state.options, ...options } }) as R;
}

/**
 * Serves `target` on `conn`: the other side's wrap() — from the peer itself or from any node behind a relay — calls
 * its methods and reads its properties. Reachable as with the full SDK's expose() (the same rules, rpc/members.ts):
 * `target`'s own members and its prototype chain up to the first built-in prototype, and those of the objects they
 * hold (`__proto__`, `constructor`, built-ins' methods, … are MethodNotFound). Lite takes no writes at all: a set
 * is refused with RpcError SW_ERR_RPC_BAD_ARGS. Options: name (the default module), maxArgBytes (16 MiB),
 * maxConcurrent (10,000). Returns a function that stops serving it.
 */
export function expose(target: object, conn: LiteConnection, options: Readonly<Partial<LiteExposeOptions>> = {}): () => void {
  const [hi, lo] = options.name === undefined ? [0, 0] : fnv1a64Parts(options.name);
  const key = moduleKey(hi, lo);
  const module = { target, table: undefined, limits: { maxArgBytes: options.maxArgBytes ?? 16 * 1024 * 1024, maxConcurrent: options.maxConcurrent ?? 10_000 } };
  conn.modules.set(key, module);
  return () => {
    if (conn.modules.get(key) === module) conn.modules.delete(key);
  };
}
