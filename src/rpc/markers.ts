// Comlink's marks, under Comlink's names: proxy() to pass by reference, transfer() to hand over buffers,
// releaseProxy to drop a remote proxy, finalizer to hear of it, transferHandlers to carry values of your own.

/** Marks objects and functions that go by reference (see proxy()). */
export const proxyMarker: unique symbol = /* @__PURE__ */ Symbol.for('swarmwire.proxy');
/** Call `remote[releaseProxy]()` to drop a remote proxy: later calls reject with SW_ERR_RPC_RELEASED. */
export const releaseProxy: unique symbol = /* @__PURE__ */ Symbol.for('swarmwire.releaseProxy');

/**
 * An exposed object's (or a proxy() value's) method under this key runs when a caller releases its proxy of it
 * (`remote[releaseProxy]()`, or a ref proxy collected): `expose({ …, [finalizer]() { … } }, link)`. A module stays
 * exposed; a ref is forgotten (Comlink's `finalizer`).
 */
export const finalizer: unique symbol = /* @__PURE__ */ Symbol.for('swarmwire.finalizer');

/** An object or function that crosses the wire by reference. */
export interface ProxyMarked {
  readonly [proxyMarker]: true;
}

/**
 * Passes `value` by reference instead of by copy: the other side gets a Remote whose calls come back here. Use it
 * for callbacks and for objects with state. Returns `value` itself, marked (Comlink's `proxy`).
 */
export function proxy<T extends object>(value: T): T & ProxyMarked {
  return Object.defineProperty(value, proxyMarker, { value: true, configurable: true }) as T & ProxyMarked;
}

/** True for values marked by proxy(). */
export function isProxyMarked(value: unknown): value is ProxyMarked {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && (value as Partial<ProxyMarked>)[proxyMarker] === true;
}

/**
 * How values of one kind cross (Comlink's TransferHandler): `canHandle` picks them, `serialize` turns one into a value
 * the wire carries (and buffers to hand over, as transfer() does), `deserialize` turns that back on the other side.
 */
export interface TransferHandler<T, S> {
  canHandle(value: unknown): value is T;
  serialize(value: T): [S, Transferable[]];
  deserialize(value: S): T;
}

/**
 * Transfer handlers by name (Comlink's `transferHandlers`): both sides register a handler under the same name,
 * and values it can handle cross as [name, serialized] (docs/protocol.md, RPC "Values"). They see every value but
 * plain objects and arrays (those are the hot path, and always copied), before the built-in kinds. A value names a
 * handler the receiver does not have: the call fails with SW_ERR_RPC_BAD_ARGS.
 */
export const transferHandlers: Map<string, TransferHandler<unknown, unknown>> = /* @__PURE__ */ new Map();

const transfers = new WeakMap<object, readonly Transferable[]>();

/**
 * Comlink's `transfer`: sends `value` and hands over the buffers in `list`. Frames carry copies of the bytes, so
 * after the send the listed ArrayBuffers are detached here, as postMessage would leave them: code written for
 * Comlink keeps its meaning (and cannot keep using bytes it gave away). Returns `value`.
 */
export function transfer<T>(value: T, list: readonly Transferable[]): T {
  if (typeof value === 'object' && value !== null) transfers.set(value, list);
  else if (list.length > 0) pendingPrimitive.push(...list);
  return value;
}
// transfer() of a primitive (rare) cannot be keyed: its list waits for the next send; so do the buffers a transfer
// handler's serialize() hands over (transferLater).
const pendingPrimitive: Transferable[] = [];

/** Hands `list` over with the value being sent now (detachTransferred detaches it once the send is done). @internal */
export function transferLater(list: readonly Transferable[]): void {
  if (list.length > 0) pendingPrimitive.push(...list);
}

/** Detaches what transfer() listed for any of `values` (the arguments or the result just sent). @internal */
export function detachTransferred(values: readonly unknown[]): void {
  // Runs for every call and every result; most transfer nothing, so nothing is allocated until a list turns up.
  let lists: Transferable[] | undefined = pendingPrimitive.length > 0 ? pendingPrimitive.splice(0) : undefined;
  for (const v of values) {
    if (typeof v === 'object' && v !== null) {
      const list = transfers.get(v);
      if (list) {
        transfers.delete(v);
        (lists ??= []).push(...list);
      }
    }
  }
  if (!lists) return;
  const buffers = lists.filter((t): t is ArrayBuffer => t instanceof ArrayBuffer && t.byteLength > 0);
  if (buffers.length > 0) structuredClone(buffers, { transfer: buffers });
}
