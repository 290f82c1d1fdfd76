// The wasm core through its raw bindings: its CRC tables and its CRC-32C against the JavaScript path. (The ring's
// exports, and the frame checks they make in place, are tested in ring-core.test.ts. The module exports nothing
// else: code only a test called — FNV, a header codec — was taken out of it.)
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { crc32c } from 'swarmwire/wire';
import { init } from 'swarmwire';
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

  it('exports only what src/core calls: nothing for tests alone', async () => {
    const { instance } = await WebAssembly.instantiate(readFileSync(new URL('../build/swarmwire.wasm', import.meta.url)), {
      env: { memory: new WebAssembly.Memory({ initial: 2, maximum: 16384, shared: true }) },
    });
    const exported = Object.keys(instance.exports).filter((name) => name !== 'memory'); // the imported memory, re-exported
    const core = readdirSync(new URL('../src/core/', import.meta.url)).map((f) => readFileSync(new URL(`../src/core/${f}`, import.meta.url), 'utf8')).join('\n');
    expect(exported.filter((name) => !core.includes(`api.${name}(`))).toEqual([]);
    expect(exported.sort()).toEqual([
      'crc32c', 'crc32cInit', 'heapBase', 'ringCommit', 'ringDrain', 'ringInit', 'ringMaxRecord', 'ringRelease', 'ringReserve',
      'ringReserveOne', 'ringUsed', 'tablesAt',
    ]);
  });

  it('reads no byte outside the range it is given', () => {
    mem.fill(0xaa, AT, AT + 4096);
    const inner = api.crc32c(0, AT + 100, 2048);
    mem.fill(0x55, AT, AT + 100);
    mem.fill(0x55, AT + 2148, AT + 4096);
    expect(api.crc32c(0, AT + 100, 2048)).toBe(inner);
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
