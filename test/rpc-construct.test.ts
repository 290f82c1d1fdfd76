// Comlink's remaining names in swarmwire's own RPC: `new remote(...)` (the Construct operation, op 6), finalizer
// (run when a caller releases its proxy) and transferHandlers (values of the program's own kinds), over the
// in-process session pair; and how each is refused.
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, type RpcChannel, type Session, expose, finalizer, proxy, releaseProxy, transferHandlers, wrap } from 'swarmwire';
import { fnv1a32, pack } from 'swarmwire/wire';
import { Op } from '../src/rpc/messages.js';
import { memorySession } from './fixtures/rpc-links.js';
import { until } from './fixtures/until.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sessions(): Promise<{ client: RpcChannel; server: RpcChannel }> {
  const pair = await memorySession();
  cleanups.push(() => pair.close());
  return pair;
}

class Counter {
  static made = 0;
  static readonly UNIT = 1;
  count: number;
  constructor(start = 0) {
    Counter.made++;
    this.count = start;
  }
  get doubled(): number {
    return this.count * 2;
  }
  set value(v: number) {
    this.count = v;
  }
  add(by: number): number {
    return (this.count += by);
  }
}

describe('new remote(...)', () => {
  it('constructs an exposed class there and answers with a Remote of the instance', async () => {
    const { client, server } = await sessions();
    expose(Counter, server);
    const Remote = wrap<typeof Counter>(client);
    const made = Counter.made;
    const counter = await new Remote(5);
    expect(Counter.made).toBe(made + 1);
    expect(await counter.add(2)).toBe(7);
    expect(await counter.count).toBe(7);
    expect(await counter.doubled).toBe(14);
    expect(await Remote.UNIT).toBe(1); // statics are members of the module, as before
    const another = await new Remote();
    expect(await another.count).toBe(0);
  });

  it('constructs a class at a path, with the arguments checked like a call\'s', async () => {
    const { client, server } = await sessions();
    const api = { tools: { Counter }, notAClass: (x: number) => x, value: 3 };
    expose(api, server);
    const remote = wrap<typeof api>(client);
    expect(await (await new remote.tools.Counter(9)).count).toBe(9);
    const refusal = (p: Promise<unknown>) => p.then(() => 'no error', (e: { code: string; message: string }) => `${e.code}: ${e.message}`);
    expect(await refusal(new (remote.notAClass as unknown as new () => Promise<unknown>)())).toBe('SW_ERR_RPC_METHOD_NOT_FOUND: [swarmwire] "notAClass" is not a constructor');
    expect(await refusal(new (remote.value as unknown as new () => Promise<unknown>)())).toBe('SW_ERR_RPC_METHOD_NOT_FOUND: [swarmwire] "value" is not a constructor');
    expect(await refusal(new (remote as unknown as { constructor: new () => Promise<unknown> }).constructor())).toMatch(/^SW_ERR_RPC_METHOD_NOT_FOUND: .*"constructor" is not a constructor/);
    class Needs {
      constructor(readonly a: number, readonly b: number) {}
    }
    expose({ Needs }, server, { name: 'needs' });
    const needs = wrap<{ Needs: typeof Needs }>(client, { name: 'needs' });
    expect(await refusal(new (needs.Needs as unknown as new (a: number) => Promise<unknown>)(1))).toBe('SW_ERR_RPC_ARITY: [swarmwire] new Needs takes at least 2 argument(s), got 1');
  });

  it('sends the extended form { op: 6, path, args }', async () => {
    const { client, server } = await sessions();
    const requests: unknown[] = [];
    (server as Session).on('frame', (f) => {
      if (f.type === MessageType.Request) requests.push([f.methodHash, [...f.payload]]);
    });
    expose({ Counter }, server);
    await new (wrap<{ Counter: typeof Counter }>(client)).Counter(1);
    expect(requests[0]).toEqual([fnv1a32('Counter'), [...pack({ op: Op.Construct, path: ['Counter'], args: [1] })]]);
  });

  it('serves the instance with the options of the module that made it (writable, here)', async () => {
    const { client, server } = await sessions();
    expose(Counter, server, { writable: true });
    const counter = (await new (wrap<typeof Counter>(client))(1)) as unknown as Record<string, unknown>;
    counter.count = 4;
    expect(await counter.count).toBe(4);
    counter.value = 6; // a setter on the class
    expect(await counter.count).toBe(6);
    expose(Counter, server, { name: 'read-only' });
    const fixed = (await new (wrap<typeof Counter>(client, { name: 'read-only' }))(1)) as unknown as Record<string, unknown>;
    fixed.count = 4;
    expect(await fixed.count).toBe(1);
  });
});

describe('finalizer', () => {
  it('runs when the caller releases its proxy of a module, which stays exposed', async () => {
    const { client, server } = await sessions();
    let finalized = 0;
    expose({ a: 'thing', [finalizer]: () => void finalized++ }, server);
    const remote = wrap<{ a: string }>(client);
    expect(await remote.a).toBe('thing');
    remote[releaseProxy]();
    await until(() => finalized === 1);
    expect(await wrap<{ a: string }>(client).a).toBe('thing');
  });

  it('runs when a ref (a proxy() value, an instance made by new) is released, and the ref is forgotten', async () => {
    const { client, server } = await sessions();
    const finalized: string[] = [];
    class Resource {
      [finalizer](): void {
        finalized.push('instance');
      }
    }
    const api = { Resource, open: () => proxy({ n: 1, [finalizer]: () => void finalized.push('ref') }) };
    expose(api, server);
    const remote = wrap<typeof api>(client);
    const ref = await remote.open();
    const instance = await new remote.Resource();
    ref[releaseProxy]();
    instance[releaseProxy]();
    await until(() => finalized.length === 2);
    expect(finalized.sort()).toEqual(['instance', 'ref']);
  });
});

describe('transferHandlers', () => {
  class Money {
    constructor(readonly cents: bigint, readonly currency: string) {}
    toString(): string {
      return `${this.cents} ${this.currency}`;
    }
  }

  it('carries values of a kind both sides registered, both ways, nested, and hands over the buffers serialize() lists', async () => {
    transferHandlers.set('money', {
      canHandle: (v: unknown): v is Money => v instanceof Money,
      serialize: (m: Money) => [[m.cents, m.currency], []],
      deserialize: ([cents, currency]: [bigint, string]) => new Money(cents, currency),
    } as never);
    let handedOver: ArrayBuffer | undefined;
    transferHandlers.set('frame', {
      canHandle: (v: unknown): v is ImageDataLike => v instanceof ImageDataLike,
      serialize: (f: ImageDataLike) => ((handedOver = f.data.buffer as ArrayBuffer), [f.data, [f.data.buffer]]),
      deserialize: (data: Uint8Array) => new ImageDataLike(data),
    } as never);
    cleanups.push(() => transferHandlers.delete('money'), () => transferHandlers.delete('frame'));
    const { client, server } = await sessions();
    const api = {
      double: (m: Money) => new Money(m.cents * 2n, m.currency),
      describe: (list: { price: Money }[]) => list.map((x) => `${x.price instanceof Money} ${x.price}`),
      size: (f: ImageDataLike) => f instanceof ImageDataLike && f.data.byteLength,
    };
    expose(api, server);
    const remote = wrap<typeof api>(client);
    const doubled = await remote.double(new Money(150n, 'EUR'));
    expect(doubled).toBeInstanceOf(Money);
    expect(String(doubled)).toBe('300 EUR');
    expect(await remote.describe([{ price: new Money(1n, 'USD') }])).toEqual(['true 1 USD']);
    expect(await remote.size(new ImageDataLike(new Uint8Array(16)))).toBe(16);
    expect(handedOver!.byteLength).toBe(0); // detached once sent, as transfer() leaves buffers
  });

  it('answers SW_ERR_RPC_BAD_ARGS for a value that names a handler the receiver lacks', async () => {
    const { client, server } = await sessions();
    expose({ echo: (x: unknown) => x }, server);
    const remote = wrap<{ echo(x: unknown): unknown }>(client);
    transferHandlers.set('only-here', { canHandle: (v: unknown): v is Money => v instanceof Money, serialize: (m: Money) => [m.currency, []], deserialize: (c: string) => c } as never);
    const call = remote.echo(new Money(1n, 'X'));
    transferHandlers.delete('only-here');
    await expect(call).rejects.toMatchObject({ code: 'SW_ERR_RPC_BAD_ARGS', message: expect.stringContaining('no transfer handler "only-here" is registered here') });
  });
});

class ImageDataLike {
  constructor(readonly data: Uint8Array) {}
}
