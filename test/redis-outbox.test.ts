// The Redis bridge's outbox on its own, with injected time: what it does when Redis cannot take a burst of frames.
// (The bridge's tests against a real redis-server are in redis-bridge.test.ts.)
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { AGAIN, Outbox } from '../src/relay/redis-outbox.js';

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
