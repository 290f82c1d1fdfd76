// The README's "Web Worker swarms" Node block, run as written: its agents.js (the README's own agent module) beside
// it, inside the package so `swarmwire` resolves to the build, as for a user; Node runs it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readmeBlock } from './fixtures/readme.js';

it('the README swarm example on Node starts worker_threads, spreads spawns, moves an agent, and prints what it says', () => {
  const dir = mkdtempSync(join(new URL('.', import.meta.url).pathname, 'swarm-readme-'));
  try {
    writeFileSync(join(dir, 'agents.js'), readmeBlock('swarm-agents'));
    writeFileSync(join(dir, 'main.js'), readmeBlock('swarm-node'));
    const out = execFileSync(process.execPath, [join(dir, 'main.js')], { encoding: 'utf8', timeout: 60_000 }).trim().split('\n');
    expect(out.slice(0, 2)).toEqual(['4', '1']);
    // Eight agents on four workers, two each, then one moved from the first worker to another.
    const counts = out[2]!.split(',').map(Number);
    expect(counts).toHaveLength(4);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(8);
    expect([...counts].sort()).toEqual([1, 2, 2, 3]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
