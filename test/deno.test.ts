// The package as Deno imports it: the README's Deno snippets, run by the real deno binary from a project whose
// node_modules holds swarmwire (bare specifier through package.json, and npm: specifier) — a client talking to a
// Node relay, and a relay in Deno that Node peers talk through.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSession, connectWebSocket, decodeBody, MessageType, RELAY_MODULE, type Frame, type Session } from 'swarmwire';
import { decodeFrame, encodeFrame, fnv1a32, parseRouted, routedBody } from 'swarmwire/wire';
import { startRelay, type RelayServer } from 'swarmwire/node';
import { readmeBlock, substitute } from './fixtures/readme.js';
import { until } from './fixtures/until.js';

const root = new URL('..', import.meta.url).pathname;
const deno = `${root}node_modules/@deno/linux-x64-glibc/deno`;
let project: string;
let relay: RelayServer;
let listener: Session;
const heard: unknown[] = [];

beforeAll(async () => {
  // A user's project: swarmwire (this checkout) alone in node_modules — its MessagePack is its own, so there is no
  // other package to resolve (ws is imported only on Node).
  project = mkdtempSync(join(tmpdir(), 'swarmwire-deno-'));
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  symlinkSync(root.replace(/\/$/, ''), join(project, 'node_modules/swarmwire'));
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

const spawnDeno = (file: string) => spawn(deno, ['run', '--allow-net', '--allow-read', '--allow-write', '--node-modules-dir=manual', '--no-lock', file], {
  cwd: project, env: { ...process.env, DENO_DIR: join(project, '.deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
});

function runDeno(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnDeno(file);
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
      ["from 'swarmwire/wire'", `from '${specifier}/wire'`],
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

describe('identities under Deno', () => {
  it('proves Ed25519 and P-256 identities to a Node relay, and keeps one in a file', async () => {
    writeFileSync(join(project, 'ids.ts'), `import { connectSession, connectWebSocket, createIdentity, fileIdentityStore, loadIdentity } from 'swarmwire';
const supportsEd25519 = () => crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign']).then(() => true, () => false);
const out = { ed25519: await supportsEd25519(), met: [] as string[] };
for (const algorithm of ['Ed25519', 'P-256'] as const) {
  const identity = await createIdentity({ algorithm });
  const s = await connectSession(() => connectWebSocket(${JSON.stringify(relay.wsUrl)}), { identity, heartbeatIntervalMs: 0, reconnect: false });
  out.met.push(s.peer!.id);
  s.close();
}
const kept = [(await loadIdentity(fileIdentityStore('./deno.key'))).idHex, (await loadIdentity(fileIdentityStore('./deno.key'))).idHex];
console.log(JSON.stringify({ ...out, kept }));
`);
    const run = await runDeno('ids.ts');
    expect(run.stderr).not.toMatch(/error/i);
    const out = JSON.parse(run.stdout) as { ed25519: boolean; met: string[]; kept: string[] };
    expect(out.ed25519).toBe(true);
    expect(out.met).toEqual([relay.relay.identity.idHex, relay.relay.identity.idHex]);
    expect(out.kept[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(out.kept[1]).toBe(out.kept[0]);
  });
});

describe('a relay in Deno', () => {
  it('runs the README snippet: Node peers route through it and call the relay module', async () => {
    writeFileSync(join(project, 'relay.ts'), substitute(readmeBlock('deno-relay'), [['port: 8787', 'port: 0']]));
    const child = spawnDeno('relay.ts');
    try {
      let out = '';
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "Listening on" from deno in 30 s: ${out}`)), 30_000);
        const read = (d: Buffer): void => {
          out += d;
          const m = /Listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
          if (m) (clearTimeout(timer), resolve(Number(m[1])));
        };
        child.stdout.on('data', read);
        child.stderr.on('data', read);
        child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`deno exited with ${code}: ${out}`))));
      });
      const dial = () => connectSession(() => connectWebSocket(`ws://127.0.0.1:${port}/`), { heartbeatIntervalMs: 0, reconnect: false });
      const [alice, bob] = [await dial(), await dial()];
      try {
        const inbox: Frame[] = [];
        bob.on('frame', (f) => inbox.push({ ...f, payload: f.payload.slice() }));
        const answers: Frame[] = [];
        alice.on('frame', (f) => answers.push({ ...f, payload: f.payload.slice() }));
        alice.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.nodeId, encodeFrame({ type: MessageType.Event, body: 'via Deno' })) });
        const id = alice.send({ type: MessageType.Request, moduleId: RELAY_MODULE, methodHash: fnv1a32('peers'), body: [] });
        await until(() => inbox.length === 1 && answers.some((f) => Number(f.requestId) === id));
        expect(decodeBody(decodeFrame(parseRouted(decodeBody(inbox[0]!)).frame))).toBe('via Deno');
        expect(alice.peer!.hello.role).toBe('relay');
        expect(decodeBody<unknown[]>(answers.find((f) => Number(f.requestId) === id)!)).toHaveLength(2);
        // The relay's key is in the file the snippet names: its node id is the one it proved to its peers.
        const kept = JSON.parse(readFileSync(join(project, 'relay.key'), 'utf8')) as { id: string };
        expect(kept.id).toBe(alice.peer!.id);
      } finally {
        alice.close();
        bob.close();
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(child.pid!, 'SIGTERM');
        await exited;
      }
    }
  });
});
