// The RPC layer over every link kind (test/fixtures/rpc-links.ts): expose/wrap, properties, callbacks, errors,
// deadlines, cancellation, streams, security limits, close. The same cases run on each link.
import { afterEach, describe, expect, it } from 'vitest';
import { RpcError, Status, currentCall, describe as describeRemote, expose, proxy, releaseProxy, withOptions, wrap } from 'swarmwire';
import { LINK_KINDS, type LinkPair } from './fixtures/rpc-links.js';

class Counter {
  count = 0;
  increment(by = 1): number {
    return (this.count += by);
  }
}

const api = {
  add: (a: number, b: number) => a + b,
  async slowEcho<T>(x: T, ms: number): Promise<T> {
    await new Promise((r) => setTimeout(r, ms));
    return x;
  },
  nothing(): void {},
  value: 42,
  nested: { deep: { hello: (name: string) => `hello ${name}` } },
  counter: new Counter(),
  bytes: (n: number) => new Uint8Array(n).fill(7),
  kinds: () => ({ big: 2n ** 70n, map: new Map([['a', 1]]), set: new Set([1, 2]), date: new Date(0), buf: new Uint8Array([1, 2]).buffer }),
  async callBack(cb: (x: number) => Promise<number>, x: number): Promise<number> {
    return (await cb(x)) * 10;
  },
  makeCounter: () => proxy(new Counter()),
  throwType(): never {
    throw new TypeError('bad type', { cause: new RangeError('inner') });
  },
  throwCoded(): never {
    throw Object.assign(new Error('coded'), { code: 'E_CODED', retryAfter: 5 });
  },
  throwAggregate(): never {
    throw new AggregateError([new Error('one'), new TypeError('two')], 'many');
  },
  async *count(n: number): AsyncGenerator<number> {
    try {
      for (let i = 0; i < n; i++) {
        streamLog.produced = i + 1;
        yield i;
      }
    } finally {
      streamLog.finished = true;
    }
  },
  readable(n: number): ReadableStream<string> {
    let i = 0;
    return new ReadableStream({ pull: (c) => (i < n ? c.enqueue(`chunk ${i++}`) : c.close()) });
  },
  async *failing(): AsyncGenerator<number> {
    yield 1;
    throw new RangeError('stream broke');
  },
  async sum(numbers: AsyncIterable<number>): Promise<number> {
    let total = 0;
    for await (const n of numbers) total += n;
    return total;
  },
  waitForCancel(): Promise<string> {
    const { signal } = currentCall();
    return new Promise((resolve) => signal.addEventListener('abort', () => {
      observed.abortedWith = (signal.reason as Error).message;
      resolve('aborted');
    }));
  },
};
type Api = typeof api;
const observed: { abortedWith?: string } = {};
const streamLog = { produced: 0, finished: false };

let pair: LinkPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

describe.for(LINK_KINDS)('rpc over $name', (kind) => {
  async function setup(options: { timeoutMs?: number } = {}) {
    pair = await kind.make();
    api.counter = new Counter();
    expose(api, pair.server);
    return wrap<Api>(pair.client, options);
  }

  it('calls methods, reads properties, nested members and methods of class instances', async () => {
    const remote = await setup();
    expect(await remote.add(2, 3)).toBe(5);
    expect(await remote.value).toBe(42);
    expect(await remote.nothing()).toBeUndefined();
    expect(await remote.nested.deep.hello('you')).toBe('hello you');
    expect(await remote.counter.increment(2)).toBe(2);
    expect(await remote.counter.count).toBe(2);
    const big = await remote.bytes(100_000);
    expect(big).toBeInstanceOf(Uint8Array);
    expect(big.length).toBe(100_000);
  });

  it('carries bigint, Map, Set, Date and ArrayBuffer', async () => {
    const remote = await setup();
    const k = await remote.kinds();
    expect(k.big).toBe(2n ** 70n);
    expect(k.map).toEqual(new Map([['a', 1]]));
    expect(k.set).toEqual(new Set([1, 2]));
    expect(k.date).toEqual(new Date(0));
    expect(k.buf).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(k.buf)]).toEqual([1, 2]);
  });

  it('runs 1,000 calls in flight', async () => {
    const remote = await setup();
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => remote.add(i, 1)));
    expect(results).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it('calls back into the caller through proxy(), and returns objects by reference', async () => {
    const remote = await setup();
    expect(await remote.callBack(proxy(async (x: number) => x + 1), 4)).toBe(50);
    const counter = await remote.makeCounter();
    expect(await counter.increment(5)).toBe(5);
    expect(await counter.increment(1)).toBe(6);
    counter[releaseProxy]();
    await expect(counter.increment(1)).rejects.toMatchObject({ code: 'SW_ERR_RPC_RELEASED' });
  });

  it('keeps error classes, messages, causes, codes and own fields', async () => {
    const remote = await setup();
    const type = await remote.throwType().catch((e: unknown) => e as TypeError);
    expect(type).toBeInstanceOf(TypeError);
    expect(type.message).toBe('bad type');
    expect(type.cause).toBeInstanceOf(RangeError);
    expect((type.cause as Error).message).toBe('inner');
    const coded = await remote.throwCoded().catch((e: unknown) => e as Error & { code: string; retryAfter: number });
    expect(coded).toBeInstanceOf(Error);
    expect(coded).toMatchObject({ message: 'coded', code: 'E_CODED', retryAfter: 5 });
    const agg = await remote.throwAggregate().catch((e: unknown) => e as AggregateError);
    expect(agg).toBeInstanceOf(AggregateError);
    expect(agg.errors.map((e: Error) => [e.constructor.name, e.message])).toEqual([['Error', 'one'], ['TypeError', 'two']]);
  });

  it('gives every call a deadline, overridable per call', async () => {
    const remote = await setup({ timeoutMs: 5_000 });
    const error = await withOptions(remote, { timeoutMs: 50 }).slowEcho('x', 1_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: 'SW_ERR_RPC_TIMEOUT', status: Status.Timeout });
    expect(await remote.slowEcho('y', 10)).toBe('y');
  });

  it('cancels with an AbortSignal: the callee sees its signal abort, the caller gets Cancelled', async () => {
    const remote = await setup();
    observed.abortedWith = undefined;
    const controller = new AbortController();
    const call = withOptions(remote, { signal: controller.signal }).waitForCancel();
    await new Promise((r) => setTimeout(r, 30));
    controller.abort(new Error('user left'));
    await expect(call).rejects.toMatchObject({ code: 'SW_ERR_RPC_CANCELLED', status: Status.Cancelled });
    await expect.poll(() => observed.abortedWith).toMatch(/cancelled by the caller/);
  });

  it('describes a module', async () => {
    const remote = await setup();
    const d = await describeRemote(remote);
    expect(d.methods).toContainEqual({ name: 'add', params: 2 });
    expect(d.methods).toContainEqual({ name: 'slowEcho', params: 2 });
    expect(d.properties).toContain('value');
    expect(d.properties).toContain('nested');
    const c = await describeRemote(remote.counter);
    expect(c.methods).toEqual([{ name: 'increment', params: 0 }]);
    expect(c.properties).toEqual(['count']);
  });

  it('streams an async generator\'s chunks, in order', async () => {
    const remote = await setup();
    const got: number[] = [];
    for await (const n of await remote.count(200)) got.push(n);
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('streams a ReadableStream as a ReadableStream', async () => {
    const remote = await setup();
    const stream = await remote.readable(5);
    expect(stream).toBeInstanceOf(ReadableStream);
    const got: string[] = [];
    const reader = stream.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) got.push(r.value);
    expect(got).toEqual(['chunk 0', 'chunk 1', 'chunk 2', 'chunk 3', 'chunk 4']);
  });

  it('holds a producer to its credit while the reader is idle, and cancels it when the loop breaks', async () => {
    const remote = await setup();
    streamLog.produced = 0;
    streamLog.finished = false;
    const numbers = await remote.count(1_000_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(streamLog.produced).toBeLessThanOrEqual(17); // the initial window, plus the one being pulled
    let seen = 0;
    for await (const n of numbers) {
      seen = n;
      if (n === 40) break;
    }
    expect(seen).toBe(40);
    await expect.poll(() => streamLog.finished).toBe(true);
    const stoppedAt = streamLog.produced;
    expect(stoppedAt).toBeLessThan(100);
    await new Promise((r) => setTimeout(r, 50));
    expect(streamLog.produced).toBe(stoppedAt);
  });

  it('ends a stream with the producer\'s error', async () => {
    const remote = await setup();
    const got: number[] = [];
    const error = await (async () => {
      for await (const n of await remote.failing()) got.push(n);
    })().catch((e: unknown) => e);
    expect(got).toEqual([1]);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe('stream broke');
  });

  it('takes streams as arguments', async () => {
    const remote = await setup();
    async function* numbers() {
      for (let i = 1; i <= 100; i++) yield i;
    }
    expect(await remote.sum(numbers())).toBe(5050);
  });

  it('serves several named modules on one connection', async () => {
    pair = await kind.make();
    expose({ who: () => 'alpha' }, pair.server, { name: 'alpha' });
    expose({ who: () => 'beta' }, pair.server, { name: 'beta' });
    const alpha = wrap<{ who(): string }>(pair.client, { name: 'alpha' });
    const beta = wrap<{ who(): string }>(pair.client, { name: 'beta' });
    const gamma = wrap<{ who(): string }>(pair.client, { name: 'gamma' });
    expect(await Promise.all([alpha.who(), beta.who()])).toEqual(['alpha', 'beta']);
    await expect(gamma.who()).rejects.toMatchObject({ code: 'SW_ERR_RPC_MODULE_NOT_FOUND', status: Status.ModuleNotFound });
  });

  it('rejects every pending call with a typed error when the link closes', async () => {
    const remote = await setup();
    const calls = [remote.slowEcho(1, 5_000), remote.slowEcho(2, 5_000)].map((call) => call.catch((e: unknown) => e));
    await new Promise((r) => setTimeout(r, 20));
    await pair!.close();
    for (const error of await Promise.all(calls)) {
      expect(error).toBeInstanceOf(RpcError);
      expect(error).toMatchObject({ code: 'SW_ERR_RPC_CLOSED', status: Status.ExecutionError });
    }
    await expect(remote.add(1, 2)).rejects.toMatchObject({ code: 'SW_ERR_RPC_CLOSED' });
  });

  it('refuses functions that are not wrapped in proxy(), without sending anything', async () => {
    const remote = await setup();
    await expect(remote.callBack((async (x: number) => x) as never, 1)).rejects.toMatchObject({ code: 'SW_ERR_RPC_UNSERIALIZABLE' });
    expect(await remote.add(1, 1)).toBe(2);
  });
});
