// The README's RPC tour, executed: the code block after <!-- rpc-tour --> runs in a fresh Node process against the
// built package, and must print exactly what the README says it prints.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { fromDist } from '../fixtures/readme.js';

const ROOT = new URL('../..', import.meta.url).pathname;

function tour(): { code: string; output: string } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('<!-- rpc-tour -->');
  expect(at, 'README.md has the <!-- rpc-tour --> marker').toBeGreaterThan(0);
  const blocks = [...readme.slice(at).matchAll(/```(\w+)\n([\s\S]*?)```/g)];
  expect(blocks[0]![1]).toBe('js');
  expect(blocks[1]![1]).toBe('text');
  return { code: blocks[0]![2]!, output: blocks[1]![2]! };
}

it('runs the README tour and prints what the README shows', async () => {
  const { code, output } = tour();
  const dir = mkdtempSync(join(tmpdir(), 'swarmwire-tour-'));
  try {
    const file = join(dir, 'tour.mjs');
    writeFileSync(file, fromDist(code));
    const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 15_000 });
    expect(stdout).toBe(output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
