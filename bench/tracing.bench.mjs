// Issue 18's figures: what tracing costs an RPC call. add(a, b) over a session on the in-process pair, three ways
// in the same rounds: the source before tracing existed (git ref TRACING_BASE, default: f505c21, main just before
// tracing landed; a branch name would not exist in a fresh clone), this source with tracing off, and this source with OpenTelemetry on (the SDK with an always-on sampler
// and an exporter that drops spans, so the figure is swarmwire's and the SDK's span work, not an exporter's I/O).
// Both sources are bundled here the same way (esbuild), so the only difference between the first two is the code.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { latencies, percentile, throughput } from './lib/calls.mjs';
import { sig } from './lib/table.mjs';

const root = new URL('..', import.meta.url).pathname;
/** main just before tracing landed (the README's "before" row). */
const BEFORE_TRACING = 'f505c21d5187819f17bb1831f7825465dc19272c';
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** `src/index.ts` of `dir` as one ESM file in `out`, imported. */
async function load(dir, out) {
  await build({ entryPoints: [join(dir, 'src/index.ts')], outfile: out, bundle: true, format: 'esm', platform: 'node', external: ['ws', 'node:*'], logLevel: 'error' });
  return import(out);
}

/** A remote add() over a fresh session pair of the SDK `m`. */
async function remoteAdd(m) {
  const host = new m.SessionHost({ heartbeatIntervalMs: 0 });
  let accepted;
  const client = await m.connectSession(() => {
    const [a, b] = m.memoryPair();
    accepted = host.accept(b);
    return a;
  }, { heartbeatIntervalMs: 0, reconnect: false });
  m.expose({ add: (a, b) => a + b }, await accepted);
  const remote = m.wrap(client);
  return { call: (i) => remote.add(i, 1), close: () => (client.close(), host.close()) };
}

export async function run({ rounds = 5 } = {}) {
  const base = execFileSync('git', ['rev-parse', process.env.TRACING_BASE ?? BEFORE_TRACING], { cwd: root, encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'sw-tracing-bench-'));
  try {
    const before = join(dir, 'before');
    cpSync(join(root, 'build'), join(before, 'build'), { recursive: true }); // the wasm core's glue, built by asc
    execFileSync('sh', ['-c', `git archive ${base} src | tar -x -C ${before}`], { cwd: root });
    const old = await load(before, join(dir, 'before.mjs'));
    const now = await load(root, join(dir, 'after.mjs'));

    api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor({ export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} })] }));
    now.traceWithOpenTelemetry(api);
    const otel = now.setTracer(undefined);

    const variants = {
      [`before (${base.slice(0, 7)})`]: { sdk: await remoteAdd(old), tracer: undefined },
      'tracing off': { sdk: await remoteAdd(now), tracer: undefined },
      'OpenTelemetry on': { sdk: await remoteAdd(now), tracer: otel },
    };
    const raw = Object.fromEntries(Object.keys(variants).map((n) => [n, { rate: [], p50: [], p99: [] }]));
    for (const { sdk } of Object.values(variants)) await throughput(sdk.call, 3_000, 1000); // warm up
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? Object.keys(variants).reverse() : Object.keys(variants);
      for (const name of order) {
        const { sdk, tracer } = variants[name];
        now.setTracer(tracer);
        raw[name].rate.push(await throughput(sdk.call, 20_000, 1000));
        const lat = await latencies(sdk.call, 1_000);
        raw[name].p50.push(percentile(lat, 0.5));
        raw[name].p99.push(percentile(lat, 0.99));
      }
    }
    now.setTracer(undefined);
    for (const { sdk } of Object.values(variants)) sdk.close();
    api.trace.disable();
    api.context.disable();

    const names = Object.keys(variants);
    const ratio = (name, key) => median(raw[name][key].map((x, i) => x / raw[names[0]][key][i]));
    const rows = names.map((name) => ({
      variant: name,
      'calls/s': Math.round(median(raw[name].rate)),
      'p50 µs': sig(median(raw[name].p50)),
      'p99 µs': sig(median(raw[name].p99)),
      '× before calls/s': sig(ratio(name, 'rate')),
      '× before p50': sig(ratio(name, 'p50')),
    }));
    const perCall = (name) => sig(1e6 / median(raw[name].rate) - 1e6 / median(raw[names[1]].rate));
    const table = {
      title: 'Tracing: add(a, b) over a session on the in-process pair (client and server in one process); calls/s with 1,000 in flight, sequential round trip',
      columns: ['variant', 'calls/s', 'p50 µs', 'p99 µs', '× before calls/s', '× before p50'],
      rows,
      notes: [
        `OpenTelemetry on costs ${perCall(names[2])} µs per call at full load (a client and a server span, both in this process), ` +
          `${sig(median(raw[names[2]].p50) - median(raw[names[1]].p50))} µs on the sequential p50.`,
      ],
    };
    return { tables: [table], readme: table, summary: { rows }, raw };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
