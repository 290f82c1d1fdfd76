// One timer per clock and heartbeat interval for all the sessions of a process, instead of one per session: a relay
// with 10,000 peers held 10,000 timers, a Timeout and a closure each. A session's core joins the wheel of its clock
// and interval when its transport opens and leaves it when the transport goes; every beat of the wheel ticks each
// member once. A session that joins between two beats gets its first tick early: its silence is counted in ticks
// (SessionCore.tick), so the link is declared dead after missedHeartbeats to missedHeartbeats + 1 intervals.
// Wheels are per clock, so a session on a test's clock beats with that clock and no other.
import { type Clock, type ClockTimer, unref } from '../core/clock.js';

/** What a wheel ticks: a session core. */
export interface Ticked {
  tick(pingId: number): void;
}

interface Wheel {
  timer: ClockTimer;
  readonly members: Set<Ticked>;
}

const wheels = /* @__PURE__ */ new WeakMap<Clock, Map<number, Wheel>>();

/** Ticks `member` every `intervalMs` of `clock` from now on, until leaveHeartbeats(). */
export function joinHeartbeats(clock: Clock, intervalMs: number, member: Ticked): void {
  let byInterval = wheels.get(clock);
  if (!byInterval) wheels.set(clock, (byInterval = new Map()));
  let wheel = byInterval.get(intervalMs);
  if (!wheel) {
    const members = new Set<Ticked>();
    // One-shot timers re-armed each beat (a Clock has no intervals). Members that leave during a beat (a dead link
    // dropped) are skipped; Set iteration allows it.
    const beat = (): void => {
      wheel!.timer = unref(clock.setTimeout(beat, intervalMs));
      for (const m of members) m.tick(0);
    };
    wheel = { timer: unref(clock.setTimeout(beat, intervalMs)), members };
    byInterval.set(intervalMs, wheel);
  }
  wheel.members.add(member);
}

/** Stops ticking `member`; the wheel's timer goes with its last member. */
export function leaveHeartbeats(clock: Clock, intervalMs: number, member: Ticked): void {
  const byInterval = wheels.get(clock);
  const wheel = byInterval?.get(intervalMs);
  if (!wheel?.members.delete(member) || wheel.members.size > 0) return;
  clock.clearTimeout(wheel.timer);
  byInterval!.delete(intervalMs);
}
