// swarmwire/lite under the real deno binary: imported by its package name from a project's node_modules, Deno's
// own WebSocket global and WebCrypto (a key pair made by connect(), proven in the handshake), calls both ways with a
// full-SDK WebSocket server in this process, one of them 50 KB large.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { SessionHost, expose, wrap, type Session } from 'swarmwire';
import { listenWebSocket } from 'swarmwire/node';

const root = new URL('..', import.meta.url).pathname;
const deno = `${root}node_modules/@deno/linux-x64-glibc/deno`;

const SCRIPT = `import { connect, expose, wrap } from 'swarmwire/lite';
const conn = await connect(Deno.args[0]);
let finish;
const finished = new Promise((resolve) => (finish = resolve));
expose({ greet: (name) => 'hello ' + name + ' from deno', done: () => finish() }, conn, { name: 'lite' });
const calc = wrap(conn, { name: 'calc', timeoutMs: 5000 });
const text = 'deno '.repeat(10000);
let fail;
try { await calc.fail(); } catch (e) { fail = { name: e.name, message: e.message, code: e.code }; }
const out = { add: await calc.add(2, 3), echo: (await calc.echo(text)) === text, fail };
console.log(JSON.stringify({ ...out, ready: conn.id }));
await finished;
conn.close();
`;

it('runs under deno: package import, WebSocket global, its own identity, calls both ways', async () => {
  const project = mkdtempSync(join(tmpdir(), 'swarmwire-lite-deno-'));
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  symlinkSync(root.replace(/\/$/, ''), join(project, 'node_modules/swarmwire'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module', dependencies: { swarmwire: '*' } }));
  writeFileSync(join(project, 'client.js'), SCRIPT);
  const sessions: Session[] = [];
  const host = new SessionHost();
  host.onSession((session) => {
    sessions.push(session);
    expose({
      add: (a: number, b: number) => a + b,
      echo: (s: string) => s,
      fail: () => { throw Object.assign(new TypeError('no'), { code: 'E_NO' }); },
    }, session, { name: 'calc' });
  });
  const server = await listenWebSocket((t) => void host.accept(t).catch(() => {}));
  try {
    const child = spawn(deno, ['run', '--allow-net', '--allow-read', '--node-modules-dir=manual', '--no-lock', 'client.js', server.url], {
      cwd: project, env: { ...process.env, DENO_DIR: join(project, '.deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      await expect.poll(() => stdout.includes('"ready"') || child.exitCode !== null, { timeout: 30_000 }).toBe(true);
      const report = JSON.parse(stdout.trim().split('\n')[0]!);
      expect(report, stderr).toMatchObject({ add: 5, echo: true, fail: { name: 'TypeError', message: 'no', code: 'E_NO' } });
      expect(sessions[0]!.peer!.id).toBe(report.ready); // the id the Deno side proved is the one it reports
      const lite = wrap<{ greet(n: string): string; done(): void }>(sessions[0]!, { name: 'lite', timeoutMs: 5_000 });
      expect(await lite.greet('node')).toBe('hello node from deno');
      await lite.done();
      expect(await exited, stderr).toBe(0);
    } finally {
      clearTimeout(timer);
      child.kill('SIGKILL');
    }
  } finally {
    host.close();
    await server.close();
    rmSync(project, { recursive: true, force: true });
  }
}, 60_000);
