// CRC-32C: swarmwire's public crc32c() (after init(): JavaScript below WASM_MIN_BYTES, else a copy into wasm memory
// and the wasm core), the wasm core on bytes already in wasm memory, and the JavaScript path alone, against crc-32
// (pure JS), hash-wasm (wasm) and @node-rs/crc32 (native, SSE4.2: the hardware reference). Then the sizes around
// the JS/wasm crossover that WASM_MIN_BYTES is set from.
import { createRequire } from 'node:module';
import { crc32c } from 'swarmwire/wire';
import { init } from 'swarmwire';
import { createCRC32 } from 'hash-wasm';
import { crc32c as nativeCrc32c } from '@node-rs/crc32';
import { measure, speedup } from './lib/measure.mjs';
import { rawCore } from './lib/core.mjs';
import { crcModule } from './lib/crc32c-js.mjs';
import { checkWasmCrc, randomBytes } from './lib/crc-check.mjs';
import { mark, sig } from './lib/table.mjs';

const CRC32C = createRequire(import.meta.url)('crc-32/crc32c');
const SIZES = [64, 1024, 65536, 1 << 20];
const CROSSOVER_SIZES = [16, 32, 48, 64, 96, 128, 160, 192, 256, 384, 512, 1024];
const SCRATCH = 64 * 1024; // as SCRATCH_SIZE in src/core/wasm.ts
/** crc-32 at 64 KiB on this machine when it was quiet: today's figure says how loaded the machine is. */
const CRC32_REFERENCE_GBPS = 1.7;

const label = (n) => (n >= 1 << 20 ? `${n >> 20} MiB` : n >= 1024 ? `${n >> 10} KiB` : `${n} B`);

/** How each implementation is called; all return the CRC as an unsigned number. */
async function implementations() {
  await init();
  const core = await rawCore();
  // Inputs for the in-place case live at `at` (each size's input is a prefix of the same bytes, so they can share
  // it), the copy path's scratch area after them.
  const at = core.heap;
  const scratch = at + (1 << 20) + 64;
  // hash-wasm's fastest synchronous use: one hasher made once, then init/update/digest per call. digest('binary')
  // gives 4 bytes (big endian); the hex string form measured no faster.
  const hasher = await createCRC32(0x82f63b78);
  return {
    core,
    list: [
      { name: 'swarmwire crc32c()', kind: 'ours, public API', make: (data) => () => crc32c(data) },
      {
        name: 'swarmwire wasm in place', kind: 'ours, wasm core',
        make: (data) => (core.bytes.set(data, at), () => core.api.crc32c(0, at, data.length)),
      },
      { name: 'swarmwire JS path', kind: 'ours, crc32cJs', make: (data) => () => crcModule.crc32cJs(data) },
      // crc-32 returns the CRC as a signed int32; `>>> 0` makes it the unsigned value crc32c() returns and that any
      // comparison with a u32 trailer needs (a uint32 above 2^31 is a heap number in V8: ~10 ns at 64 B).
      { name: 'crc-32', kind: 'pure JS', make: (data) => () => CRC32C.buf(data, 0) >>> 0 },
      {
        name: 'hash-wasm', kind: 'wasm',
        make: (data) => () => {
          const d = hasher.init().update(data).digest('binary');
          return ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
        },
      },
      { name: '@node-rs/crc32', kind: 'native', make: (data) => () => nativeCrc32c(data) },
    ],
    /** What crc32c() does above WASM_MIN_BYTES, for any size: copy into wasm memory, then call the core. */
    wasmWithCopy: (data) => () => {
      const piece = data.subarray(0, SCRATCH);
      core.bytes.set(piece, scratch);
      return core.api.crc32c(0, scratch, piece.length);
    },
  };
}

export async function run({ rounds, time }) {
  const { core, list, wasmWithCopy } = await implementations();
  // The built core must be right before its speed means anything.
  checkWasmCrc('build/swarmwire.wasm', core.api.crc32c, core.bytes, core.heap);
  const input = randomBytes(1 << 20, 11);
  const cases = [];
  for (const size of SIZES) {
    const data = input.slice(0, size); // an ordinary Uint8Array of its own, outside wasm memory
    const want = nativeCrc32c(data) >>> 0;
    for (const impl of list) {
      const fn = impl.make(data);
      if (fn() >>> 0 !== want) throw new Error(`[bench] ${impl.name} gives a wrong CRC for ${size} bytes`);
      cases.push({ name: `${impl.name}@${size}`, fn });
    }
  }
  const results = await measure(cases, { rounds, time });
  const at = (name, size) => results.find((r) => r.name === `${name}@${size}`);

  const columns = ['implementation', 'kind', 'ns @64 B', ...SIZES.map((s) => `GB/s @${label(s)}`), '× crc-32 @64 B', '× crc-32 @64 KiB', '× hash-wasm @64 KiB'];
  const rows = list.map((impl) => {
    const row = { implementation: impl.name, kind: impl.kind, 'ns @64 B': sig(at(impl.name, 64).ns) };
    for (const s of SIZES) row[`GB/s @${label(s)}`] = sig(s / at(impl.name, s).ns);
    row['× crc-32 @64 B'] = sig(speedup(at('crc-32', 64), at(impl.name, 64)));
    row['× crc-32 @64 KiB'] = sig(speedup(at('crc-32', 65536), at(impl.name, 65536)));
    row['× hash-wasm @64 KiB'] = sig(speedup(at('hash-wasm', 65536), at(impl.name, 65536)));
    return row;
  });

  const ours = 'swarmwire crc32c()', inPlace = 'swarmwire wasm in place';
  const crc32Gbps = 65536 / at('crc-32', 65536).ns;
  const slowdown = CRC32_REFERENCE_GBPS / crc32Gbps;
  const vsCrc32 = speedup(at('crc-32', 65536), at(ours, 65536));
  const vsHashWasm = speedup(at('hash-wasm', 65536), at(ours, 65536));
  const ns64 = at(ours, 64).ns;
  const targets = {
    title: 'CRC-32C targets (public crc32c(), input in an ordinary Uint8Array)',
    columns: ['target', 'measured', 'met'],
    rows: [
      { target: '≥ 2× the best pure-JS library (crc-32) @64 KiB', measured: `${sig(vsCrc32)}×`, met: mark(vsCrc32 >= 2) },
      { target: 'faster than hash-wasm @64 KiB', measured: `${sig(vsHashWasm)}×`, met: mark(vsHashWasm > 1) },
      {
        target: '≤ 40 ns for a 64-byte call', met: mark(ns64 <= 40),
        measured: `${sig(ns64)} ns (fastest round ${sig(at(ours, 64).best)} ns; ${sig(ns64 / slowdown)} ns scaled to the reference machine speed)`,
      },
    ],
    notes: [
      `crc-32 ran at ${sig(crc32Gbps)} GB/s @64 KiB in this run (reference: ${CRC32_REFERENCE_GBPS} GB/s on a quiet machine): ` +
        `absolute figures here are ~${sig(slowdown, 2)}× slower than quiet-machine ones; ratios hold.`,
      `In place (no copy): ${sig(speedup(at('crc-32', 65536), at(inPlace, 65536)))}× crc-32 and ` +
        `${sig(speedup(at('hash-wasm', 65536), at(inPlace, 65536)))}× hash-wasm @64 KiB.`,
      'hash-wasm is called as createCRC32(0x82f63b78) once, then init().update(data).digest(\'binary\') per call.',
    ],
  };

  // The crossover: the JavaScript path against the copy-and-call-wasm path, paired round by round.
  const crossCases = [];
  for (const size of CROSSOVER_SIZES) {
    const data = input.slice(0, size);
    crossCases.push({ name: `js@${size}`, fn: () => crcModule.crc32cJs(data) }, { name: `wasm@${size}`, fn: wasmWithCopy(data) });
  }
  const cross = await measure(crossCases, { rounds, time: time / 2 });
  const c = (name) => cross.find((r) => r.name === name);
  const crossRows = CROSSOVER_SIZES.map((size) => ({
    bytes: size,
    'JS ns': sig(c(`js@${size}`).ns),
    'wasm + copy ns': sig(c(`wasm@${size}`).ns),
    'wasm speedup': sig(speedup(c(`js@${size}`), c(`wasm@${size}`))),
  }));
  // The smallest size from which the wasm path wins at every measured size.
  let crossover = CROSSOVER_SIZES.at(-1);
  for (let i = CROSSOVER_SIZES.length - 1; i >= 0 && crossRows[i]['wasm speedup'] > 1; i--) crossover = CROSSOVER_SIZES[i];

  const readme = {
    title: 'CRC-32C',
    columns: ['implementation', 'GB/s @64 KiB', 'ns @64 B', '× crc-32 @64 B', '× crc-32 @64 KiB', 'target'],
    rows: [
      { implementation: 'swarmwire `crc32c()` (JS below 128 B, else copy + wasm)', 'GB/s @64 KiB': rows[0]['GB/s @64 KiB'], 'ns @64 B': rows[0]['ns @64 B'], '× crc-32 @64 B': rows[0]['× crc-32 @64 B'], '× crc-32 @64 KiB': rows[0]['× crc-32 @64 KiB'], target: `≥ 2× crc-32 ${mark(vsCrc32 >= 2)}, > hash-wasm ${mark(vsHashWasm > 1)}, ≤ 40 ns @64 B ${mark(ns64 <= 40)} (${sig(ns64 / slowdown)} ns at reference speed)` },
      ...rows.slice(1).map((r) => ({ implementation: r.implementation + (r.kind.startsWith('ours') ? '' : ` (${r.kind})`), 'GB/s @64 KiB': r['GB/s @64 KiB'], 'ns @64 B': r['ns @64 B'], '× crc-32 @64 B': r['× crc-32 @64 B'], '× crc-32 @64 KiB': r['× crc-32 @64 KiB'], target: '' })),
    ],
    notes: [
      `crc32c() takes the JS path below WASM_MIN_BYTES = ${crcModule.WASM_MIN_BYTES} (so at 64 B), else copies the input into wasm memory.`,
      `This run's machine: crc-32 at ${sig(crc32Gbps)} GB/s @64 KiB against ${CRC32_REFERENCE_GBPS} GB/s when quiet.`,
      'crc-32 is timed as `CRC32C.buf(data, 0) >>> 0`: the unsigned value crc32c() returns (crc-32 itself returns a signed int32).',
    ],
  };

  return {
    tables: [
      { title: 'CRC-32C: ns per call @64 B, GB/s by input size, speed ratios @64 KiB (paired by round)', columns, rows },
      targets,
      {
        title: `CRC-32C JS path vs wasm path with the copy (public crc32c() switches at WASM_MIN_BYTES = ${crcModule.WASM_MIN_BYTES})`,
        columns: ['bytes', 'JS ns', 'wasm + copy ns', 'wasm speedup'],
        rows: crossRows,
        notes: [`The wasm path wins from ${crossover} bytes on in this run.`],
      },
    ],
    readme,
    summary: { crossover, crc32Gbps, slowdown },
    raw: [...results, ...cross],
  };
}
