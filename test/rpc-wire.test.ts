// RPC seen from the wire: hand-built frames, as any implementation of the contract would send them, against an
// exposed object. Checks the answers byte for byte where docs/protocol.md shows them, and every refusal by status
// and code — and that none of them costs the connection.
import { afterEach, describe, expect, it } from 'vitest';
import { encode } from '@msgpack/msgpack';
import { MessageType, Status, currentCall, decodeBody, expose, memoryPair, type Frame } from 'swarmwire';
import { decodeFrame, encodeFrame, fnv1a32, fnv1a64 } from 'swarmwire/wire';
import { type MemoryTransport } from 'swarmwire/transport';
import { Op } from '../src/rpc/messages.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

let ran = 0;
const calc = {
  add: (a: number, b: number) => a + b,
  hits() {
    return ++ran;
  },
  fail(): never {
    throw new TypeError('no');
  },
  nested: { inner: { ping: () => 'pong' } },
  wait(): Promise<string> {
    const { signal } = currentCall();
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve('late')));
  },
  async *three() {
    yield 'a';
    yield 'b';
    yield 'c';
  },
};

let raw: MemoryTransport;
let served: MemoryTransport;
let inbox: Frame[];
let waiters: Array<() => void>;
afterEach(() => raw?.close());

async function setup(): Promise<void> {
  [raw, served] = memoryPair();
  expose(calc, served, { name: 'calc', maxArgBytes: 1024, maxDepth: 16 });
  inbox = [];
  waiters = [];
  raw.on('message', (bytes) => {
    inbox.push(decodeFrame(bytes.slice()));
    for (const w of waiters.splice(0)) w();
  });
}

/** Sends one frame and waits for `count` more frames to arrive. */
async function exchange(init: Parameters<typeof encodeFrame>[0], count = 1): Promise<Frame[]> {
  const start = inbox.length;
  raw.send(encodeFrame(init));
  while (inbox.length < start + count) await new Promise<void>((r) => waiters.push(r));
  return inbox.slice(start, start + count);
}

const CALC = fnv1a64('calc');
const request = (id: number, method: string, payload: Uint8Array, moduleId = CALC) =>
  ({ type: MessageType.Request, requestId: id, moduleId, methodHash: fnv1a32(method), payload });

describe('plain Request frames', () => {
  it('calls calc.add(2, 3): the Response carries the request id, module and method, and the result', async () => {
    await setup();
    const req = encodeFrame(request(1, 'add', encode([2, 3])));
    expect(hex(req)).toBe('4d4c4e4b010000000000000000000001b5168390e83bb3f43b39127400000003920203');
    const [res] = await exchange(request(1, 'add', encode([2, 3])));
    expect(hex(encodeFrame({ ...res!, payload: res!.payload }))).toBe('4d4c4e4b010100000000000000000001b5168390e83bb3f43b3912740000000105');
    expect(decodeBody(res!)).toBe(5);
  });

  it('answers a repeated request id from its cache and never runs the call twice', async () => {
    await setup();
    ran = 0;
    const [first] = await exchange(request(7, 'hits', encode([])));
    expect(decodeBody(first!)).toBe(1);
    raw.send(encodeFrame(request(8, 'hits', encode([]))));
    const [again, next] = await exchange(request(7, 'hits', encode([])), 2);
    expect(again!.requestId === 8n ? decodeBody(next!) : decodeBody(again!)).toBe(1);
    expect(ran).toBe(2);
  });

  it('cancels a call on a Cancel frame: Error with status Cancelled, and the function sees its signal abort', async () => {
    await setup();
    raw.send(encodeFrame(request(3, 'wait', encode([]))));
    const [err] = await exchange({ type: MessageType.Cancel, requestId: 3, payload: encode('bored') });
    expect(err!.type).toBe(MessageType.Error);
    expect(decodeBody(err!)).toMatchObject({ status: Status.Cancelled, name: 'RpcError', message: '[swarmwire] cancelled by the caller: bored' });
  });

  it('streams a generator: StreamHandle, then StreamData named by module_id, then an empty StreamEnd', async () => {
    await setup();
    const frames = await exchange(request(4, 'three', encode([])), 5);
    expect(frames.map((f) => f.type)).toEqual([MessageType.StreamHandle, MessageType.StreamData, MessageType.StreamData, MessageType.StreamData, MessageType.StreamEnd]);
    const handle = decodeBody<{ stream: number; kind: number }>(frames[0]!);
    expect(handle).toEqual({ stream: 1, kind: 0 });
    expect(frames[0]!.requestId).toBe(4n);
    for (const f of frames.slice(1)) expect(f.moduleId).toBe(BigInt(handle.stream));
    expect(frames.slice(1, 4).map((f) => decodeBody(f))).toEqual(['a', 'b', 'c']);
    expect(frames[4]!.payloadLength).toBe(0);
  });
});

describe('refusals: a typed Error, and the connection carries on', () => {
  const deep = (n: number): unknown => (n === 0 ? 1 : [deep(n - 1)]);
  const CASES: Array<[string, Parameters<typeof encodeFrame>[0], number, string]> = [
    ['an unknown module', request(1, 'add', encode([1, 2]), fnv1a64('nope')), Status.ModuleNotFound, 'SW_ERR_RPC_MODULE_NOT_FOUND'],
    ['an unknown method', request(1, 'sub', encode([1, 2])), Status.MethodNotFound, 'SW_ERR_RPC_METHOD_NOT_FOUND'],
    ...['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'call', 'bind'].map(
      (name) => [`"${name}"`, request(1, name, encode([])), Status.MethodNotFound, 'SW_ERR_RPC_METHOD_NOT_FOUND'] as [string, Parameters<typeof encodeFrame>[0], number, string]),
    ['a path through constructor', request(1, 'x', encode({ op: Op.Apply, path: ['add', 'constructor'], args: ['return process'] })), Status.MethodNotFound, 'SW_ERR_RPC_METHOD_NOT_FOUND'],
    ['a path through __proto__', request(1, 'x', encode({ op: Op.Get, path: ['nested', '__proto__'] })), Status.MethodNotFound, 'SW_ERR_RPC_METHOD_NOT_FOUND'],
    ['a set of __proto__', request(1, 'x', encode({ op: Op.Set, path: ['__proto__'], value: {} })), Status.Unauthorized, 'SW_ERR_RPC_READ_ONLY'],
    ['arguments that are not an array', request(1, 'add', encode('2, 3')), Status.InvalidFrame, 'SW_ERR_RPC_BAD_ARGS'],
    ['undecodable arguments', request(1, 'add', new Uint8Array([0xc1])), Status.InvalidFrame, 'SW_ERR_RPC_BAD_ARGS'],
    ['arguments nested too deep', request(1, 'add', encode([deep(40), 1])), Status.InvalidFrame, 'SW_ERR_RPC_BAD_ARGS'],
    ['arguments over the size limit', request(1, 'add', encode([new Uint8Array(2000), 1])), Status.InvalidFrame, 'SW_ERR_RPC_BAD_ARGS'],
    ['too few arguments', request(1, 'add', encode([1])), Status.InvalidFrame, 'SW_ERR_RPC_ARITY'],
    ['a throwing callee', request(1, 'fail', encode([])), Status.ExecutionError, ''],
  ];

  it.for(CASES)('%s', async ([, init, status, code]) => {
    await setup();
    const [err] = await exchange(init);
    expect(err!.type).toBe(MessageType.Error);
    expect(err!.requestId).toBe(1n);
    const body = decodeBody<{ status: number; message: string; name: string; data?: { code?: string } }>(err!);
    expect(body.status).toBe(status);
    if (code) expect(body.data?.code).toBe(code);
    else expect(body).toMatchObject({ name: 'TypeError', message: 'no' });
    const [ok] = await exchange(request(2, 'add', encode([20, 22])));
    expect(decodeBody(ok!)).toBe(42);
    expect(raw.state).toBe('open');
  });

  it('request ids not below 2^53: Error InvalidFrame SW_ERR_RPC_PROTOCOL under the id as sent, the call not run (two once hung the process)', async () => {
    await setup();
    ran = 0;
    for (const id of [2n ** 60n, 2n ** 60n + 4096n, 2n ** 64n - 1n]) {
      const [err] = await exchange({ ...request(0, 'hits', encode([])), requestId: id });
      expect([err!.type, err!.requestId]).toEqual([MessageType.Error, id]);
      const body = decodeBody<{ status: number; message: string; data?: { code?: string } }>(err!);
      expect([body.status, body.data?.code]).toEqual([Status.InvalidFrame, 'SW_ERR_RPC_PROTOCOL']);
    }
    const [ok] = await exchange(request(2, 'hits', encode([])));
    expect([decodeBody(ok!), ran]).toEqual([1, 1]);
  });
});
