// The real `comlink` package over swarmwire channels, through comlinkEndpoint(): existing Comlink code runs over
// sessions and sockets unchanged — and, on a session, survives reconnects (its messages are acked frames).
import type { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MessageType, type Session, SessionHost, comlinkEndpoint, connectSession, memoryPair } from 'swarmwire';
import { Feature, decodeFrames, fnv1a64 } from 'swarmwire/wire';
import { startRingForwarder, workerRingSession } from './fixtures/comlink-channels.js';
import { LINK_KINDS, type LinkKind, type LinkPair } from './fixtures/rpc-links.js';
import { until } from './fixtures/until.js';

const api = {
  greeting: 'hi',
  add: (a: number, b: number) => a + b,
  async later(x: string) {
    await new Promise((r) => setTimeout(r, 5));
    return x.toUpperCase();
  },
  nothing(): void {},
  fail(): never {
    throw new RangeError('comlink error');
  },
};

let pair: LinkPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

describe.for(LINK_KINDS)('Comlink over $name', (kind) => {
  it('wraps and exposes through the adapter: calls, properties, errors, undefined', async () => {
    pair = await kind.make();
    Comlink.expose(api, comlinkEndpoint(pair.server));
    const remote = Comlink.wrap<typeof api>(comlinkEndpoint(pair.client));
    expect(await remote.add(2, 40)).toBe(42);
    expect(await remote.greeting).toBe('hi');
    expect(await remote.later('x')).toBe('X');
    expect(await remote.nothing()).toBeUndefined();
    const error = await (remote.fail as () => Promise<never>)().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('comlink error');
    expect(await Promise.all(Array.from({ length: 200 }, (_, i) => remote.add(i, i)))).toEqual(Array.from({ length: 200 }, (_, i) => 2 * i));
  });

  it('keeps named endpoints on one channel apart', async () => {
    pair = await kind.make();
    Comlink.expose({ who: () => 'a' }, comlinkEndpoint(pair.server, { name: 'a' }));
    Comlink.expose({ who: () => 'b' }, comlinkEndpoint(pair.server, { name: 'b' }));
    const a = Comlink.wrap<{ who(): string }>(comlinkEndpoint(pair.client, { name: 'a' }));
    const b = Comlink.wrap<{ who(): string }>(comlinkEndpoint(pair.client, { name: 'b' }));
    expect([await a.who(), await b.who()]).toEqual(['a', 'b']);
  });
});

let forwarder: Worker | undefined;
beforeAll(async () => {
  forwarder = await startRingForwarder();
});
afterAll(async () => {
  await forwarder?.terminate();
});

const RECONNECTING: LinkKind[] = [
  ...LINK_KINDS.filter((k) => k.reconnects),
  { name: 'ring session through a worker_threads Worker', reconnects: true, make: () => workerRingSession(forwarder!) },
];

describe.for(RECONNECTING)('Comlink across a reconnect, over $name', (kind) => {
  function slowApi() {
    const runs: string[] = [];
    return {
      runs,
      api: {
        async slow(tag: string, ms: number) {
          runs.push(tag);
          await new Promise((r) => setTimeout(r, ms));
          return `done ${tag}`;
        },
        async callBack(f: (x: number) => Promise<number>) {
          await new Promise((r) => setTimeout(r, 60));
          return (await f(20)) + 1;
        },
      },
    };
  }

  it('completes a call whose answer was due while the link was down, running it once', async () => {
    pair = await kind.make();
    const { api, runs } = slowApi();
    Comlink.expose(api, comlinkEndpoint(pair.server));
    const remote = Comlink.wrap<typeof api>(comlinkEndpoint(pair.client));
    const call = remote.slow('a', 120);
    await until(() => runs.length === 1);
    pair.disconnect!();
    expect(await call).toBe('done a');
    expect(runs).toEqual(['a']);
    expect(pair.connections!()).toBeGreaterThan(1);
  });

  it('completes a call posted right before the link dropped', async () => {
    pair = await kind.make();
    const { api, runs } = slowApi();
    Comlink.expose(api, comlinkEndpoint(pair.server));
    const remote = Comlink.wrap<typeof api>(comlinkEndpoint(pair.client));
    expect(await remote.slow('warm', 0)).toBe('done warm');
    const call = remote.slow('b', 0);
    pair.disconnect!();
    expect(await call).toBe('done b');
    expect(runs).toEqual(['warm', 'b']);
  });

  it('keeps a proxy() callback (a port crossing the channel) working across a reconnect', async () => {
    pair = await kind.make();
    const { api } = slowApi();
    Comlink.expose(api, comlinkEndpoint(pair.server));
    const remote = Comlink.wrap<typeof api>(comlinkEndpoint(pair.client));
    let calls = 0;
    const call = remote.callBack(Comlink.proxy(async (x: number) => (calls++, x * 2)));
    await new Promise((r) => setTimeout(r, 20));
    pair.disconnect!();
    expect(await call).toBe(41);
    expect(calls).toBe(1);
  });
});

describe.for([...LINK_KINDS, { name: 'ring session through a worker_threads Worker', reconnects: true, make: () => workerRingSession(forwarder!) }])('Comlink release over $name', (kind) => {
  // Comlink's own test of this waits 1 ms and then asserts (comlink-suite.test.ts); here the wait has a deadline.
  it('runs the exposed object\'s finalizer when the caller releases its proxy', async () => {
    pair = await kind.make();
    let finalized = 0;
    Comlink.expose({ a: 'thing', [Comlink.finalizer]: () => void finalized++ }, comlinkEndpoint(pair.server));
    const remote = Comlink.wrap<{ a: string }>(comlinkEndpoint(pair.client));
    expect(await remote.a).toBe('thing');
    remote[Comlink.releaseProxy]();
    await until(() => finalized === 1);
    expect(() => remote.a).toThrow('Proxy has been released');
  });

  it('runs the finalizer of a proxy() result released through its port', async () => {
    pair = await kind.make();
    let finalized = 0;
    const api = { make: () => Comlink.proxy({ n: 1, [Comlink.finalizer]: () => void finalized++ }) };
    Comlink.expose(api, comlinkEndpoint(pair.server));
    const remote = Comlink.wrap<typeof api>(comlinkEndpoint(pair.client));
    const made = await remote.make();
    expect(await made.n).toBe(1);
    made[Comlink.releaseProxy]();
    await until(() => finalized === 1);
  });
});

it('sends Comlink messages as acked Event frames on a session, with the endpoint\'s module id', async () => {
  const seen: Array<{ features: number; moduleId: bigint; methodHash: number }> = [];
  const host = new SessionHost({ heartbeatIntervalMs: 0 });
  let accepted: Promise<Session> | undefined;
  const client = await connectSession(() => {
    const [a, b] = memoryPair();
    b.on('message', (bytes) => {
      for (const f of decodeFrames(bytes)) if (f.type === MessageType.Event) seen.push(f);
    });
    accepted = host.accept(b);
    return a;
  }, { heartbeatIntervalMs: 0, reconnect: false });
  const server = await accepted!;
  pair = { client, server, close: async () => (client.close(), host.close()) };
  Comlink.expose({ x: 1 }, comlinkEndpoint(server, { name: 'n' }));
  expect(await Comlink.wrap<{ x: number }>(comlinkEndpoint(client, { name: 'n' })).x).toBe(1);
  expect(seen.length).toBeGreaterThan(0);
  for (const f of seen) {
    expect(f.features & Feature.ACK_REQUIRED).toBe(Feature.ACK_REQUIRED);
    expect(f.moduleId).toBe(fnv1a64('comlink:n'));
    expect(f.methodHash).toBe(0);
  }
});
