// The heartbeat wheel (src/session/heartbeats.ts): one timer per clock and interval for every session of a process,
// each member ticked once per interval, the timer gone with the last member. Fake timers: nothing here sleeps.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventEmitter } from 'node:events';
import { joinHeartbeats as join, leaveHeartbeats as leave, type Ticked } from '../src/session/heartbeats.js';
import { type Clock, realClock } from '../src/core/clock.js';
import { HandshakeGate } from '../src/transport/handshake-gate.js';

const joinHeartbeats = (ms: number, m: Ticked): void => join(realClock, ms, m);
const leaveHeartbeats = (ms: number, m: Ticked): void => leave(realClock, ms, m);

const counter = (): Ticked & { ticks: number } => {
  const m = { ticks: 0, tick: () => void m.ticks++ };
  return m;
};

describe('the heartbeat wheel', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('ticks many members from one timer, each once per interval', () => {
    const members = Array.from({ length: 1_000 }, counter);
    for (const m of members) joinHeartbeats(100, m);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(350);
    expect(members.every((m) => m.ticks === 3)).toBe(true);
    for (const m of members) leaveHeartbeats(100, m);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps one wheel per interval, and stops ticking a member that left', () => {
    const fast = counter();
    const slow = counter();
    const gone = counter();
    joinHeartbeats(10, fast);
    joinHeartbeats(10, gone);
    joinHeartbeats(40, slow);
    expect(vi.getTimerCount()).toBe(2);
    vi.advanceTimersByTime(20);
    leaveHeartbeats(10, gone);
    leaveHeartbeats(10, gone); // twice: nothing more happens
    vi.advanceTimersByTime(20);
    expect([fast.ticks, gone.ticks, slow.ticks]).toEqual([4, 2, 1]);
    leaveHeartbeats(10, fast);
    expect(vi.getTimerCount()).toBe(1); // the 40 ms wheel stays for its member
    leaveHeartbeats(40, slow);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('lets a member leave during a tick (a dead link dropped) without skipping the others', () => {
    const after = counter();
    const leaver: Ticked & { ticks: number } = { ticks: 0, tick: () => { leaver.ticks++; leaveHeartbeats(10, leaver); } };
    const before = counter();
    joinHeartbeats(10, before);
    joinHeartbeats(10, leaver);
    joinHeartbeats(10, after);
    vi.advanceTimersByTime(30);
    expect([before.ticks, leaver.ticks, after.ticks]).toEqual([3, 1, 3]);
    leaveHeartbeats(10, before);
    leaveHeartbeats(10, after);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('heartbeat wheels and clocks', () => {
  it('keeps a wheel per clock: members beat with their own clock only', () => {
    const due: Array<{ at: number; fn: () => void }> = [];
    let now = 0;
    const manual: Clock = {
      now: () => now,
      setTimeout: (fn, ms) => { const t = { at: now + ms, fn }; due.push(t); return t; },
      clearTimeout: (t) => void due.splice(due.indexOf(t as (typeof due)[number]) >>> 0, due.includes(t as (typeof due)[number]) ? 1 : 0),
    };
    const advance = (ms: number): void => {
      const end = now + ms;
      for (let next = due.sort((a, b) => a.at - b.at)[0]; next && next.at <= end; next = due.sort((a, b) => a.at - b.at)[0]) {
        due.splice(due.indexOf(next), 1);
        now = next.at;
        next.fn();
      }
      now = end;
    };
    vi.useFakeTimers();
    try {
      const mine = counter();
      const real = counter();
      join(manual, 50, mine);
      join(realClock, 50, real);
      advance(200);
      expect([mine.ticks, real.ticks]).toEqual([4, 0]);
      vi.advanceTimersByTime(100);
      expect([mine.ticks, real.ticks]).toEqual([4, 2]);
      leave(manual, 50, mine);
      leave(realClock, 50, real);
      expect([due.length, vi.getTimerCount()]).toEqual([0, 0]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the handshake gate once a handshake is done', () => {
  it('leaves no listener on the socket and no timer behind', () => {
    vi.useFakeTimers();
    try {
      const socket = Object.assign(new EventEmitter(), { destroy: vi.fn() });
      const gate = new HandshakeGate({ handshakeDeadlineMs: 1_000 });
      const pass = gate.guard(socket, '10.0.0.1');
      if (typeof pass === 'number') throw new Error(`refused with ${pass}`);
      expect([socket.listenerCount('data'), socket.listenerCount('close'), vi.getTimerCount()]).toEqual([1, 1, 1]);
      pass.done();
      expect([socket.listenerCount('data'), socket.listenerCount('close'), vi.getTimerCount()]).toEqual([0, 0, 0]);
      expect(gate.handshaking).toBe(0);
      vi.advanceTimersByTime(2_000);
      expect(socket.destroy).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });
});
