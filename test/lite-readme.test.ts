// The README's "Lite client" block, executed: a relay and a full-SDK node exposing `calc` run in their own
// processes; the block runs in a fresh Node process against the built dist/lite.js and must print what the README says.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readmeBlock, substitute } from './fixtures/readme.js';
import { exited, spawnJson, type JsonChild } from './fixtures/ws-helpers.js';

const ROOT = new URL('..', import.meta.url).pathname;
const FIXTURE = join(ROOT, 'test/fixtures/lite-peers.mjs');
let relay: JsonChild;
let peer: JsonChild;

beforeAll(async () => {
  relay = await spawnJson(process.execPath, [FIXTURE, 'relay']);
  peer = await spawnJson(process.execPath, [FIXTURE, 'peer', relay.info.wsUrl]);
}, 30_000);

afterAll(async () => {
  for (const child of [peer, relay]) {
    child?.child.kill('SIGTERM');
    if (child) await exited(child.child).catch(() => child.child.kill('SIGKILL'));
  }
});

it('runs the README lite block against a relay and a full-SDK node', async () => {
  const code = substitute(readmeBlock('lite-client'), [
    ["from 'swarmwire/lite'", `from ${JSON.stringify(join(ROOT, 'dist/lite.js'))}`],
    ["'ws://127.0.0.1:8787/ws'", JSON.stringify(relay.info.wsUrl)],
    ['CALC_NODE_ID', JSON.stringify(peer.info.id)],
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'swarmwire-lite-'));
  try {
    const file = join(dir, 'lite.mjs');
    writeFileSync(file, code); // on Node 20 (no WebSocket global) lite loads the `ws` package itself
    const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 15_000 });
    expect(stdout).toBe(`true ${relay.info.id}\n5\nSW_ERR_RPC_TIMEOUT 4\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
