// CRC-32C design variants of the wasm core, each compiled from bench/crc32c-variants/*.ts (plus the shipped
// assembly/crc32c.ts), checked against the bitwise reference, then timed in place in wasm memory side by side with
// crc-32 (the fastest pure-JS library), which gives the ratio that survives the machine's noise.
// Not part of the default run (it compiles every variant, ~2 s each): `node bench/run.mjs crc-variants`.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { compileString } from 'assemblyscript/asc';
import { crc32c as nativeCrc32c } from '@node-rs/crc32';
import { slicingTables } from '../scripts/crc32c-tables.mjs';
import { measure, speedup } from './lib/measure.mjs';
import { checkWasmCrc, randomBytes } from './lib/crc-check.mjs';

const CRC32C = createRequire(import.meta.url)('crc-32/crc32c');
const dir = new URL('./crc32c-variants/', import.meta.url);
const BASE = 1024; // where asc puts the first static data

/** Shift tables for joining lanes of `lane` bytes: Z[k][b] = the register (b << 8k) advanced over `lane` zero bytes. */
function shiftTables(t0, lane) {
  const z = Array.from({ length: 4 }, () => new Uint32Array(256));
  for (let k = 0; k < 4; k++) {
    for (let b = 0; b < 256; b++) {
      let r = (b << (8 * k)) >>> 0;
      for (let i = 0; i < lane; i++) r = ((r >>> 8) ^ t0[r & 0xff]) >>> 0;
      z[k][b] = r;
    }
  }
  return z;
}

/** The tables module a variant imports: SLICE/SHIFT data first, then their addresses as compile-time constants. */
function tablesSource(slices, lane, skip) {
  const words = (tabs) => tabs.flatMap((t) => Array.from(t, (v) => '0x' + v.toString(16))).join(',');
  const t = slicingTables(Math.max(slices, skip + 4));
  const lines = [
    `export const LANE_BYTES: u32 = ${lane};`,
    `export const SLICE: usize = memory.data<u32>([${words(t.slice(0, slices))}]);`,
    `export const SHIFT: usize = memory.data<u32>([${words(shiftTables(t[0], lane))}]);`,
  ];
  for (let k = 0; k < slices; k++) lines.push(`export const S${k}: usize = ${BASE + 1024 * k};`);
  for (let k = 0; k < 4; k++) lines.push(`export const Z${k}: usize = ${BASE + 1024 * (slices + k)};`);
  if (skip > 0) {
    // Nibble tables for i8x16.swizzle: for word byte i and output byte j, 16 bytes for the low nibble then 16 for
    // the high one, at (i * 4 + j) * 32. The first set skips `skip` more bytes (T[skip+3-i]), the second none.
    const nib = [];
    for (const extra of [skip, 0]) {
      for (let i = 0; i < 4; i++) {
        const T = t[extra + 3 - i];
        for (let j = 0; j < 4; j++) {
          for (let n = 0; n < 16; n++) nib.push((T[n] >>> (8 * j)) & 0xff);
          for (let n = 0; n < 16; n++) nib.push((T[n << 4] >>> (8 * j)) & 0xff);
        }
      }
    }
    lines.push(`export const NIB: usize = memory.data<u8>([${nib.join(',')}]);`);
    lines.push(`export const N0: usize = ${BASE + 1024 * (slices + 4)};`, `export const N1: usize = ${BASE + 1024 * (slices + 4) + 512};`);
  }
  return lines.join('\n');
}

/**
 * Compiles a variant with the release options of asconfig.json; the shipped one (no tables: line) computes its
 * tables in crc32cInit() below asconfig's memoryBase.
 */
export async function compile(name, source) {
  const directive = /tables: slices=(\d+) lane=(\d+)/.exec(source);
  const files = directive
    ? { 'index.ts': source, 'tables.ts': tablesSource(+directive[1], +directive[2], +(/nibskip=(\d+)/.exec(source)?.[1] ?? 0)) }
    : { 'index.ts': source };
  const { memoryBase } = JSON.parse(readFileSync(new URL('../asconfig.json', import.meta.url), 'utf8')).options;
  const { binary, stderr, error } = await compileString(files,
    { optimizeLevel: 3, shrinkLevel: 0, converge: true, noAssert: true, runtime: 'stub', importMemory: true,
      sharedMemory: true, initialMemory: 1, maximumMemory: 16384, enable: ['threads', 'simd'], use: ['abort='],
      ...(directive ? {} : { memoryBase }) },
  );
  if (error) throw new Error(`[bench] ${name} does not compile:\n${stderr}`);
  return binary;
}

/** The first comment line after the tables directive: what the variant is. */
const describe = (source) => /^\/\/ tables:.*\n\/\/ (.*)$/m.exec(source)?.[1] ?? '';

export async function run({ rounds, time }) {
  const sources = [['shipped', readFileSync(new URL('../assembly/crc32c.ts', import.meta.url), 'utf8')]];
  const only = process.env.VARIANTS?.split(',');
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    if (!only || only.some((o) => f.includes(o))) sources.push([f.replace(/\.ts$/, ''), readFileSync(new URL(f, dir), 'utf8')]);
  }
  const sizes = process.env.SIZES?.split(',').map(Number) ?? [256, 1024, 65536];
  const AT = 1 << 16;
  const big = randomBytes(1 << 20, 7);
  const cases = [];
  for (const size of sizes) {
    const data = big.subarray(0, size);
    cases.push({ name: `crc-32@${size}`, fn: () => CRC32C.buf(data, 0) });
  }
  for (const [name, source] of sources) {
    const memory = new WebAssembly.Memory({ initial: 40, maximum: 16384, shared: true });
    const { instance } = await WebAssembly.instantiate(await compile(name, source), { env: { memory } });
    instance.exports.crc32cInit?.();
    const crc = instance.exports.crc32c;
    const mem = new Uint8Array(memory.buffer);
    checkWasmCrc(name, crc, mem, AT);
    mem.set(big, AT);
    for (const n of [(1 << 20) - 3, 65536 + 13, 4096 + 1]) {
      if (crc(0, AT + 3, n) >>> 0 !== nativeCrc32c(big.subarray(3, 3 + n))) throw new Error(`[bench] ${name}: ${n} bytes`);
    }
    for (const size of sizes) cases.push({ name: `${name}@${size}`, fn: () => crc(0, AT, size) });
  }
  const results = await measure(cases, { rounds, time });
  const r = (name, size) => results.find((x) => x.name === `${name}@${size}`);
  const big64 = sizes.at(-1);
  const rows = [['crc-32', 'pure JS reference (CRC32C.buf)'], ...sources.map(([name, source]) => [name, name === 'shipped' ? 'assembly/crc32c.ts' : describe(source)])]
    .map(([name, what]) => {
      const row = { variant: name, what, [`GB/s @${big64}`]: +(big64 / r(name, big64).ns).toFixed(2) };
      for (const size of sizes) row[`× crc-32 @${size}`] = +speedup(r('crc-32', size), r(name, size)).toFixed(2);
      return row;
    });
  return {
    tables: [{
      title: 'CRC-32C wasm variants (bench/crc32c-variants/), in place in wasm memory; × crc-32 = speed ratio paired by round',
      columns: ['variant', `GB/s @${big64}`, ...sizes.map((s) => `× crc-32 @${s}`), 'what'],
      rows,
      notes: ['Each variant passed the bitwise reference for every length 0..5000 at 6 misalignments, continuation and 1 MiB checks first.'],
    }],
    raw: results,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { formatTable } = await import('./lib/table.mjs');
  const { tables } = await run({ rounds: +(process.env.ROUNDS ?? 5), time: +(process.env.TIME ?? 100) });
  console.log(formatTable(tables[0]));
}
