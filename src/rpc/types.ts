// Remote<T>: what wrap<T>() returns, typed from the interface the other side exposes. Types only.
import type { ProxyMarked, releaseProxy } from './markers.js';

type AnyFunction = (...args: any[]) => any;
type AnyConstructor = abstract new (...args: any[]) => any;

/** Methods every remote proxy has. */
export interface ProxyMethods {
  /** Drops the proxy; later calls reject with SW_ERR_RPC_RELEASED. For refs, the other side forgets the object. */
  [releaseProxy](): void;
  /** The same as releaseProxy, for `using`. */
  [Symbol.dispose](): void;
}

/** What a call resolves with, given what the remote function returns (already awaited). */
export type RemoteResult<R> =
  R extends ProxyMarked ? Remote<R>
  : R extends ReadableStream<infer C> ? ReadableStream<C>
  : R extends AsyncIterable<infer C> ? AsyncIterableIterator<C>
  : R;

/** What may be passed for a parameter: functions go by reference, so they must be wrapped in proxy(). */
export type LocalArgument<P> = P extends AnyFunction ? P & ProxyMarked : P;

/** A remote function: the same parameters, a promise of the result. */
export type RemoteFunction<F> = F extends (...args: infer A) => infer R
  ? (...args: { [I in keyof A]: LocalArgument<A[I]> }) => Promise<RemoteResult<Awaited<R>>>
  : never;

/** A remote class: `await new remote(...)` constructs an instance there and gives a Remote of it. */
export type RemoteConstructor<C> = C extends abstract new (...args: infer A) => infer I
  ? new (...args: { [K in keyof A]: LocalArgument<A[K]> }) => Promise<Remote<I>>
  : never;

/** A remote member: functions become RemoteFunction; other values are read with `await` (and nest). */
export type RemoteProperty<V> = V extends AnyFunction
  ? RemoteFunction<V>
  : Promise<RemoteResult<V>> & (V extends object ? RemoteObject<V> : unknown) & (V extends AnyConstructor ? RemoteConstructor<V> : unknown);

/** The string-keyed members of T, each remote. */
export type RemoteObject<T> = { readonly [K in keyof T as K extends string ? K : never]: RemoteProperty<T[K]> };

/** A proxy for a remote T (Comlink's Remote): methods return promises, properties are awaited. */
export type Remote<T> = RemoteObject<T> & (T extends AnyFunction ? RemoteFunction<T> : unknown) &
  (T extends AnyConstructor ? RemoteConstructor<T> : unknown) & ProxyMethods;
