// What a peer may reach on an exposed object: its own members and those of its prototype chain up to the first
// built-in prototype (Object.prototype, Function.prototype, Array.prototype, Map.prototype, …), by name. Everything
// else — `__proto__`, `constructor`, `prototype`, the built-ins' methods, symbols — is MethodNotFound, so a peer
// cannot climb to constructors or globals, nor write through a built-in (a shared array's push, a Map's set).
// Writes are narrower still (assign): own data properties and setters only, never a function.
import { fnv1a32 } from '../wire/fnv.js';
import type { MethodInfo } from './messages.js';

// The names that lead to constructors, prototypes and callers, refused even as own members. The built-ins' other
// members (toString, call, hasOwnProperty, …) are out of reach because the walk stops at built-in prototypes; an
// object's own `name` or `length` is plain data.
const FORBIDDEN = /* @__PURE__ */ new Set<string>(['__proto__', 'constructor', 'prototype', 'caller', 'callee', 'arguments']);

/** A member found on a target: its value (a getter already called) and the object it was found on. */
export interface Member {
  value: unknown;
  descriptor: PropertyDescriptor;
}

const NATIVE = /\[native code]\s*}$/;
const builtins = /* @__PURE__ */ new WeakMap<object, boolean>();

/**
 * True for the prototype of a class the platform provides: its `constructor` is native code (Object, Array, Map,
 * Date, Promise, typed arrays, errors, …), or Node's Buffer (written in JavaScript, but its methods write too).
 * Comlink's values (comlink-clone.ts) use it to refuse the platform objects they cannot carry. @internal
 */
export function isBuiltin(proto: object): boolean {
  let known = builtins.get(proto);
  if (known === undefined) {
    // The descriptor, not proto.constructor: a getter of the exposed object's own class must not run here.
    const ctor: unknown = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
    known = typeof ctor === 'function' && (ctor as { prototype?: unknown }).prototype === proto &&
      (NATIVE.test(Function.prototype.toString.call(ctor)) || ctor === (globalThis as { Buffer?: unknown }).Buffer);
    builtins.set(proto, known);
  }
  return known;
}

/** The target, then its prototypes up to the first built-in one. */
function* chain(target: object): Generator<object> {
  for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o)) {
    if (o !== target && isBuiltin(o)) return;
    yield o;
  }
}

/** The reachable member `name` of `target`, or undefined. A getter runs (once) with `target` as `this`. */
export function lookup(target: object, name: string): Member | undefined {
  if (FORBIDDEN.has(name)) return undefined;
  for (const o of chain(target)) {
    const descriptor = Object.getOwnPropertyDescriptor(o, name);
    if (!descriptor) continue;
    return { descriptor, value: descriptor.get ? descriptor.get.call(target) : descriptor.value };
  }
  return undefined;
}

/**
 * Writes `value` to `target`'s member `name`: an own writable data property that does not hold a function, or a
 * setter on its chain. False for anything else — a method, a getter alone, a property inherited from a prototype
 * (writing would shadow it), one that does not exist (never created) — and for a function `value` (it would turn
 * data into a method other callers then run). Whether this module takes writes at all is the caller's check.
 */
export function assign(target: object, name: string, value: unknown): boolean {
  if (FORBIDDEN.has(name) || typeof value === 'function') return false;
  for (const o of chain(target)) {
    const descriptor = Object.getOwnPropertyDescriptor(o, name);
    if (!descriptor) continue;
    if (descriptor.set) {
      descriptor.set.call(target, value);
      return true;
    }
    if (o !== target || !descriptor.writable || typeof descriptor.value === 'function') return false;
    (target as Record<string, unknown>)[name] = value;
    return true;
  }
  return false;
}

/** Every reachable string-named member, nearest first, each once. */
export function memberNames(target: object): string[] {
  const seen = new Set<string>();
  for (const o of chain(target)) for (const name of Object.getOwnPropertyNames(o)) if (!FORBIDDEN.has(name)) seen.add(name);
  return [...seen];
}

/** method_hash → name for a target's members. Names whose hashes collide are left out (callable by path only). */
export function hashTable(target: object): Map<number, string> {
  const table = new Map<number, string>();
  const clashes = new Set<number>();
  for (const name of memberNames(target)) {
    const h = fnv1a32(name);
    if (table.has(h)) clashes.add(h);
    table.set(h, name);
  }
  for (const h of clashes) table.delete(h);
  return table;
}

/** The methods and properties describe() reports. Getters are listed as properties and not called. */
export function membersOf(target: object): { methods: MethodInfo[]; properties: string[] } {
  const methods: MethodInfo[] = [];
  const properties: string[] = [];
  for (const name of memberNames(target)) {
    let descriptor: PropertyDescriptor | undefined;
    for (const o of chain(target)) if ((descriptor = Object.getOwnPropertyDescriptor(o, name))) break;
    if (descriptor && !descriptor.get && typeof descriptor.value === 'function') methods.push({ name, params: (descriptor.value as () => void).length });
    else properties.push(name);
  }
  return { methods, properties };
}
