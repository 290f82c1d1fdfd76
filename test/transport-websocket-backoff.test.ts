// Reconnect timing (pure, seeded) and `reconnecting` against real sockets: refused, then a server that appears.
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay, reconnecting, seededRandom } from '../src/transport/backoff.js';
import { TransportErrorCode } from '../src/transport/transport.js';
import type { Transport } from '../src/transport/transport.js';
import { connectWebSocket } from '../src/transport/websocket.js';
import { listenWebSocket } from '../src/transport/websocket-node.js';
import type { WebSocketListener } from '../src/transport/websocket-node.js';
import { within } from './fixtures/ws-helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('backoffDelay', () => {
  it('without jitter is initial · factor^attempt, capped at maxDelayMs', () => {
    const o = { initialDelayMs: 100, maxDelayMs: 5000, factor: 2, jitter: 'none' } as const;
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((a) => backoffDelay(a, o))).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(backoffDelay(3, { jitter: 'none' })).toBe(800);
    expect(backoffDelay(30, { jitter: 'none' })).toBe(30_000);
    expect(backoffDelay(2, { jitter: 'none', initialDelayMs: 10, factor: 3 })).toBe(90);
  });

  it('with full jitter stays in [0, cap) for every attempt', () => {
    const random = seededRandom(7);
    for (let attempt = 0; attempt < 40; attempt++) {
      const cap = Math.min(2000, 50 * 1.5 ** attempt);
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(attempt, { initialDelayMs: 50, maxDelayMs: 2000, factor: 1.5, random });
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(cap);
      }
    }
  });

  it('with full jitter is uniform over [0, cap): deciles, mean and spread', () => {
    const random = seededRandom(12345);
    const n = 20_000;
    const cap = 1000;
    const counts = new Array(10).fill(0);
    let sum = 0;
    let min = Infinity;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const d = backoffDelay(10, { initialDelayMs: 1, maxDelayMs: cap, random });
      counts[Math.floor(d / 100)]++;
      sum += d;
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
    for (const c of counts) expect(Math.abs(c - n / 10)).toBeLessThan(n / 10 * 0.08);
    expect(Math.abs(sum / n - cap / 2)).toBeLessThan(cap * 0.02);
    expect(min).toBeLessThan(5);
    expect(max).toBeGreaterThan(995);
    // Chi-square with 9 degrees of freedom: 27.9 is the 0.1 % tail.
    const chi = counts.reduce((acc, c) => acc + (c - n / 10) ** 2 / (n / 10), 0);
    expect(chi).toBeLessThan(27.9);
  });

  it('seededRandom repeats per seed and differs across seeds', () => {
    const a = seededRandom(1);
    const b = seededRandom(1);
    const c = seededRandom(2);
    const xs = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(xs);
    expect(Array.from({ length: 5 }, c)).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});

describe('reconnecting', () => {
  async function freeUrl(): Promise<{ url: string; port: number }> {
    const probe = await listenWebSocket(() => {});
    await probe.close();
    return { url: probe.url, port: probe.port };
  }

  it('gives up after maxAttempts with CONNECT_FAILED, having tried exactly that many times', async () => {
    const { url } = await freeUrl();
    const attempts: number[] = [];
    const started = Date.now();
    const error = await reconnecting((attempt) => {
      attempts.push(attempt);
      return connectWebSocket(url);
    }, { maxAttempts: 4, initialDelayMs: 5, maxDelayMs: 20, jitter: 'none' }).catch((e) => e);
    expect(error).toMatchObject({ code: TransportErrorCode.CONNECT_FAILED });
    expect(error.message).toMatch(/gave up after 4 attempts/);
    expect(error.cause).toMatchObject({ code: TransportErrorCode.CONNECT_FAILED });
    expect(attempts).toEqual([0, 1, 2, 3]);
    // Waits of 5, 10 and 20 ms happened between the tries (timers may round down by a millisecond each).
    expect(Date.now() - started).toBeGreaterThanOrEqual(32);
  });

  it('resolves with the open transport once a server appears', async () => {
    const { port } = await freeUrl();
    const url = `ws://127.0.0.1:${port}/`;
    let server: Promise<WebSocketListener> | undefined;
    cleanups.push(async () => (await server)?.close());
    const attempts: number[] = [];
    const t = await within(reconnecting((attempt) => {
      attempts.push(attempt);
      // The server starts listening only after the first try has failed.
      if (attempt === 1) server = listenWebSocket((s) => s.on('message', (f) => s.send(f.slice())), { port });
      return connectWebSocket(url);
    }, { initialDelayMs: 10, maxDelayMs: 50, random: seededRandom(3), maxAttempts: 50 }), 10_000, 'reconnect');
    cleanups.push(() => t.close());
    expect(t.state).toBe('open');
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    const echoed = new Promise<Uint8Array>((resolve) => t.on('message', (f) => resolve(f.slice())));
    t.send(new Uint8Array([1, 2, 3]));
    expect(await within(echoed, 5000, 'echo')).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('stops when its signal aborts, closing the transport being tried', async () => {
    const { url } = await freeUrl();
    const controller = new AbortController();
    const tried: Transport[] = [];
    const result = reconnecting((attempt) => {
      const t = connectWebSocket(url);
      tried.push(t);
      if (attempt === 2) controller.abort(new Error('user gave up'));
      return t;
    }, { initialDelayMs: 1, maxDelayMs: 5, signal: controller.signal });
    const error = await within(result.catch((e) => e), 5000, 'abort');
    expect(error).toMatchObject({ code: TransportErrorCode.CLOSED });
    expect(error.message).toMatch(/aborted/);
    expect(error.cause).toEqual(new Error('user gave up'));
    expect(tried).toHaveLength(3);
    expect(tried.every((t) => t.state === 'closed')).toBe(true);
  });

  it('an abort wins even over a transport that would open', async () => {
    const server = await listenWebSocket(() => {});
    cleanups.push(() => server.close());
    const controller = new AbortController();
    let tried: Transport | undefined;
    const error = await within(reconnecting(() => {
      tried = connectWebSocket(server.url);
      controller.abort();
      return tried;
    }, { signal: controller.signal }).catch((e) => e), 5000, 'abort');
    expect(error).toMatchObject({ code: TransportErrorCode.CLOSED });
    expect(tried!.state).toBe('closed');
  });
});
