// Issue 13, holes 7 and 8: what a caller can reach on an exposed object, probed with hand-made Request frames as an
// outsider would (the extended form's get / set / apply on any path), and through wrap(). Writes are opt-in per
// expose and never land on a method, a getter, a prototype or a built-in; the built-ins' own methods (a shared
// array's push, a Map's set) are not reachable; a getter runs once per read. swarmwire/lite reaches the same
// members and takes no writes at all.
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, type Frame, type Session, SessionHost, Status, decodeBody, describe as describeRemote, expose, proxy, wrap } from 'swarmwire';
import { fnv1a32, fnv1a64 } from 'swarmwire/wire';
import { listenWebSocket } from 'swarmwire/node';
import { connect as liteConnect, expose as liteExpose } from 'swarmwire/lite';
import { memorySession } from './fixtures/rpc-links.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const GET = 1, SET = 2, APPLY = 3;

async function sessions(): Promise<{ client: Session; server: Session }> {
  const pair = await memorySession();
  cleanups.push(() => pair.close());
  return { client: pair.client as Session, server: pair.server as Session };
}

/** Sends one Request to module `name` and resolves with its answer frame. */
function request(client: Session, name: string, methodHash: number, body: unknown): Promise<Frame> {
  return new Promise((resolve) => {
    const id = client.send({ type: MessageType.Request, moduleId: fnv1a64(name), methodHash, body });
    const off = client.on('frame', (f) => {
      if (Number(f.requestId) !== id) return;
      off();
      resolve({ ...f, payload: f.payload.slice() });
    });
  });
}

/** The answer's value, or its refusal as [status, code]. */
async function answer(client: Session, name: string, body: unknown, methodHash = fnv1a32('x')): Promise<unknown> {
  const f = await request(client, name, methodHash, body);
  if (f.type === MessageType.Response) return f.payloadLength ? decodeBody(f) : undefined;
  const e = decodeBody<{ status: number; data?: { code?: string } }>(f);
  return [e.status, e.data?.code];
}

const READ_ONLY = [Status.Unauthorized, 'SW_ERR_RPC_READ_ONLY'];
const NOT_FOUND = [Status.MethodNotFound, 'SW_ERR_RPC_METHOD_NOT_FOUND'];

class Counter {
  count = 0;
  #secret = 'private';
  static made = 0;
  add(by: number): number {
    return (this.count += by);
  }
  get doubled(): number {
    return this.count * 2;
  }
  set level(v: number) {
    this.count = v;
  }
  reveal(): string {
    return this.#secret;
  }
}

describe('writes through expose() are opt-in', () => {
  it('by default no caller writes anything: not data, not methods; the object is unchanged for everyone', async () => {
    const { client, server } = await sessions();
    const shared = { count: 1, add: (a: number, b: number) => a + b };
    expose(shared, server, { name: 'shared' });
    expect(await answer(client, 'shared', { op: SET, path: ['count'], value: 99 })).toEqual(READ_ONLY);
    expect(await answer(client, 'shared', { op: SET, path: ['add'], value: 'broken' })).toEqual(READ_ONLY);
    expect(shared.count).toBe(1);
    expect(await answer(client, 'shared', [2, 3], fnv1a32('add'))).toBe(5);
    // wrap()'s assignment is the same request: refused, and the next read says so.
    const remote = wrap<typeof shared>(client, { name: 'shared' }) as unknown as Record<string, unknown>;
    remote.count = 7;
    expect(await remote.count).toBe(1);
  });

  it('writable lists the paths that take writes; even writable: true never replaces a method or stores a function', async () => {
    const { client, server } = await sessions();
    const listed = { count: 0, other: 0, config: { level: 1 } };
    expose(listed, server, { name: 'listed', writable: ['count', 'config.level'] });
    expect(await answer(client, 'listed', { op: SET, path: ['count'], value: 5 })).toBeUndefined();
    expect(await answer(client, 'listed', { op: SET, path: ['config', 'level'], value: 3 })).toBeUndefined();
    expect(await answer(client, 'listed', { op: SET, path: ['other'], value: 5 })).toEqual(READ_ONLY);
    expect(listed).toEqual({ count: 5, other: 0, config: { level: 3 } });

    const counter = new Counter();
    expose(counter, server, { name: 'counter', writable: true });
    const refused: Array<[string, unknown]> = [
      ['add', 1], // a method (on the prototype)
      ['doubled', 1], // a getter without a setter
      ['reveal', 'x'], // a method
      ['invented', 1], // never created
      ['__proto__', {}], ['constructor', 1], ['prototype', 1],
    ];
    for (const [name, value] of refused) expect([name, await answer(client, 'counter', { op: SET, path: [name], value })]).toEqual([name, READ_ONLY]);
    // A function (a proxy() callback) is refused even onto a writable data property: it would become a method
    // that other callers then run.
    const remote = wrap<Counter>(client, { name: 'counter' }) as unknown as Record<string, unknown>;
    remote.count = proxy(() => 'the caller\'s code');
    expect(await remote.count).toBe(0);
    expect(await answer(client, 'counter', { op: SET, path: ['count'], value: { x: 1 } })).toBeUndefined();
    expect(counter.count).toEqual({ x: 1 });
    expect(await answer(client, 'counter', { op: SET, path: ['level'], value: 10 })).toBeUndefined(); // a setter runs
    expect(counter.count).toBe(10);
    expect(counter.add(1)).toBe(11); // the methods are untouched
    expect(Object.keys(counter)).toEqual(['count']);

    // Frozen data stays frozen; an inherited data property is not shadowed.
    const base = { inherited: 1 };
    const child = Object.assign(Object.create(base) as { inherited: number; own: number }, { own: 1 });
    expose(child, server, { name: 'child', writable: true });
    expect(await answer(client, 'child', { op: SET, path: ['inherited'], value: 2 })).toEqual(READ_ONLY);
    expect(Object.hasOwn(child, 'inherited')).toBe(false);
    expose(Object.freeze({ fixed: 1 }), server, { name: 'frozen', writable: true });
    expect(await answer(client, 'frozen', { op: SET, path: ['fixed'], value: 2 })).toEqual(READ_ONLY);
  });
});

describe('what is reachable', () => {
  it('methods, own data, getters and nested objects; never symbols, private fields, prototypes or the built-ins\' methods', async () => {
    const { client, server } = await sessions();
    const items = [1, 2];
    const index = new Map([['a', 1]]);
    const when = new Date(0);
    const target = Object.assign(new Counter(), { items, index, when, nested: { deep: { value: 'ok' } }, [Symbol('hidden')]: 1 });
    expose(target, server, { name: 't' });
    expect(await answer(client, 't', [2], fnv1a32('add'))).toBe(2);
    expect(await answer(client, 't', { op: GET, path: ['count'] })).toBe(2);
    expect(await answer(client, 't', { op: GET, path: ['doubled'] })).toBe(4);
    expect(await answer(client, 't', { op: GET, path: ['nested', 'deep', 'value'] })).toBe('ok');
    expect(await answer(client, 't', { op: GET, path: ['items', 'length'] })).toBe(2);
    expect(await answer(client, 't', [], fnv1a32('reveal'))).toBe('private'); // through its own method only
    const refused: string[][] = [
      ['#secret'], ['items', 'push'], ['items', 'splice'], ['index', 'set'], ['index', 'clear'], ['when', 'setTime'],
      ['add', 'call'], ['add', 'constructor'], ['constructor'], ['__proto__'], ['toString'], ['nested', 'hasOwnProperty'],
      ['Symbol(hidden)'],
    ];
    for (const path of refused) {
      expect([path.join('.'), await answer(client, 't', { op: APPLY, path, args: [9] })]).toEqual([path.join('.'), NOT_FOUND]);
    }
    expect(items).toEqual([1, 2]);
    expect([...index]).toEqual([['a', 1]]);
    expect(when.getTime()).toBe(0);
    // describe() lists the same members.
    const description = await describeRemote(wrap(client, { name: 't' }));
    expect(description.methods.map((m) => m.name).sort()).toEqual(['add', 'reveal']);
    expect(description.properties.sort()).toEqual(['count', 'doubled', 'index', 'items', 'level', 'nested', 'when']);
  });

  it('a getter runs once per read, in every form of read', async () => {
    const { client, server } = await sessions();
    let calls = 0;
    const target = {
      get value() {
        calls++;
        return { inner: 42 };
      },
    };
    expose(target, server, { name: 'g' });
    expect(await answer(client, 'g', [], fnv1a32('value'))).toEqual({ inner: 42 }); // the plain form: a member called with no arguments
    expect(calls).toBe(1);
    expect(await answer(client, 'g', { op: GET, path: ['value'] })).toEqual({ inner: 42 });
    expect(calls).toBe(2);
    expect(await answer(client, 'g', { op: APPLY, path: ['value'], args: [] })).toEqual({ inner: 42 });
    expect(calls).toBe(3);
    expect(await answer(client, 'g', { op: GET, path: ['value', 'inner'] })).toBe(42);
    expect(calls).toBe(4);
    expect(await wrap<typeof target>(client, { name: 'g' }).value).toEqual({ inner: 42 });
    expect(calls).toBe(5);
  });
});

describe('swarmwire/lite', () => {
  it('reaches the same members, refuses a write with a typed error, and reads a getter once', async () => {
    const host = new SessionHost({ heartbeatIntervalMs: 0 });
    let session!: Session;
    const listener = await listenWebSocket((t) => host.accept(t).then((s) => (session = s)));
    cleanups.push(() => listener.close(), () => host.close());
    const conn = await liteConnect(listener.url, { heartbeatIntervalMs: 0 });
    cleanups.push(() => conn.close());
    let calls = 0;
    const target = {
      count: 1,
      items: [1, 2],
      add: (a: number, b: number) => a + b,
      get value() {
        calls++;
        return 7;
      },
    };
    liteExpose(target, conn, { name: 'lite' });
    await expect.poll(() => session).toBeDefined();
    expect(await answer(session, 'lite', { op: SET, path: ['count'], value: 2 })).toEqual([Status.InvalidFrame, 'SW_ERR_RPC_BAD_ARGS']);
    expect(await answer(session, 'lite', { op: SET, path: ['add'], value: 2 })).toEqual([Status.InvalidFrame, 'SW_ERR_RPC_BAD_ARGS']);
    expect(await answer(session, 'lite', { op: APPLY, path: ['items', 'push'], args: [3] })).toEqual(NOT_FOUND);
    expect(await answer(session, 'lite', { op: APPLY, path: ['constructor'], args: [] })).toEqual(NOT_FOUND);
    expect(target.count).toBe(1);
    expect(target.items).toEqual([1, 2]);
    expect(await answer(session, 'lite', [], fnv1a32('value'))).toBe(7);
    expect(calls).toBe(1);
    expect(await answer(session, 'lite', [2, 3], fnv1a32('add'))).toBe(5);
  });
});
