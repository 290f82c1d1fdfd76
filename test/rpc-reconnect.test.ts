// Calls that survive reconnects: a call in flight while the link drops completes once the session is back, and the
// callee never runs it twice — whether the Request, the answer, or neither was lost with the old connection.
// Over the in-process pair (with faults) and over real WebSockets.
import { afterEach, describe, expect, it } from 'vitest';
import { Feature } from 'swarmwire/wire';
import { MessageType, type Session, SessionHost, connectSession, expose, memoryPair, wrap } from 'swarmwire';
import { type MemoryTransport } from 'swarmwire/transport';
import { webSocketSession } from './fixtures/rpc-links.js';

const quiet = { heartbeatIntervalMs: 0, features: Feature.ACK_REQUIRED } as const; // no batching: one frame per message
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function makeApi() {
  const runs = new Map<string, number>();
  return {
    runs,
    api: {
      async work(tag: string, ms: number): Promise<string> {
        runs.set(tag, (runs.get(tag) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, ms));
        return `done ${tag}`;
      },
      async *numbers(n: number) {
        for (let i = 0; i < n; i++) {
          if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
          yield i;
        }
      },
    },
  };
}
type Api = ReturnType<typeof makeApi>['api'];

async function memoryRig() {
  const host = new SessionHost(quiet);
  const links: Array<[client: MemoryTransport, server: MemoryTransport]> = [];
  const sessions: Array<Promise<Session>> = [];
  const client = await connectSession(() => {
    const [a, b] = memoryPair();
    links.push([a, b]);
    const p = host.accept(b);
    p.catch(() => {});
    sessions.push(p);
    return a;
  }, { ...quiet, reconnect: { initialDelayMs: 5, maxDelayMs: 20 } });
  cleanups.push(() => client.close(), () => host.close());
  const { api, runs } = makeApi();
  expose(api, await sessions[0]!);
  return { remote: wrap<Api>(client, { timeoutMs: 10_000 }), runs, links, client, last: () => links[links.length - 1]! };
}

const typeOf = (message: Uint8Array): number => message[5]!;

describe('over the in-process pair', () => {
  it('completes a call that was running on the callee when the link dropped', async () => {
    const { remote, runs, last } = await memoryRig();
    const call = remote.work('a', 100);
    await new Promise((r) => setTimeout(r, 30));
    last()[0].faults.disconnect('cut while running');
    expect(await call).toBe('done a');
    expect(runs.get('a')).toBe(1);
  });

  it('asks again when the answer was lost in flight, and gets it from the callee\'s cache', async () => {
    const { remote, runs, last } = await memoryRig();
    const [, server] = last();
    let lost = 0;
    server.faults.drop((m) => typeOf(m) === MessageType.Response && ++lost === 1);
    const call = remote.work('b', 10);
    await expect.poll(() => lost).toBe(1);
    server.faults.drop(0);
    last()[0].faults.disconnect('cut after the answer was lost');
    expect(await call).toBe('done b');
    expect(runs.get('b')).toBe(1);
  });

  it('sends the Request again when it was lost in flight, and the callee runs it once', async () => {
    const { remote, runs, last } = await memoryRig();
    const [client] = last();
    let lost = 0;
    client.faults.drop((m) => typeOf(m) === MessageType.Request && ++lost === 1);
    const call = remote.work('c', 10);
    await expect.poll(() => lost).toBe(1);
    client.faults.drop(0);
    client.faults.disconnect('cut after the request was lost');
    expect(await call).toBe('done c');
    expect(runs.get('c')).toBe(1);
  });

  it('carries a stream across reconnects: every chunk once, in order', async () => {
    const { remote, last } = await memoryRig();
    const got: number[] = [];
    let cuts = 0;
    for await (const n of await remote.numbers(600)) {
      got.push(n);
      if (n % 150 === 75) {
        cuts++;
        last()[0].faults.disconnect(`cut ${cuts}`);
      }
    }
    expect(cuts).toBe(4);
    expect(got).toEqual(Array.from({ length: 600 }, (_, i) => i));
  });

  it('runs 300 calls across 3 disconnects, each exactly once', async () => {
    const { remote, runs, last } = await memoryRig();
    const calls = Array.from({ length: 300 }, (_, i) => remote.work(`n${i}`, 5 + (i % 20)));
    for (let cut = 0; cut < 3; cut++) {
      await new Promise((r) => setTimeout(r, 8));
      last()[0].faults.disconnect(`cut ${cut}`);
    }
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 300 }, (_, i) => `done n${i}`));
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(runs.size).toBe(300);
  });
});

describe('over real WebSockets', () => {
  it('completes calls in flight while sockets are dropped, each run once', async () => {
    const pair = await webSocketSession();
    cleanups.push(() => pair.close());
    const { api, runs } = makeApi();
    expose(api, pair.server);
    const remote = wrap<Api>(pair.client, { timeoutMs: 15_000 });
    const calls = Array.from({ length: 100 }, (_, i) => remote.work(`w${i}`, 20 + (i % 30)));
    for (let cut = 0; cut < 2; cut++) {
      await new Promise((r) => setTimeout(r, 25));
      pair.disconnect!();
      await expect.poll(() => pair.connections!(), { timeout: 5_000 }).toBe(cut + 2);
    }
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 100 }, (_, i) => `done w${i}`));
    expect(runs.size).toBe(100);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    const got: number[] = [];
    for await (const n of await remote.numbers(300)) {
      got.push(n);
      if (n === 150) pair.disconnect!();
    }
    expect(got).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });
});
