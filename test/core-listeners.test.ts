// core/listeners.ts: the listener lists of objects a relay holds one of per peer (a Session, its transport). A list is
// NONE, one listener, or an array of two or more, replaced rather than changed, and emit() calls each listener with
// the emitting object as `this`, so one function can serve every peer (issue 17).
import { describe, expect, it } from 'vitest';
import { added, emit, type Listeners, NONE, removed } from '../src/core/listeners.js';

describe('listener lists', () => {
  it('grow from none to the listener itself to an array, and shrink back to the listener itself, not an array of one', () => {
    const a = (): void => {};
    const b = (): void => {};
    let list: Listeners<[]> = NONE;
    list = added(list, a);
    expect(list).toBe(a);
    list = added(list, b);
    expect(list).toEqual([a, b]);
    expect(removed(list, a)).toBe(b);
    expect(removed(list, b)).toBe(a);
    expect(removed(removed(list, b), a)).toBe(NONE);
    const three = added(list, a);
    expect(removed(three, b)).toEqual([a, a]);
    expect(removed(list, (): void => {})).toBe(list);
  });

  it('emit calls each listener in order with its arguments and the emitting object as `this`', () => {
    const self = { name: 'session' };
    const calls: Array<[unknown, number]> = [];
    const listener = function (this: unknown, n: number): void {
      calls.push([this, n]);
    };
    emit<[number]>(listener, self, 1);
    emit<[number]>([listener, listener], self, 2);
    emit<[number]>(NONE, self, 3);
    expect(calls).toEqual([[self, 1], [self, 2], [self, 2]]);
  });
});
