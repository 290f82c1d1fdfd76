// The RPC layer over every link kind (test/fixtures/rpc-links.ts): expose/wrap, properties, callbacks, errors,
// deadlines, cancellation, streams, security limits, close. The same cases run on each link.
import { afterEach, describe, expect, it } from 'vitest';
import {
  RpcError, Status, currentCall, describe as describeRemote, expose, proxy, releaseProxy, withOptions, wrap,
} from 'swarmwire';
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
});
