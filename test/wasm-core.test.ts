// The wasm core through its raw bindings, against the JavaScript implementations and the contract's constants.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Feature, MAX_PAYLOAD, crc32c, decodeFrame, encodeFrame, encodeHeader, fnv1a32, fnv1a64, isKnownType } from 'swarmwire/wire';
import { MessageType, Status, WireError, init } from 'swarmwire';
import { crc32c as nativeCrc32c } from '@node-rs/crc32';
// @ts-expect-error: a plain .mjs script without types
import { tableBytes } from '../scripts/crc32c-tables.mjs';
import { instantiate } from '../build/swarmwire.js';

type Api = Awaited<ReturnType<typeof instantiate>>;
let api: Api;
let mem: Uint8Array;
const AT = 1 << 16; // a working area well above the static data

beforeAll(async () => {
  const memory = new WebAssembly.Memory({ initial: 32, maximum: 16384, shared: true });
  api = await instantiate(await WebAssembly.compile(readFileSync(new URL('../build/swarmwire.wasm', import.meta.url))), { env: { memory } });
  api.crc32cInit();
  mem = new Uint8Array(memory.buffer);
});

function seeded(seed: number): () => number {
  return () => ((seed = Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) & 0xff;
}

describe('wasm core', () => {
  it('computes its CRC tables where the lookups expect them, equal to the reference, below all static data', () => {
    expect(api.tablesAt()).toBe(1024);
    const reference = tableBytes();
    expect(mem.slice(1024, 1024 + reference.length)).toEqual(reference);
    expect(api.heapBase()).toBeGreaterThanOrEqual(1024 + reference.length);
    // No data segment may cover the tables: instantiating on the memory would overwrite them.
    const wat = readFileSync(new URL('../build/swarmwire.wat', import.meta.url), 'utf8');
    for (const [, offset] of wat.matchAll(/\(data (?:\$\S+ )?\(i32\.const (\d+)\)/g)) expect(Number(offset)).toBeGreaterThanOrEqual(1024 + reference.length);
    expect(readFileSync(new URL('../build/swarmwire.wasm', import.meta.url)).length).toBeLessThan(reference.length);
  });

  it('computes the tables once per memory, idempotently, whichever instance comes first', async () => {
    const module = await WebAssembly.compile(readFileSync(new URL('../build/swarmwire.wasm', import.meta.url)));
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 16384, shared: true });
    const bytes = new Uint8Array(memory.buffer);
    const [a, b] = await Promise.all([instantiate(module, { env: { memory } }), instantiate(module, { env: { memory } })]);
    expect(bytes.subarray(1024, 14336).every((x) => x === 0)).toBe(true); // nothing shipped: only init computes them
    a.crc32cInit();
    const first = bytes.slice(1024, 14400);
    expect(first.subarray(0, tableBytes().length)).toEqual(tableBytes());
    b.crc32cInit(); // a second instance on the same memory finds them done
    a.crc32cInit();
    await instantiate(module, { env: { memory } }); // a third joining: no data segment touches the tables
    expect(bytes.slice(1024, 14400)).toEqual(first);
    bytes.fill(0, 2000, 3000); // the flag says done: a later call does not recompute (so it cannot race a reader)
    b.crc32cInit();
    expect(bytes.subarray(2000, 3000).every((x) => x === 0)).toBe(true);
  });

  it('ends with correct tables when several threads compute them at once', async () => {
    const { Worker } = await import('node:worker_threads');
    const module = await WebAssembly.compile(readFileSync(new URL('../build/swarmwire.wasm', import.meta.url)));
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 16384, shared: true });
    // Each worker instantiates the module on the memory, waits for the start signal, then computes the tables.
    const go = new Int32Array(new SharedArrayBuffer(8));
    const source = `const { workerData: { module, memory, go } } = require('node:worker_threads');
      const { exports } = new WebAssembly.Instance(module, { env: { memory } });
      Atomics.add(go, 1, 1); Atomics.wait(go, 0, 0, 5000); exports.crc32cInit();`;
    const workers = Array.from({ length: 3 }, () => new Worker(source, { eval: true, workerData: { module, memory, go } }));
    const exited = workers.map((w) => new Promise((resolve, reject) => { w.on('exit', resolve); w.on('error', reject); }));
    const deadline = Date.now() + 10_000;
    while (Atomics.load(go, 1) < workers.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    Atomics.store(go, 0, 1);
    Atomics.notify(go, 0);
    expect(await Promise.all(exited)).toEqual([0, 0, 0]);
    expect(new Uint8Array(memory.buffer).slice(1024, 1024 + tableBytes().length)).toEqual(tableBytes());
  });

  it('computes the same CRC-32C as the JavaScript path for every length to 3000 and every alignment', () => {
    const rand = seeded(42);
    const data = Uint8Array.from({ length: 3100 }, rand);
    for (let offset = 0; offset < 8; offset++) {
      mem.set(data, AT + offset);
      for (let n = 0; n <= 3000; n += offset + 1) {
        expect(api.crc32c(0, AT + offset, n)).toBe(crc32c(data.subarray(0, n)));
      }
    }
  });

  it('reads no byte outside the range it is given', () => {
    mem.fill(0xaa, AT, AT + 4096);
    const inner = api.crc32c(0, AT + 100, 2048);
    mem.fill(0x55, AT, AT + 100);
    mem.fill(0x55, AT + 2148, AT + 4096);
    expect(api.crc32c(0, AT + 100, 2048)).toBe(inner);
  });

  it('hashes like the JavaScript FNV-1a', () => {
    for (const name of ['', 'a', 'relay', 'échange', 'x'.repeat(300)]) {
      const bytes = new TextEncoder().encode(name);
      mem.set(bytes, AT);
      expect(api.fnv1a32(AT, bytes.length)).toBe(fnv1a32(name));
      expect(api.fnv1a64(AT, bytes.length)).toBe(fnv1a64(name));
    }
  });

  it('knows the same message types as the TypeScript side', () => {
    for (let t = 0; t < 256; t++) expect(api.isKnownType(t)).toBe(isKnownType(t));
  });

  it('writes headers byte-identical to the JavaScript codec and reads them back', () => {
    const init = { type: MessageType.Request, features: 0x28, requestId: 0x1234567890abcdefn, moduleId: fnv1a64('relay'), methodHash: fnv1a32('echo'), payloadLength: 3 };
    api.headerWrite(AT, init.type, init.features, 0x12345678, 0x90abcdef, 0xe79981f3, 0x3b2890e2, init.methodHash, 3);
    expect(mem.slice(AT, AT + 32)).toEqual(encodeHeader(init));
    expect(api.headerRead(AT, AT + 64, MAX_PAYLOAD)).toBe(Status.Success);
    expect(Array.from(new Uint32Array(mem.buffer, AT + 64, 9))).toEqual([1, 0, 0x28, 0x12345678, 0x90abcdef, 0xe79981f3, 0x3b2890e2, 0xd49dd484, 3]);
  });

  it('validates frames with the same statuses as the JavaScript decoder', () => {
    const good = encodeFrame({ type: MessageType.Ping, features: Feature.CHECKSUM, body: { timestamp: 1 } });
    const cases: Array<[string, Uint8Array, number]> = [['good', good, Status.Success]];
    const flip = (at: number, bit = 1): Uint8Array => { const b = good.slice(); b[at]! ^= bit; return b; };
    cases.push(['magic', flip(0), Status.InvalidFrame], ['version', flip(4), Status.UnsupportedVersion],
      ['type', flip(5, 0x80), Status.InvalidFrame], ['payload', flip(40), Status.ChecksumMismatch],
      ['length', flip(31), Status.InvalidFrame], ['trailer', flip(good.length - 1), Status.ChecksumMismatch]);
    for (const [name, bytes, status] of cases) {
      mem.set(bytes, AT);
      expect([name, api.frameCheck(AT, bytes.length, MAX_PAYLOAD)]).toEqual([name, status]);
      let js: number = Status.Success;
      try { decodeFrame(bytes); } catch (e) { js = (e as WireError).status; }
      expect([name, js]).toEqual([name, status]);
    }
    mem.set(good, AT);
    expect(api.frameCheck(AT, good.length, 4)).toBe(Status.PayloadTooLarge);
    expect(api.frameCheck(AT, 31, MAX_PAYLOAD)).toBe(Status.InvalidFrame);
  });
});

describe('init()', () => {
  it('loads once and hands back the module and the shared memory for other threads', async () => {
    const [a, b] = await Promise.all([init(), init()]);
    expect(a.module).toBeInstanceOf(WebAssembly.Module);
    expect(a.memory).toBe(b.memory);
    expect(a.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('checksums inputs larger than its scratch area in pieces', async () => {
    await init();
    const rand = seeded(7);
    const data = Uint8Array.from({ length: 200_000 }, rand);
    expect(crc32c(data)).toBe(nativeCrc32c(Buffer.from(data)));
  });
});
