// The RPC API's smaller promises, over the in-process pair: transfer(), property writes, releasing refs,
// registered error classes and stacks, deadlines while the session is not connected, currentCall() rules.
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, RpcError, Session, SessionHost, connectSession, currentCall, expose, memoryPair, proxy, registerErrorClass, releaseProxy, transfer, withOptions, wrap } from 'swarmwire';
import { fnv1a32 } from 'swarmwire/wire';
import { TestClock } from './fixtures/clock.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sessions(hostOptions: { maxPayload?: number } = {}) {
  const host = new SessionHost({ heartbeatIntervalMs: 0, ...hostOptions });
  let server: Promise<Session> | undefined;
  const client = await connectSession(() => {
    const [a, b] = memoryPair();
    server = host.accept(b);
    return a;
  }, { heartbeatIntervalMs: 0 });
  cleanups.push(() => client.close(), () => host.close());
  return { client, server: await server! };
}

class QuotaError extends Error {
  constructor(readonly limit: number) {
    super(`over the limit of ${limit}`);
  }
}
QuotaError.prototype.name = 'QuotaError';
class Unregistered extends Error {}
Unregistered.prototype.name = 'Unregistered';

describe('rpc API', () => {
  it('transfer(): sends the bytes and detaches the listed buffers on the sending side', async () => {
    const { client, server } = await sessions();
    expose({ size: (b: Uint8Array) => b.byteLength, sum: (b: Uint8Array) => b.reduce((s, x) => s + x, 0) }, server);
    const remote = wrap<{ size(b: Uint8Array): number; sum(b: Uint8Array): number }>(client);
    const bytes = new Uint8Array([1, 2, 3, 4]);
    expect(await remote.sum(transfer(bytes, [bytes.buffer]))).toBe(10);
    expect(bytes.buffer.byteLength).toBe(0); // detached, as postMessage would leave it
    const kept = new Uint8Array([5, 6]);
    expect(await remote.sum(kept)).toBe(11);
    expect(kept.byteLength).toBe(2);
  });

  it('writes properties opted in (assignments keep their order with later reads) and refuses unknown ones', async () => {
    const { client, server } = await sessions();
    const state = { level: 1, fixed: 0 };
    Object.defineProperty(state, 'fixed', { writable: false });
    expose(state, server, { writable: true });
    const remote = wrap<typeof state>(client) as unknown as Record<string, unknown>;
    remote.level = 5;
    expect(await remote.level).toBe(5);
    expect(state.level).toBe(5);
    remote.fixed = 9;
    remote.invented = 1;
    expect(await remote.level).toBe(5);
    expect(state.fixed).toBe(0);
    expect('invented' in state).toBe(false);
  });

  it('releases refs: releaseProxy and Symbol.dispose tell the owner, which forgets the object', async () => {
    const { client, server } = await sessions();
    const made: object[] = [];
    expose({ make: () => proxy({ hello: () => 'hi' }) }, server);
    const remote = wrap<{ make(): { hello(): string } }>(client);
    const a = (await remote.make()) as unknown as { hello(): Promise<string>; [releaseProxy](): void; [Symbol.dispose](): void };
    const b = (await remote.make()) as unknown as typeof a;
    made.push(a, b);
    expect(await a.hello()).toBe('hi');
    // A Request by hand to ref 1 (module_id 0x5357000000000001): answered while the proxy lives.
    const answers: number[] = [];
    client.on('frame', (f) => answers.push(f.type));
    const askRef1 = async () => {
      const before = answers.length;
      client.send({ type: MessageType.Request, moduleId: 0x5357000000000001n, methodHash: fnv1a32('hello'), body: [] });
      await expect.poll(() => answers.length).toBe(before + 1);
      return answers[before];
    };
    expect(await askRef1()).toBe(MessageType.Response);
    a[releaseProxy]();
    b[Symbol.dispose]();
    await expect(a.hello()).rejects.toMatchObject({ code: 'SW_ERR_RPC_RELEASED' });
    await expect(b.hello()).rejects.toMatchObject({ code: 'SW_ERR_RPC_RELEASED' });
    // The owner forgot them: the same hand-made Request now finds no module.
    await expect.poll(askRef1).toBe(MessageType.Error);
    expect(made.length).toBe(2);
  });

  it('keeps registered error classes and own fields; unknown classes come back as Error with their name', async () => {
    registerErrorClass(QuotaError);
    const { client, server } = await sessions();
    expose({
      quota: () => {
        throw new QuotaError(10);
      },
      other: () => {
        throw new Unregistered('who?');
      },
    }, server, { stacks: true });
    const remote = wrap<{ quota(): void; other(): void }>(client);
    const q = (await remote.quota().catch((e: unknown) => e)) as QuotaError;
    expect(q).toBeInstanceOf(QuotaError);
    expect(q.limit).toBe(10);
    expect(q.message).toBe('over the limit of 10');
    expect(q.stack).toContain('rpc-api.test.ts'); // stacks: true sends the callee's stack
    const o = (await remote.other().catch((e: unknown) => e)) as Error;
    expect(o).not.toBeInstanceOf(Unregistered);
    expect(o.constructor).toBe(Error);
    expect(o.name).toBe('Unregistered');
    expect(o.message).toBe('who?');
  });

  it('sends no stacks unless asked', async () => {
    const { client, server } = await sessions();
    expose({ boom: () => { throw new Error('boom'); } }, server);
    const e = (await wrap<{ boom(): void }>(client).boom().catch((x: unknown) => x)) as Error;
    expect(e.stack).not.toContain('rpc-api.test.ts'); // the rebuilt error's own stack, not the callee's
    expect(e.message).toBe('boom');
  });

  it('gives calls on a session that never connects a deadline (the session\'s clock), and says so', async () => {
    const clock = new TestClock();
    const session = new Session({ heartbeatIntervalMs: 0, clock });
    cleanups.push(() => session.close());
    const remote = wrap<{ add(a: number, b: number): number }>(session, { timeoutMs: 30_000 });
    let error: unknown;
    const call = remote.add(1, 2).catch((e: unknown) => (error = e));
    await clock.advance(29_999);
    expect(error).toBeUndefined();
    await clock.advance(1);
    await call;
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: 'SW_ERR_RPC_TIMEOUT', message: '[swarmwire] no answer within 30000 ms (the link is not connected)' });
  });

  it('rejects at once for an already aborted signal, and currentCall() outside a call is a typed error', async () => {
    const { client, server } = await sessions();
    expose({ add: (a: number, b: number) => a + b }, server);
    const remote = wrap<{ add(a: number, b: number): number }>(client);
    await expect(withOptions(remote, { signal: AbortSignal.abort('no') }).add(1, 2)).rejects.toMatchObject({ code: 'SW_ERR_RPC_CANCELLED' });
    expect(() => currentCall()).toThrow(expect.objectContaining({ code: 'SW_ERR_RPC_NO_CALL' }));
  });

  it('lets a plain transport pair carry calls both ways at once', async () => {
    const [a, b] = memoryPair();
    cleanups.push(() => a.close());
    expose({ side: () => 'b' }, b);
    expose({ side: () => 'a' }, a);
    expect(await Promise.all([wrap<{ side(): string }>(a).side(), wrap<{ side(): string }>(b).side()])).toEqual(['b', 'a']);
  });
});

describe('limits of the link', () => {
  it('answers a result too large for the session with PayloadTooLarge at once, and the session carries on', async () => {
    const { client, server } = await sessions({ maxPayload: 64 * 1024 });
    expose({ bytes: (n: number) => new Uint8Array(n) }, server);
    const remote = wrap<{ bytes(n: number): Uint8Array }>(client, { timeoutMs: 10_000 });
    const started = Date.now();
    const error = await remote.bytes(200_000).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 9 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await remote.bytes(10)).length).toBe(10);
  });
});

describe('garbage collection', () => {
  it('releases a ref whose proxy was collected without releaseProxy (FinalizationRegistry)', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const script = new URL('./fixtures/ref-gc.mjs', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', script], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({ held: 'hi', before: 'answered', after: 'no such module' });
  });
});

describe('concurrency limit', () => {
  it('answers calls beyond maxConcurrent with SW_ERR_RPC_BUSY (QuotaExceeded), and takes calls again once some end', async () => {
    const { client, server } = await sessions();
    const gates: Array<() => void> = [];
    expose({ wait: () => new Promise<void>((r) => gates.push(r)), add: (a: number, b: number) => a + b }, server, { maxConcurrent: 2 });
    const remote = wrap<{ wait(): Promise<void>; add(a: number, b: number): number }>(client);
    const first = [remote.wait(), remote.wait()];
    await expect.poll(() => gates.length).toBe(2);
    await expect(remote.add(1, 2)).rejects.toMatchObject({ code: 'SW_ERR_RPC_BUSY', status: 5 });
    for (const open of gates) open();
    await Promise.all(first);
    expect(await remote.add(1, 2)).toBe(3);
  });
});
