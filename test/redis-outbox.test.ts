// The Redis bridge's outbox on its own, with injected time: what it does when Redis cannot take a burst of frames.
// (The bridge's tests against a real redis-server are in redis-bridge.test.ts.)
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { Outbox } from '../src/relay/redis-outbox.js';

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
