// README "Comlink over swarmwire", run as written in a fresh Node process against the built package: Comlink itself,
// unchanged, across a real WebSocket.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { readmeBlock, substitute } from '../fixtures/readme.js';

const ROOT = new URL('../..', import.meta.url).pathname;

it('runs the README Comlink snippet: a class constructed and a callback called back over a WebSocket', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swarmwire-comlink-readme-'));
  try {
    const file = join(dir, 'comlink.mjs');
    writeFileSync(file, substitute(readmeBlock('comlink'), [
      ["from 'swarmwire'", `from ${JSON.stringify(join(ROOT, 'dist/index.js'))}`],
      ["from 'swarmwire/node'", `from ${JSON.stringify(join(ROOT, 'dist/node.js'))}`],
      ["from 'comlink'", `from ${JSON.stringify(join(ROOT, 'node_modules/comlink/dist/esm/comlink.mjs'))}`],
    ]));
    const { stdout } = await promisify(execFile)(process.execPath, [file], { cwd: dir, timeout: 15_000 });
    expect(stdout).toBe('2\n2n\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
