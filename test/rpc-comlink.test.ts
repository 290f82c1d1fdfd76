// The real `comlink` package over swarmwire channels, through comlinkEndpoint(): existing Comlink code runs over
// sessions and sockets unchanged.
import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { comlinkEndpoint } from 'swarmwire';
import { LINK_KINDS, type LinkPair } from './fixtures/rpc-links.js';

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
