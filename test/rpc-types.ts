// Type-level tests of Remote<T>, checked by `npm run typecheck` (tsc --noEmit over test/): not run by vitest.
// Each @ts-expect-error line must fail to compile, or tsc reports the directive as unused.
import type { Remote } from '../src/rpc/types.js';
import { proxy } from '../src/rpc/markers.js';
import { releaseProxy } from '../src/rpc/markers.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assert = <T extends true>(): T => true as T;

class Counter {
  count = 0;
  increment(by?: number): number {
    return (this.count += by ?? 1);
  }
}

interface Agent {
  name: string;
  add(a: number, b: number): number;
  later(x: string): Promise<string>;
  nothing(): void;
  onEvent(cb: (event: { kind: string }) => void): void;
  numbers(n: number): AsyncGenerator<number>;
  lines(): ReadableStream<string>;
  sum(values: AsyncIterable<number>): Promise<number>;
  counter(): Counter & { readonly [k: symbol]: unknown };
  makeRef(): ReturnType<typeof proxy<Counter>>;
  nested: { deep: { hello(name: string): string } };
}

declare const remote: Remote<Agent>;

async function checks(): Promise<void> {
  // Methods return promises of their (awaited) results.
  assert<Equal<ReturnType<typeof remote.add>, Promise<number>>>();
  assert<Equal<ReturnType<typeof remote.later>, Promise<string>>>();
  assert<Equal<ReturnType<typeof remote.nothing>, Promise<void>>>();
  // Properties are read with await.
  const name: string = await remote.name;
  void name;
  // Nested members stay remote.
  assert<Equal<ReturnType<typeof remote.nested.deep.hello>, Promise<string>>>();
  // Streams: async generators come back as async iterators, ReadableStreams as ReadableStreams.
  assert<Equal<Awaited<ReturnType<typeof remote.numbers>>, AsyncIterableIterator<number>>>();
  assert<Equal<Awaited<ReturnType<typeof remote.lines>>, ReadableStream<string>>>();
  for await (const n of await remote.numbers(3)) {
    const x: number = n;
    void x;
  }
  // Objects returned through proxy() come back as Remotes.
  const ref = await remote.makeRef();
  assert<Equal<ReturnType<typeof ref.increment>, Promise<number>>>();
  ref[releaseProxy]();
  ref[Symbol.dispose]();
  // Callbacks must be wrapped in proxy().
  await remote.onEvent(proxy((event) => void event.kind));
  // @ts-expect-error a bare function cannot cross the wire: it must be wrapped in proxy()
  await remote.onEvent((event) => void event.kind);
  // Stream arguments take any async iterable.
  await remote.sum((async function* () {
    yield 1;
  })());
  // @ts-expect-error wrong argument type
  await remote.add('1', 2);
  // @ts-expect-error missing argument
  await remote.add(1);
  // @ts-expect-error no such method
  await remote.subtract(1, 2);
  // @ts-expect-error properties are promises, not values
  const wrong: string = remote.name;
  void wrong;
  // @ts-expect-error remote properties are read-only in the types (assignments go through the untyped proxy)
  remote.name = 'x';
  // Classes: `new` gives a promise of a Remote of the instance, module and member alike.
  const made = await new classes(5);
  assert<Equal<ReturnType<typeof made.increment>, Promise<number>>>();
  const member = await new classes.Inner('a');
  assert<Equal<ReturnType<typeof member.greet>, Promise<string>>>();
  // @ts-expect-error wrong constructor argument
  await new classes('5');
  // @ts-expect-error a plain object is not constructible
  await new remote.nested();
}
void checks;

class Counted extends Counter {
  constructor(readonly start: number) {
    super();
  }
  static Inner = class {
    constructor(readonly who: string) {}
    greet(): string {
      return this.who;
    }
  };
}
declare const classes: Remote<typeof Counted>;
