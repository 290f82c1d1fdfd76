// Lists of listeners and waiters for objects a relay holds one of per peer (a Session, its transport): most lists
// of an idle peer stay empty or hold one listener, and an array for each cost ~0.5 KB per peer (issue 17). A list
// is NONE (one frozen empty array for all), the one listener itself, or an array of two or more. Lists are replaced,
// never changed in place, so an emit walks the list it started with while listeners come and go.

/** The empty list every list starts as. Frozen: a list must be replaced, never pushed to, while it is this one. */
export const NONE: never[] = /* @__PURE__ */ Object.freeze([]) as unknown as never[];

/** An event's listeners: none (NONE), one, or an array of two or more. */
export type Listeners<A extends unknown[]> = ((...args: A) => void) | Array<(...args: A) => void>;

/** `list` with `listener` added at its end (a new list: the one given is not changed). */
export function added<A extends unknown[]>(list: Listeners<A>, listener: (...args: A) => void): Listeners<A> {
  // concat, not a spread: an array of its length, not of 17
  return list === NONE ? listener : typeof list === 'function' ? [list, listener] : list.concat(listener);
}

/** `list` without the first `listener` in it (a new list, or the same one if it has none). */
export function removed<A extends unknown[]>(list: Listeners<A>, listener: (...args: A) => void): Listeners<A> {
  if (list === listener) return NONE;
  if (typeof list === 'function') return list;
  const at = list.indexOf(listener);
  if (at < 0) return list;
  // Two down to one: the listener itself, not an array of one (a handshake's inbox leaves each transport so).
  if (list.length === 2) return list[1 - at]!;
  return list.filter((_, i) => i !== at);
}

/** Calls each listener of `list` with `args`, in order, with `self` as `this` (the object whose event it is). */
export function emit<A extends unknown[]>(list: Listeners<A>, self: unknown, ...args: A): void {
  if (typeof list === 'function') list.apply(self, args);
  else for (const l of list) l.apply(self, args);
}

/** `list` with `item` at its end: a new array in place of NONE, else the same array, pushed to. */
export function pushed<T>(list: T[], item: T): T[] {
  if (list === NONE) return [item];
  list.push(item);
  return list;
}
