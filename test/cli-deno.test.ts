// The Deno relay's command line (deno run … dist/deno.js, and `swarmwire relay --deno` which runs it) under
// the real deno binary: as strict as the Node command — a misspelt flag is refused with exit code 2, a port in use
// is one line and exit code 1 — with the same ready line, Ctrl-C, and --log.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSession, connectWebSocket, type Session } from 'swarmwire';
import { type Running, portInUse, runCommand, startCommand, withPortInUse } from './fixtures/cli.js';
import { until } from './fixtures/until.js';

const root = new URL('..', import.meta.url).pathname;
const deno = `${root}node_modules/@deno/linux-x64-glibc/deno`;
const entry = `${root}dist/deno.js`;
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', DENO_BIN: deno };
const denoRelay = (...args: string[]) => runCommand(deno, ['run', '--unstable-net', '-A', entry, ...args], { env });

describe('deno run deno.js', () => {
  it('--help prints its usage and exits 0; --version the package version', async () => {
    const help = await denoRelay('--help');
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^usage: deno run --unstable-net -A deno\.js \[options\]/);
    for (const flag of ['--port <n>', '--host <address>', '--log', '--no-webtransport', '--version']) expect(help.stdout).toContain(flag);
    expect(await denoRelay('--version')).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it.each([
    [['--prot', '9000'], 'swarmwire relay: unknown option --prot (did you mean --port?)'],
    [['--no-webtransprot'], 'swarmwire relay: unknown option --no-webtransprot (did you mean --no-webtransport?)'],
    [['--port', '-1'], 'swarmwire relay: --port must be a whole number from 0 to 65535, got "-1"'],
    [['--port', '--log'], 'swarmwire relay: option --port needs a value (n)'],
    [['--port=65536'], 'swarmwire relay: --port must be a whole number from 0 to 65535, got "65536"'],
    [['8787'], 'swarmwire relay: unexpected argument "8787"'],
  ])('refuses %j: one line, the usage, exit code 2', async (args, line) => {
    const run = await denoRelay(...args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n').slice(0, 3)).toEqual([line, '', 'usage: deno run --unstable-net -A deno.js [options]']);
  });

  it('a port in use: one line, exit code 1', async () => {
    await withPortInUse(async (port) => {
      expect(await denoRelay('--port', String(port), '--no-webtransport')).toMatchObject({ code: 1, stdout: '', stderr: portInUse(port) });
    });
  });

  it('a host that does not resolve: one line, exit code 1', async () => {
    const run = await denoRelay('--port', '0', '--host', 'no-such-host.invalid', '--no-webtransport');
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toBe('swarmwire relay: cannot listen on no-such-host.invalid:0: the host "no-such-host.invalid" does not resolve (--host takes an address or a name of this machine)\n');
  });
});

describe('a running Deno relay', () => {
  let relay: Running | undefined;
  let session: Session | undefined;
  afterEach(async () => {
    session?.close();
    session = undefined;
    await relay?.stop('SIGKILL');
    relay = undefined;
  });

  it('prints where it listens and "Ctrl-C to stop", logs a peer with --log, and stops on SIGINT with exit code 0', async () => {
    relay = startCommand(deno, ['run', '--unstable-net', '-A', entry, '--port', '0', '--log'], { env });
    const [, ws] = await relay.waitFor(/websocket: +(ws:\S+)\n +webtransport: +https:\S+\n +cert sha-256: [0-9a-f]{64}\n +node id: +[0-9a-f]{32} \(new this run: --identity FILE keeps it\)\nReady; logging peers and agents\. Ctrl-C to stop\.\n/);
    expect(relay.stdout()).toMatch(new RegExp(`^swarmwire relay \\(deno\\) ${version.replace(/\./g, '\\.')} listening\n`));
    session = await connectSession(() => connectWebSocket(ws!), { metadata: { name: 'visitor' }, heartbeatIntervalMs: 0, reconnect: false });
    await until(() => relay!.stdout().includes('"visitor"'));
    expect(relay.stdout()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} \+ node [0-9a-f]{8} \(edge, "visitor"\) joined over websocket \(1 peer\)$/m);
    session.close();
    await until(() => relay!.stdout().includes('left'));
    const done = await relay.stop('SIGINT');
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/swarmwire relay: stopping \(telling peers goodbye\)\n$/);
    expect(done.stderr).toBe('');
  });

  it('swarmwire relay --deno runs it, passes its flags on, and stops it on SIGINT', async () => {
    relay = startCommand(process.execPath, [`${root}bin/swarmwire.mjs`, 'relay', '--deno', '--port', '0', '--no-webtransport'], { env });
    const [, ws] = await relay.waitFor(/websocket: +(ws:\S+)\n +node id: +[0-9a-f]{32} \(new this run: --identity FILE keeps it\)\nReady\. Ctrl-C to stop\.\n/);
    expect(relay.stdout()).not.toContain('webtransport:');
    session = await connectSession(() => connectWebSocket(ws!), { heartbeatIntervalMs: 0, reconnect: false });
    expect(session.state).toBe('open');
    const done = await relay.stop('SIGINT');
    expect(done.code).toBe(0);
    expect(done.stderr).toBe('');
  });
});
