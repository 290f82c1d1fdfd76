// comlinkEndpoint() as a postMessage endpoint, without Comlink: the values it carries (held against the platform's
// structuredClone as the oracle, both ways), what it refuses and that a refusal changes nothing, MessagePorts
// crossing (both ways, nested, sent back, closed), and hostile frames: dropped, and costing the receiver nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { type ComlinkEndpoint, type ComlinkMessageEvent, MessageType, type Session, comlinkEndpoint, memoryPair } from 'swarmwire';
import { fnv1a64 } from 'swarmwire/wire';
import { type LinkPair, memorySession } from './fixtures/rpc-links.js';
import { until } from './fixtures/until.js';

let pair: LinkPair | undefined;
const opened: MessagePort[] = [];
afterEach(async () => {
  for (const p of opened.splice(0)) p.close();
  await pair?.close();
  pair = undefined;
});

async function endpoints(): Promise<[ComlinkEndpoint, ComlinkEndpoint]> {
  pair = await memorySession();
  return [comlinkEndpoint(pair.client), comlinkEndpoint(pair.server)];
}

/** The next message `ep` delivers (within 5 s). */
function next(ep: ComlinkEndpoint): Promise<ComlinkMessageEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message within 5 s')), 5_000);
    ep.addEventListener('message', (e) => (clearTimeout(timer), resolve(e as unknown as ComlinkMessageEvent)), { once: true });
  });
}

/** The next message on a MessagePort (within 5 s). */
function nextOn(port: MessagePort): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no port message within 5 s')), 5_000);
    port.addEventListener('message', (e) => (clearTimeout(timer), resolve(e.data)), { once: true });
    port.start();
  });
}

function channel(): MessageChannel {
  const c = new MessageChannel();
  opened.push(c.port1, c.port2);
  return c;
}

class Point {
  x = 1;
  hidden?: number;
  get y(): number {
    return 2;
  }
}

// Values the endpoint must deliver exactly as structuredClone copies them.
const CLONED: Array<[name: string, value: () => unknown]> = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['numbers, −0, NaN and infinities', () => [0, -0, 1.5, -7, 2 ** 53, -(2 ** 31), NaN, Infinity, -Infinity, Number.MIN_VALUE]],
  ['strings', () => ['', 'héllo', '😀 emoji', 'x'.repeat(70_000)]],
  ['undefined in fields and elements', () => ({ a: undefined, b: [undefined, 1, undefined], c: { d: undefined } })],
  ['bigints', () => [0n, -12_345_678_901_234_567_890n, 2n ** 200n]],
  ['dates, an invalid one too', () => [new Date(0), new Date(1_700_000_000_123), new Date(-1e12), new Date(NaN)]],
  ['RegExps', () => [/a+b/gi, /^\u{1F600}$/u, new RegExp('x', 'dsy')]],
  ['ArrayBuffers', () => [new Uint8Array([1, 2, 3]).buffer, new ArrayBuffer(0)]],
  ['Uint8Array (bin) and a Buffer (arrives as Uint8Array)', () => [new Uint8Array([9, 8]), Buffer.from('hi')]],
  ['every typed array and DataView', () => [
    new Int8Array([-1, 2]), new Uint8ClampedArray([255, 0]), new Int16Array([-300, 7]), new Uint16Array([65_535]),
    new Int32Array([-(2 ** 31)]), new Uint32Array([2 ** 32 - 1]), new Float32Array([1.5, NaN]), new Float64Array([Math.PI, -0]),
    new BigInt64Array([-(2n ** 63n)]), new BigUint64Array([2n ** 64n - 1n]), new DataView(new Uint8Array([1, 2, 3]).buffer),
  ]],
  ['Map and Set, with objects and undefined inside', () => [new Map<unknown, unknown>([[{ k: 1 }, undefined], ['s', new Set([1, 'a', undefined])]]), new Set()]],
  ['nested', () => ({ list: [new Map([[1, new Set([new Date(0)])]])], buf: new Float64Array([1.5]), deep: { a: { b: { c: [[[1n]]] } } } })],
  ['an instance of a class: its own enumerable fields', () => new Point()],
  ['an object without prototype', () => Object.assign(Object.create(null) as object, { a: 1 })],
];

describe.for([['client → server', 0], ['server → client', 1]] as const)('values, %s', ([, from]) => {
  for (const [name, make] of CLONED) {
    it(`delivers ${name} as structuredClone copies them`, async () => {
      const eps = await endpoints();
      const [a, b] = from === 0 ? eps : [eps[1], eps[0]];
      const got = next(b);
      a.postMessage(make());
      expect((await got).data).toStrictEqual(structuredClone(make()));
    });
  }

  it('keeps the class and fields of errors (as structuredClone does) and more: cause and own fields', async () => {
    const eps = await endpoints();
    const [a, b] = from === 0 ? eps : [eps[1], eps[0]];
    const sent = [new TypeError('t', { cause: 'why' }), new RangeError('r'), Object.assign(new Error('e'), { code: 'E_X' })];
    const got = next(b);
    a.postMessage(sent);
    const [t, r, e] = (await got).data as [TypeError, RangeError, Error & { code: string }];
    expect(t).toBeInstanceOf(TypeError);
    expect([t.message, t.cause, t.stack]).toEqual(['t', 'why', sent[0]!.stack]);
    expect(r).toBeInstanceOf(RangeError);
    expect([e.message, e.code]).toEqual(['e', 'E_X']);
  });
});

describe('where the endpoint differs from structured clone (README, "Comlink over swarmwire")', () => {
  it('sends a view\'s own bytes: it arrives over a buffer of exactly those bytes', async () => {
    const [a, b] = await endpoints();
    const got = next(b);
    a.postMessage(new Int16Array(new Int16Array([1, 2, 3, 4]).buffer, 2, 2));
    const view = (await got).data as Int16Array;
    expect([...view]).toEqual([2, 3]);
    expect([view.byteOffset, view.buffer.byteLength]).toEqual([0, 4]);
  });

  it('reads array holes as undefined, and copies an object reached twice twice', async () => {
    const [a, b] = await endpoints();
    const shared = { n: 1 };
    const got = next(b);
    // eslint-disable-next-line no-sparse-arrays
    a.postMessage({ holes: [1, , 3], x: shared, y: shared });
    const data = (await got).data as { holes: unknown[]; x: object; y: object };
    expect(1 in data.holes).toBe(true);
    expect(data.holes).toEqual([1, undefined, 3]);
    expect(data.x).toEqual(data.y);
    expect(data.x).not.toBe(data.y);
  });
});

describe('refusals: postMessage throws SW_ERR_RPC_UNSERIALIZABLE and nothing is sent or changed', () => {
  const REFUSED: Array<[name: string, message: () => unknown, transfer?: () => unknown[], says?: RegExp]> = [
    ['a function', () => ({ f() {} }), undefined, /function \(f\)/],
    ['a symbol', () => [Symbol('s')], undefined, /symbol/],
    ['a cycle', () => {
      const o: Record<string, unknown> = {};
      o.self = o;
      return o;
    }, undefined, /deeper than 100/],
    ['a SharedArrayBuffer', () => new SharedArrayBuffer(8), undefined, /SharedArrayBuffer/],
    ['a Blob', () => new Blob(['x']), undefined, /Blob/],
    ['a URL (a platform object written in JavaScript)', () => new URL('https://example.com/'), undefined, /URL/],
    ['a WeakMap', () => new WeakMap(), undefined, /WeakMap/],
    ['a Promise', () => Promise.resolve(1), undefined, /Promise/],
    ['a MessagePort not in the transfer list', () => channel().port2, undefined, /must be in its transfer list/],
    ['a transferred MessagePort the message does not hold', () => 1, () => [channel().port2], /must be in the message/],
    ['a transfer list with something that cannot leave the process', () => 1, () => [{}], /cannot transfer/],
    ['a transfer list that names a buffer twice', () => 1, () => {
      const b = new ArrayBuffer(4);
      return [b, b];
    }, /twice/],
    ['a detached buffer in the transfer list', () => 1, () => {
      const b = new ArrayBuffer(4);
      structuredClone(b, { transfer: [b] });
      return [b];
    }, /detached/],
  ];
  for (const [name, message, transfer, says] of REFUSED) {
    it(`refuses ${name}`, async () => {
      const [a, b] = await endpoints();
      const got = next(b);
      expect(() => a.postMessage(message(), (transfer?.() ?? []) as Transferable[])).toThrow(expect.objectContaining({ code: 'SW_ERR_RPC_UNSERIALIZABLE', message: expect.stringMatching(says!) }));
      a.postMessage('after');
      expect((await got).data).toBe('after'); // the refused message never went out
    });
  }

  it('leaves buffers and ports it was asked to transfer as they were', async () => {
    const [a, b] = await endpoints();
    const buffer = new Uint8Array([1, 2]).buffer;
    const { port1, port2 } = channel();
    expect(() => a.postMessage({ buffer, port2, f: () => 1 }, [buffer, port2])).toThrow(expect.objectContaining({ code: 'SW_ERR_RPC_UNSERIALIZABLE' }));
    expect(buffer.byteLength).toBe(2);
    const got = nextOn(port1);
    port2.postMessage('still mine');
    expect(await got).toBe('still mine');
    void b;
  });
});

describe('the transfer list', () => {
  it('detaches transferred ArrayBuffers once sent; the other side gets their bytes', async () => {
    const [a, b] = await endpoints();
    const buffer = new Uint8Array([1, 2, 3]).buffer;
    const got = next(b);
    a.postMessage({ nested: { buffer } }, [buffer]);
    expect(buffer.byteLength).toBe(0);
    expect(new Uint8Array(((await got).data as { nested: { buffer: ArrayBuffer } }).nested.buffer)).toEqual(new Uint8Array([1, 2, 3]));
  });
});

describe('MessagePorts crossing the endpoint', () => {
  it('delivers a posted port as a MessagePort whose messages travel both ways', async () => {
    const [a, b] = await endpoints();
    const { port1, port2 } = channel();
    const got = next(b);
    a.postMessage({ port: port2 }, [port2]);
    const event = await got;
    const remote = (event.data as { port: MessagePort }).port;
    opened.push(remote);
    expect(remote).toBeInstanceOf(MessagePort);
    expect(event.ports).toEqual([remote]);
    const toLocal = nextOn(port1);
    remote.postMessage({ hi: 1n });
    expect(await toLocal).toEqual({ hi: 1n });
    const toRemote = nextOn(remote);
    port1.postMessage(new Map([[1, 2]]));
    expect(await toRemote).toEqual(new Map([[1, 2]]));
  });

  it('carries ports inside port messages, and a port sent back the way it came', async () => {
    const [a, b] = await endpoints();
    const { port1, port2 } = channel();
    const got = next(b);
    a.postMessage(port2, [port2]);
    const remote = (await got).data as MessagePort;
    opened.push(remote);
    // A port inside a message on the crossed port.
    const inner = channel();
    const arrives = nextOn(remote);
    port1.postMessage({ inner: inner.port2 }, [inner.port2]);
    const innerRemote = ((await arrives) as { inner: MessagePort }).inner;
    opened.push(innerRemote);
    const back = nextOn(inner.port1);
    innerRemote.postMessage('through two ports');
    expect(await back).toBe('through two ports');
    // The crossed port sent back: it still reaches port1, now through both sides.
    const returned = next(a);
    b.postMessage(remote, [remote]);
    const again = (await returned).data as MessagePort;
    opened.push(again);
    const loop = nextOn(port1);
    again.postMessage('round trip');
    expect(await loop).toBe('round trip');
  });

  it('neuters the posted port object (as a transfer does) and carries messages from its partner', async () => {
    const [a, b] = await endpoints();
    const { port1, port2 } = channel();
    const got = next(b);
    a.postMessage(port2, [port2]);
    const remote = (await got).data as MessagePort;
    opened.push(remote);
    const arrives = nextOn(remote);
    port1.postMessage('to the moved port');
    expect(await arrives).toBe('to the moved port');
    expect(() => a.postMessage(port2, [port2])).toThrow(); // a neutered port cannot be transferred again
  });

  it('closes a crossed port on the other side when either side closes it, and all of them with the link', async () => {
    const [a, b] = await endpoints();
    const first = channel();
    const second = channel();
    const got = next(b);
    a.postMessage([first.port2, second.port2], [first.port2, second.port2]);
    const [r1, r2] = (await got).data as MessagePort[];
    let closedHere = 0;
    first.port1.addEventListener('close', () => closedHere++);
    second.port1.addEventListener('close', () => closedHere++);
    let closedThere = 0;
    r2!.addEventListener('close', () => closedThere++);
    r1!.close(); // closed over there: the local partner closes
    await until(() => closedHere === 1);
    (pair!.client as Session).close(); // the link goes: every port closes
    await until(() => closedHere === 2 && closedThere === 1);
  });
});

describe('hostile frames', () => {
  const MODULE = fnv1a64('comlink:');
  /** Sends a raw Event frame to the server's endpoint, as a peer could. */
  const inject = (methodHash: number, payload: Uint8Array): void => {
    (pair!.client as Session).send({ type: MessageType.Event, moduleId: MODULE, methodHash, payload });
  };
  const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));

  const DROPPED: Array<[name: string, hash: number, payload: string]> = [
    ['bytes that are not MessagePack', 0, 'c1'],
    ['a value followed by more bytes', 0, '01 02'],
    ['a port number 0', 0, 'd4 0c 00'],
    ['a port number past 2^31 − 1', 0, 'c7 05 0c ce 80000000'],
    ['a port number that is not an integer', 0, 'd4 0c c3'],
    ['the same port twice in one message', 0, '92 d4 0c 05 d4 0c 05'],
    ['a typed array of no known kind', 0, 'd5 09 63 00'],
    ['a Float64Array of 3 bytes', 0, 'c7 04 09 08 000000'],
    ['a constant of no known value', 0, 'd4 0b 09'],
    ['a RegExp that is not a pattern', 0, 'c7 04 0a 92 a1 28 a0'],
    ['a bigint of 2,049 digits', 0, `c8 0801 04 ${'31'.repeat(2049)}`],
    ['arrays nested 101 deep', 0, `${'91'.repeat(101)}01`],
    ['a message for a port nobody opened', 2 * 77, 'a1 78'],
    ['a close of a port nobody opened', 2 * 77 + 1, ''],
  ];
  for (const [name, hash, payload] of DROPPED) {
    it(`drops ${name}, and delivers what follows`, async () => {
      const [a, b] = await endpoints();
      let delivered = 0;
      b.addEventListener('message', () => void delivered++);
      const got = next(b);
      inject(hash, hex(payload));
      a.postMessage('after');
      expect((await got).data).toBe('after');
      expect(delivered).toBe(1);
    });
  }

  it('tells the peer the ports of a message it dropped are closed', async () => {
    const [, b] = await endpoints();
    const closes: number[] = [];
    (pair!.client as Session).on('frame', (f) => {
      if (f.type === MessageType.Event && f.moduleId === MODULE && f.payloadLength === 0) closes.push(f.methodHash);
    });
    b.addEventListener('message', () => {});
    inject(0, hex('93 d4 0c 05 d4 0c 06 c1')); // ports 5 and 6, then a byte that starts no value
    await until(() => closes.length === 2);
    expect(closes.sort()).toEqual([5 * 2 + 1, 6 * 2 + 1]); // owner 1: the receiver of the close numbered them
  });

  it('keeps at most 1,024 messages for an endpoint nobody listens to yet', async () => {
    const [a, b] = await endpoints();
    for (let i = 0; i < 1100; i++) a.postMessage(i);
    // Frames keep their order on the link: once a later message on another endpoint is in, all 1,100 are.
    const marker = next(comlinkEndpoint(pair!.server, { name: 'marker' }));
    comlinkEndpoint(pair!.client, { name: 'marker' }).postMessage('in');
    await marker;
    const seen: unknown[] = [];
    b.addEventListener('message', (e) => void seen.push((e as MessageEvent).data));
    expect(seen).toHaveLength(1024);
    expect(seen[1023]).toBe(1023);
    const later = next(b);
    a.postMessage('once someone listens');
    expect((await later).data).toBe('once someone listens');
  });
});

it('works over a bare transport too (no session: no acks, no reconnects)', async () => {
  const [t1, t2] = memoryPair();
  pair = { client: t1, server: t2, close: async () => t1.close() };
  const [a, b] = [comlinkEndpoint(t1), comlinkEndpoint(t2)];
  const { port1, port2 } = channel();
  const got = next(b);
  a.postMessage({ port2, when: new Date(5) }, [port2]);
  const data = (await got).data as { port2: MessagePort; when: Date };
  opened.push(data.port2);
  expect(data.when).toEqual(new Date(5));
  const back = nextOn(port1);
  data.port2.postMessage('over a transport');
  expect(await back).toBe('over a transport');
});
