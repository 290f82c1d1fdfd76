// README "Identity and trust", run as written in a fresh Node process against the built package: the relay admits
// the node its allowlist names, and the node's kept key gives it the same id on a second run.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { readmeBlock, substitute } from '../fixtures/readme.js';

const ROOT = new URL('../..', import.meta.url).pathname;

it('runs the README identity snippet twice: admitted by the allowlist, the same node id from the kept key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swarmwire-identity-'));
  try {
    const file = join(dir, 'identity.mjs');
    writeFileSync(file, substitute(readmeBlock('identity'), [
      ["from 'swarmwire'", `from ${JSON.stringify(join(ROOT, 'dist/index.js'))}`],
      ["from 'swarmwire/node'", `from ${JSON.stringify(join(ROOT, 'dist/node.js'))}`],
      ['port: 8787', 'port: 0'],
      ["node.close();", "node.close(); console.log(node.idHex);"],
    ]));
    const run = async () => (await promisify(execFile)(process.execPath, [file], { cwd: dir, timeout: 15_000 })).stdout.split('\n');
    const first = await run();
    const second = await run();
    expect(first[0]).toBe('true');
    expect(first[1]).toMatch(/^[0-9a-f]{32}$/);
    expect(second[1]).toBe(first[1]);
    expect(JSON.parse(readFileSync(join(dir, 'node.key'), 'utf8')).id).toBe(first[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
