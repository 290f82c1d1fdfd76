// The transport contract (test/transport-contract.ts) on WebTransport, in the runtime that serves it: Deno
// (--unstable-net), client and server over real QUIC on 127.0.0.1 (test/fixtures/contract-deno.ts, bundled with
// esbuild so `deno run --no-config` resolves nothing). The in-memory WebTransport stand-in's own tests are in
// test/transport-webtransport.test.ts; Chromium against Deno in e2e/webtransport.e2e.test.ts.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DENO, denoEnv, ROOT } from '../e2e/deno-relay.js';
import { CONTRACT_CASES } from './transport-contract.js';

let dir: string;
let results: Map<string, { ok: boolean; error?: string }>;
let output = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sw-wt-contract-'));
  const script = join(dir, 'contract.js');
  await build({ entryPoints: [`${ROOT}test/fixtures/contract-deno.ts`], outfile: script, bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', external: ['ws', 'node:*'], logLevel: 'warning' });
  const child = spawn(DENO, ['run', '--no-config', '--no-lock', '--unstable-net', '-A', script], { stdio: ['ignore', 'pipe', 'pipe'], env: denoEnv(join(dir, 'deno')) });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(child.pid!, 'SIGKILL');
      reject(new Error(`the Deno contract run did not finish within 120 s:\n${output}`));
    }, 120_000);
    child.once('exit', () => (clearTimeout(timer), resolve()));
  });
  const lines = output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { name?: string; ok?: boolean; error?: string; done?: boolean });
  if (!lines.some((l) => l.done)) throw new Error(`the Deno contract run ended early:\n${output}`);
  results = new Map(lines.filter((l) => l.name !== undefined).map((l) => [l.name!, { ok: l.ok!, error: l.error }]));
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('webtransport transport (Deno client and server over QUIC): the contract', () => {
  for (const c of CONTRACT_CASES) {
    it(c.name, () => {
      expect(results.get(c.name), `no result for this case:\n${output}`).toEqual({ ok: true });
    });
  }
});
