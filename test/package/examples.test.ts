// Every program in examples/ runs as a user runs it: copied into a project where swarmwire is installed from the
// packed tarball, importing the package by name. The browser page is e2e/examples.e2e.test.ts.
import { copyFileSync, cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Running, runCommand, startCommand } from '../fixtures/cli.js';
import { ROOT, packed } from '../fixtures/packed.js';

const deno = `${ROOT}/node_modules/@deno/linux-x64-glibc/deno`;
let dir: string;
const running: Running[] = [];
const start = (command: string, args: string[], env?: NodeJS.ProcessEnv): Running => {
  const child = startCommand(command, args, { cwd: dir, env });
  running.push(child);
  return child;
};

beforeAll(async () => {
  dir = (await packed()).newProject('examples');
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
}, 600_000);
afterAll(async () => {
  for (const child of running) await child.stop('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** examples/node-relay/client.mjs against `url`: it must get its echo and see itself among the relay's peers. */
async function runClient(url: string): Promise<void> {
  const client = await runCommand(process.execPath, ['examples/node-relay/client.mjs', url], { cwd: dir });
  expect(client.stderr).toBe('');
  expect(client.stdout).toMatch(new RegExp(`^connected to ${url.replace(/[?]/g, '\\$&')} over websocket\necho: hello relay\npeers on the relay: \\d+ \\(.*example client.*\\)\n$`));
  expect(client.code).toBe(0);
}

describe('examples/node-relay', () => {
  it('relay.mjs serves; client.mjs echoes through it and lists the peers; Ctrl-C stops the relay', async () => {
    const relay = start(process.execPath, ['examples/node-relay/relay.mjs', '0']);
    const [, url] = await relay.waitFor(/^relay listening on (ws:\S+) \(dashboard http:\S+\); Ctrl-C to stop\n/);
    await runClient(url!);
    expect(await relay.stop('SIGINT')).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('examples/worker-swarm', () => {
  it('swarm.mjs fans a sum out to worker agents over shared-memory rings and adds the parts up', async () => {
    const run = await runCommand(process.execPath, ['examples/worker-swarm/swarm.mjs', '3'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe([
      'agent #0 over a ring link: 55555944445',
      'agent #1 over a ring link: 166667500001',
      'agent #2 over a ring link: 277777055554',
      'total: 500000500000 (expected 500000500000)',
      '',
    ].join('\n'));
    expect(run.code).toBe(0);
  });
});

describe('examples/deno-relay', () => {
  it('relay.ts runs under deno; the Node client talks through it; SIGINT stops it', async () => {
    const env = { ...process.env, DENO_DIR: join(dir, '.deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
    const relay = start(deno, ['run', '--allow-net', '--allow-read', '--unstable-net', '--node-modules-dir=manual', '--no-lock', 'examples/deno-relay/relay.ts', '0'], env);
    const [, url] = await relay.waitFor(/^relay listening on (ws:\S+) and https:\S+\/wt \(certificate sha-256 [0-9a-f]{64}\)\n/, 30_000);
    await runClient(url!);
    expect(await relay.stop('SIGINT')).toMatchObject({ code: 0, stderr: '' });
  }, 60_000);
});

describe('examples/durable-object', () => {
  let mf: Miniflare | undefined;
  afterAll(async () => mf?.dispose());

  it('worker.ts, bundled as wrangler does, relays in a Durable Object per room under workerd', async () => {
    const out = join(dir, 'worker-out');
    // wrangler's resolution: the `workerd` condition, the .wasm kept as a module beside the bundle.
    await build({
      entryPoints: [join(dir, 'examples/durable-object/worker.ts')], outfile: join(out, 'worker.js'), bundle: true, format: 'esm',
      platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], external: ['*.wasm'], logLevel: 'warning',
    });
    copyFileSync(join(dir, 'node_modules/swarmwire/dist/swarmwire.wasm'), join(out, 'swarmwire.wasm'));
    mf = new Miniflare({
      modules: true, modulesRoot: out, scriptPath: join(out, 'worker.js'), modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2025-01-01', durableObjects: { RELAY: 'SwarmwireRelay' }, host: '127.0.0.1', port: 0,
    });
    const base = await mf.ready;
    expect((await fetch(new URL('/', base))).status).toBe(404);
    await runClient(`ws://${base.host}/ws?room=lobby`);
  }, 60_000);
});
