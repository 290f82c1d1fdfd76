// The deadline lanes behind every call: one timer per distinct timeout, expiring calls in order, skipping the ones
// already settled, and stopping when told. Time is a TestClock: each deadline is checked to the millisecond.
import { afterEach, expect, it } from 'vitest';
import { Deadlines } from '../src/rpc/deadlines.js';
import { TestClock } from './fixtures/clock.js';

const live = new Set<number>();
const expired: number[] = [];
const clock = new TestClock();
const deadlines = new Deadlines((id) => {
  live.delete(id);
  expired.push(id);
}, (id) => live.has(id), () => live.size, clock);
afterEach(() => {
  deadlines.clear();
  live.clear();
  expired.length = 0;
});

const add = (id: number, ms: number) => {
  live.add(id);
  deadlines.add(id, ms);
};

it('expires calls at their deadlines, in deadline order across lanes, and skips settled ones', async () => {
  add(1, 60_000);
  add(2, 20_000);
  await clock.advance(5_000);
  add(3, 60_000); // due at 65 s
  add(4, 20_000); // due at 25 s
  live.delete(4); // settled before its deadline
  expect(clock.pending).toBe(2); // one timer per lane, not one per call
  await clock.advance(14_999);
  expect(expired).toEqual([]);
  await clock.advance(1);
  expect(expired).toEqual([2]);
  await clock.advance(40_000); // 60 s
  expect(expired).toEqual([2, 1]);
  await clock.advance(4_999);
  expect(expired).toEqual([2, 1]);
  await clock.advance(1);
  expect(expired).toEqual([2, 1, 3]);
  expect(clock.pending).toBe(0); // no live call left: no timer re-armed
});

it('survives many settled calls (compaction) and still expires the live one', async () => {
  add(0, 40_000);
  for (let id = 1; id <= 5_000; id++) {
    add(id, 40_000);
    live.delete(id);
  }
  expect(deadlines.held).toBeLessThan(100);
  await clock.advance(39_999);
  expect(expired).toEqual([]);
  await clock.advance(1);
  expect(expired).toEqual([0]);
});

it('fires nothing after clear()', async () => {
  add(1, 10_000);
  expect(clock.pending).toBe(1);
  deadlines.clear();
  expect(clock.pending).toBe(0);
  await clock.advance(60_000);
  expect(expired).toEqual([]);
});

it('does not hold the process open once no call is pending, though the timers stay armed for the next call', async () => {
  // A child that makes calls with a 60 s deadline and then has nothing left to do must exit at once: the timer armed
  // for those deadlines no longer holds it. (It used to be cleared; it is now kept for the next call, unref'd.)
  const { execFile } = await import('node:child_process');
  const script = `
    import { expose, memoryPair, wrap } from 'swarmwire';
    const [a, b] = memoryPair();
    expose({ add: (x, y) => x + y }, b);
    const remote = wrap(a, { timeoutMs: 60_000 });
    for (let i = 0; i < 3; i++) if ((await remote.add(i, 1)) !== i + 1) process.exit(2);
    console.log('done');`;
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('..', import.meta.url), timeout: 15_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))));
  expect(out.trim()).toBe('done'); // not killed by the 15 s timeout
});
