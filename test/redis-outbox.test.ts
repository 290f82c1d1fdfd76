// The Redis bridge's outbox on its own, with injected time: what it does when Redis cannot take a burst of frames.
// (The bridge's tests against a real redis-server are in redis-bridge.test.ts.)
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ABSENT, AGAIN, Outbox, PROBE_MAX_MS } from '../src/relay/redis-outbox.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

it('counts a failed attempt once, however many frames were in flight: the next tries come after 100, then 200 ms', async () => {
  const outbox = new Outbox({ reconnect: { initialDelayMs: 100, jitter: 'none' }, holdMs: 60_000 });
  let redisUp = false;
  const sent: number[] = [];
  const settled: number[] = [];
  const replies = Array.from({ length: 100 }, (_, n) =>
    outbox.push(() => {
      sent.push(n);
      // A lost connection fails every frame in flight, each with its own rejection.
      return redisUp ? Promise.resolve(n) : Promise.reject(new Error('connection lost'));
    }, 10).then((reply) => void settled.push(reply as number)));
  await vi.advanceTimersByTimeAsync(0);
  expect(sent).toEqual([...Array(100).keys()]);
  await vi.advanceTimersByTimeAsync(100); // the second attempt, one step later: it fails too
  expect(sent.length).toBe(200);
  expect(outbox.held).toBe(100);

  redisUp = true;
  await vi.advanceTimersByTimeAsync(199);
  expect(sent.length).toBe(200); // two failed attempts: 200 ms (not 2^199 × 100 ms, capped at maxDelayMs)
  await vi.advanceTimersByTimeAsync(1);
  await Promise.all(replies);
  expect(sent.slice(200)).toEqual([...Array(100).keys()]); // again in order
  expect(settled).toEqual([...Array(100).keys()]);
  expect(outbox.held).toBe(0);
});

it('gives each write of a chain the id of the one before it while that one is unsettled, and sends an AGAIN again in its place', async () => {
  const outbox = new Outbox({ reconnect: { initialDelayMs: 100, jitter: 'none' } });
  const tries: Array<[write: string, ahead: number | undefined]> = [];
  const answers: Record<string, Array<unknown>> = { a1: ['LOADING', 'taken'], a2: [AGAIN, 'taken'], b1: ['taken'], a3: ['taken'] };
  const write = (name: string) => (ahead: number | undefined) => {
    tries.push([name, ahead]);
    const answer = answers[name]!.shift();
    return answer === 'LOADING' ? Promise.reject(new Error('connection lost')) : Promise.resolve(answer);
  };
  const settled: string[] = [];
  const done = [
    outbox.push(write('a1'), 1, { chain: 'a', id: 1 }).then(() => void settled.push('a1')),
    outbox.push(write('a2'), 1, { chain: 'a', id: 2 }).then(() => void settled.push('a2')),
    outbox.push(write('b1'), 1, { chain: 'b', id: 7 }).then(() => void settled.push('b1')), // another chain: its own first
  ];
  await vi.advanceTimersByTimeAsync(0);
  // a1 was refused (the connection) and a2 told to wait for it (AGAIN): both wait for the next try, in order.
  expect(tries).toEqual([['a1', undefined], ['a2', 1], ['b1', undefined]]);
  expect(settled).toEqual(['b1']); // taken: a1 and a2 wait
  expect(outbox.held).toBe(2);
  await vi.advanceTimersByTimeAsync(100);
  done.push(outbox.push(write('a3'), 1, { chain: 'a', id: 3 }).then(() => void settled.push('a3')));
  await Promise.all(done);
  // a2 is sent again naming a1 (in flight just ahead of it); a3, pushed after both settled, names none.
  expect(tries.slice(3)).toEqual([['a1', undefined], ['a2', 1], ['a3', undefined]]);
  expect(settled).toEqual(['b1', 'a1', 'a2', 'a3']);
});

it('does not make a write wait for one refused for good before it (holdMs): it names no predecessor then', async () => {
  const outbox = new Outbox({ reconnect: { initialDelayMs: 100, jitter: 'none' }, holdMs: 150 });
  const tries: Array<[write: string, ahead: number | undefined]> = [];
  let up = false;
  const write = (name: string) => (ahead: number | undefined) => {
    tries.push([name, ahead]);
    return up ? Promise.resolve('taken') : Promise.reject(new Error('connection lost'));
  };
  const first = outbox.push(write('a1'), 1, { chain: 'a', id: 1 }).catch((e: { code: string }) => e.code);
  await vi.advanceTimersByTimeAsync(120); // a1 failed at 0 and at 100; its next try is at 250, past its holdMs (150)
  const second = outbox.push(write('a2'), 1, { chain: 'a', id: 2 }); // waits behind it
  up = true;
  await vi.advanceTimersByTimeAsync(130);
  expect(await first).toBe('SW_ERR_REDIS_UNAVAILABLE');
  expect(await second).toBe('taken');
  expect(tries.filter(([w]) => w === 'a2').at(-1)).toEqual(['a2', undefined]);
});

describe('a destination connected nowhere (ABSENT)', () => {
  /** Writes to `to` that Redis answers ABSENT while `here[to]` is false, and takes (in send order) once it is true. */
  function rig(options: ConstructorParameters<typeof Outbox>[0]) {
    const outbox = new Outbox({ reconnect: { initialDelayMs: 100, jitter: 'none' }, ...options });
    const here: Record<string, boolean> = {};
    const tries: string[] = [];
    const entered: string[] = [];
    const settled: Array<[string, unknown]> = [];
    const push = (to: string, name: string, id: number) => outbox.push((ahead) => {
      tries.push(name);
      if (!here[to]) return Promise.resolve(ABSENT);
      // As the enqueue script does: a write whose predecessor has not entered is told to wait (AGAIN).
      if (ahead !== undefined && !entered.includes(`${to}${ahead}`)) return Promise.resolve(AGAIN);
      entered.push(`${to}${id}`);
      return Promise.resolve(name);
    }, 10, { chain: to, id }, to).then((reply) => void settled.push([name, reply]));
    return { outbox, here, tries, entered, settled, push };
  }

  it('parks them off the line (others go on), probes with the first alone, and sends them all in order once one enters', async () => {
    const { outbox, here, tries, settled, push } = rig({ awayMs: 10_000 });
    here.other = true;
    const done = [push('bob', 'b1', 1), push('bob', 'b2', 2), push('bob', 'b3', 3), push('other', 'o1', 1)];
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toEqual([['o1', 'o1']]); // not held up by bob's
    expect(outbox.held).toBe(3);
    expect(outbox.parked).toBe(3);
    tries.length = 0;
    await vi.advanceTimersByTimeAsync(100 + 200 + 400); // three probes, 100, 200 and 400 ms apart
    expect(tries).toEqual(['b1', 'b1', 'b1']);
    await vi.advanceTimersByTimeAsync(PROBE_MAX_MS - 1);
    expect(tries).toHaveLength(3); // at most PROBE_MAX_MS apart: the next one is due
    here.bob = true;
    push('bob', 'b4', 4);
    await Promise.all(done);
    await vi.advanceTimersByTimeAsync(PROBE_MAX_MS);
    expect(settled.map(([name]) => name)).toEqual(['o1', 'b1', 'b2', 'b3', 'b4']);
    expect(outbox.held).toBe(0);
  });

  it('sends them at once on wake(), and answers ABSENT the ones parked for awayMs, which never enter after', async () => {
    const { outbox, here, entered, settled, push } = rig({ awayMs: 1_000 });
    push('bob', 'b1', 1);
    await vi.advanceTimersByTimeAsync(600);
    push('bob', 'b2', 2);
    await vi.advanceTimersByTimeAsync(500); // b1's awayMs is over; b2's is not
    expect(settled).toEqual([['b1', ABSENT]]);
    expect(outbox.parked).toBe(1);
    here.bob = true;
    outbox.wake('bob');
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toEqual([['b1', ABSENT], ['b2', 'b2']]);
    expect(entered).toEqual(['bob2']);
    expect(outbox.held).toBe(0);
  });

  it('counts parked writes towards maxHeld, and close() answers them', async () => {
    const { outbox, push } = rig({ awayMs: 10_000, maxHeld: 2 });
    const parked = [push('bob', 'b1', 1), push('bob', 'b2', 2)].map((p) => p.catch((e: { code: string }) => e.code));
    await vi.advanceTimersByTimeAsync(0);
    await expect(push('bob', 'b3', 3)).rejects.toMatchObject({ code: 'SW_ERR_REDIS_FULL' });
    outbox.close();
    expect(await Promise.all(parked)).toEqual(['SW_ERR_REDIS_UNAVAILABLE', 'SW_ERR_REDIS_UNAVAILABLE']);
    expect(outbox.held).toBe(0);
  });
});
