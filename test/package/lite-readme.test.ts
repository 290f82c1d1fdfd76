// The README's "Lite client" block, executed as it stands: a relay runs in its own process (the block needs nothing
// else: one lite node serves `calc`, the other calls it by id); the block runs in a fresh Node process against the
// built dist/lite.js and must print what the README says.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readmeBlock, runModule, substitute } from '../fixtures/readme.js';
import { exited, spawnJson, type JsonChild } from '../fixtures/ws-helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const FIXTURE = join(ROOT, 'test/fixtures/lite-peers.mjs');
let relay: JsonChild;

beforeAll(async () => {
  relay = await spawnJson(process.execPath, [FIXTURE, 'relay']);
}, 30_000);

afterAll(async () => {
  relay?.child.kill('SIGTERM');
  if (relay) await exited(relay.child).catch(() => relay.child.kill('SIGKILL'));
});

it('runs the README lite block as it stands, against a relay', async () => {
  const code = substitute(readmeBlock('lite-client'), [
    ["from 'swarmwire/lite'", `from ${JSON.stringify(join(ROOT, 'dist/lite.js'))}`],
    ["'ws://127.0.0.1:8787/ws'", JSON.stringify(relay.info.wsUrl)],
  ]);
  // On Node 20 (no WebSocket global) lite loads the `ws` package itself.
  const { stdout } = await runModule(code);
  expect(stdout).toBe(`true ${relay.info.id}
5
SW_ERR_RPC_TIMEOUT 4
`);
});
