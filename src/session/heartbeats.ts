// One timer per heartbeat interval for all the sessions of a process, instead of one per session: a relay with
// 10,000 peers held 10,000 interval timers, a Timeout and a closure each. A session's core joins the wheel of its
// interval when its transport opens and leaves it when the transport goes; every tick of the wheel ticks each
// member once. A session that joins between two ticks gets its first one early: its silence is counted in ticks
// (SessionCore.tick), so the link is declared dead after missedHeartbeats to missedHeartbeats + 1 intervals.

/** What a wheel ticks: a session core. */
export interface Ticked {
  tick(pingId: number): void;
}

const wheels = /* @__PURE__ */ new Map<number, { timer: ReturnType<typeof setInterval>; members: Set<Ticked> }>();

/** Ticks `member` every `intervalMs` from now on, until leaveHeartbeats(). */
export function joinHeartbeats(intervalMs: number, member: Ticked): void {
  let wheel = wheels.get(intervalMs);
  if (!wheel) {
    const members = new Set<Ticked>();
    // Members that leave during a tick (a dead link dropped) are skipped; Set iteration allows it.
    const timer = setInterval(() => {
      for (const m of members) m.tick(0);
    }, intervalMs);
    (timer as { unref?: () => void }).unref?.();
    wheels.set(intervalMs, (wheel = { timer, members }));
  }
  wheel.members.add(member);
}

/** Stops ticking `member`; the wheel's timer goes with its last member. */
export function leaveHeartbeats(intervalMs: number, member: Ticked): void {
  const wheel = wheels.get(intervalMs);
  if (!wheel?.members.delete(member) || wheel.members.size > 0) return;
  clearInterval(wheel.timer);
  wheels.delete(intervalMs);
}
