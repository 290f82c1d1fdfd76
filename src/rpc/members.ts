// What a peer may reach on an exposed object: its own members and those of its prototype chain below
// Object.prototype (and Function.prototype), by name. Everything else — `__proto__`, `constructor`, `prototype`,
// Object.prototype's methods, symbols — is MethodNotFound, so a peer cannot climb to constructors or globals.
import { fnv1a32 } from '../wire/fnv.js';
import type { MethodInfo } from './messages.js';

const FORBIDDEN = /* @__PURE__ */ (() => new Set<string>([
  '__proto__', 'constructor', 'prototype', 'caller', 'callee', 'arguments',
  ...Object.getOwnPropertyNames(Object.prototype),
  ...Object.getOwnPropertyNames(Function.prototype),
]))();

/** A member found on a target: its value (a getter already called) and the object it was found on. */
export interface Member {
  value: unknown;
  descriptor: PropertyDescriptor;
}

function* chain(target: object): Generator<object> {
  for (let o: object | null = target; o !== null && o !== Object.prototype && o !== Function.prototype; o = Object.getPrototypeOf(o)) yield o;
}

/** The reachable member `name` of `target`, or undefined. Getters run with `target` as `this`. */
export function lookup(target: object, name: string): Member | undefined {
  if (FORBIDDEN.has(name)) return undefined;
  for (const o of chain(target)) {
    const descriptor = Object.getOwnPropertyDescriptor(o, name);
    if (!descriptor) continue;
    return { descriptor, value: descriptor.get ? descriptor.get.call(target) : descriptor.value };
  }
  return undefined;
}

/** Writes `value` to the reachable, writable member `name`; false if there is none. */
export function assign(target: object, name: string, value: unknown): boolean {
  if (FORBIDDEN.has(name)) return false;
  for (const o of chain(target)) {
    const descriptor = Object.getOwnPropertyDescriptor(o, name);
    if (!descriptor) continue;
    if (descriptor.set) {
      descriptor.set.call(target, value);
      return true;
    }
    if (!descriptor.writable) return false;
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
