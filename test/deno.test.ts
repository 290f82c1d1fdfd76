// The package as Deno imports it: the README's Deno snippet, run by the real deno binary from a project whose
// node_modules holds swarmwire (bare specifier through package.json, and npm: specifier), against a Node relay.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSession, connectWebSocket, decodeBody, MessageType, type Session } from 'swarmwire';
import { startRelay, type RelayServer } from 'swarmwire/relay';
import { readmeBlock, substitute } from './fixtures/readme.js';
import { until } from './fixtures/until.js';

const root = new URL('..', import.meta.url).pathname;
const deno = `${root}node_modules/@deno/linux-x64-glibc/deno`;
let project: string;
let relay: RelayServer;
let listener: Session;
const heard: unknown[] = [];

beforeAll(async () => {
  // A user's project: swarmwire (this checkout) and its dependency in node_modules.
  project = mkdtempSync(join(tmpdir(), 'swarmwire-deno-'));
  mkdirSync(join(project, 'node_modules/@msgpack'), { recursive: true });
  symlinkSync(root.replace(/\/$/, ''), join(project, 'node_modules/swarmwire'));
  symlinkSync(`${root}node_modules/@msgpack/msgpack`, join(project, 'node_modules/@msgpack/msgpack'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module', dependencies: { swarmwire: '*' } }));
  relay = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
  listener = await connectSession(() => connectWebSocket(relay.wsUrl), { heartbeatIntervalMs: 0, reconnect: false });
  listener.on('frame', (f) => f.type === MessageType.Broadcast && heard.push(decodeBody<{ data: unknown }>(f).data));
});

afterAll(async () => {
  listener?.close();
  await relay?.close();
  if (project) rmSync(project, { recursive: true, force: true });
});

function runDeno(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(deno, ['run', '--allow-net', '--allow-read', '--node-modules-dir=manual', '--no-lock', file], {
      cwd: project, env: { ...process.env, DENO_DIR: join(project, '.deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('exit', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
}

describe('Deno', () => {
  it.each([
    ['a bare specifier (package.json + node_modules)', 'swarmwire'],
    ['an npm: specifier', 'npm:swarmwire'],
  ])('runs the README snippet importing %s: codec, wasm core, a session to the Node relay', async (_, specifier) => {
    const code = substitute(readmeBlock('deno'), [
      ["from 'swarmwire'", `from '${specifier}'`],
      ['ws://127.0.0.1:8787/ws', relay.wsUrl],
      ['hello from Deno', `hello from Deno via ${specifier}`],
    ]);
    writeFileSync(join(project, 'main.ts'), code);
    const run = await runDeno('main.ts');
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('e3069283');
    await until(() => heard.includes(`hello from Deno via ${specifier}`));
  });
});
