// The `swarmwire` command as a user's shell runs it (node bin/swarmwire.mjs, a child process): help and version,
// usage errors in one line with exit code 2 and no stack, runtime failures in one line with exit code 1, the ready
// line, Ctrl-C, and the --log activity of peers and agents moving through the relay.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentHost, MeshNode, connectWebSocket } from 'swarmwire';
import { type Running, portInUse, runCommand, startCommand, withPortInUse } from './fixtures/cli.js';
import { until } from './fixtures/until.js';

const root = new URL('..', import.meta.url).pathname;
const bin = `${root}bin/swarmwire.mjs`;
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
const swarmwire = (...args: string[]) => runCommand(process.execPath, [bin, ...args]);

/** No Node stack trace and no internal error code leaks to the user. */
function expectNoStack(text: string): void {
  expect(text).not.toMatch(/^\s+at /m);
  expect(text).not.toMatch(/ERR_[A-Z_]+|node:internal/);
}

describe('swarmwire --help / --version', () => {
  it.each([['--help'], ['-h']])('%s prints the usage on stdout and exits 0', async (flag) => {
    const run = await swarmwire(flag);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^usage: swarmwire <command> \[options\]/);
    expect(run.stdout).toMatch(/^ {2}relay {4}start a relay/m);
  });

  it('--version prints the version of package.json and exits 0', async () => {
    expect(await swarmwire('--version')).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('relay --help lists every relay option and exits 0', async () => {
    const run = await swarmwire('relay', '--help');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^usage: swarmwire relay \[options\]/);
    for (const flag of ['--port <n>', '--host <address>', '--log', '--deno', '--no-webtransport', '--help']) expect(run.stdout).toContain(flag);
    // The limits a relay facing the internet is tuned by, each with its default.
    for (const [flag, fallback] of <Array<[string, string]>>[['--max-peers <n>', '10000'], ['--max-peers-per-address <n>', 'a quarter of --max-peers'], ['--max-broadcast-deliveries <n>', '20000'],
      ['--max-peer-info-bytes <n>', '4096'], ['--max-topics-per-peer <n>', '1000']]) {
      expect(run.stdout).toMatch(new RegExp(`${flag.replace(/[<>]/g, '\\$&')} .*\\(default:? ${fallback}\\)`));
    }
  });
});

describe('usage errors: one line, the usage, exit code 2', () => {
  it.each([
    [['relay', '--prot', '9000'], 'swarmwire: unknown option --prot (did you mean --port?)', 'usage: swarmwire relay'],
    [['relay', '--verbose'], 'swarmwire: unknown option --verbose', 'usage: swarmwire relay'],
    [['relay', '-x'], 'swarmwire: unknown option -x', 'usage: swarmwire relay'],
    [['relay', '--port'], 'swarmwire: option --port needs a value (n)', 'usage: swarmwire relay'],
    [['relay', '--port', 'eighty'], 'swarmwire: --port must be a whole number from 0 to 65535, got "eighty"', 'usage: swarmwire relay'],
    [['relay', '--port', '70000'], 'swarmwire: --port must be a whole number from 0 to 65535, got "70000"', 'usage: swarmwire relay'],
    // A negative number is the value given, not a flag: "needs a value" told the user to give what they gave.
    [['relay', '--port', '-1'], 'swarmwire: --port must be a whole number from 0 to 65535, got "-1"', 'usage: swarmwire relay'],
    [['relay', '--port', '-v'], 'swarmwire: option --port needs a value (n)', 'usage: swarmwire relay'],
    [['relay', '--log=yes'], 'swarmwire: option --log takes no value', 'usage: swarmwire relay'],
    [['relay', 'now'], 'swarmwire: unexpected argument "now"', 'usage: swarmwire relay'],
    [['relay', '--no-webtransport'], 'swarmwire: --no-webtransport needs --deno (the Node relay serves WebSocket only)', 'usage: swarmwire relay'],
    [['relay', '--trust', 'abc'], 'swarmwire: --trust takes node ids of 32 hex digits, got "abc"', 'usage: swarmwire relay'],
    [['relay', '--max-peers-per-address', '0'], 'swarmwire: --max-peers-per-address must be a whole number from 1, got "0"', 'usage: swarmwire relay'],
    [['relay', '--max-broadcast-deliveries', 'lots'], 'swarmwire: --max-broadcast-deliveries must be a whole number from 0, got "lots"', 'usage: swarmwire relay'],
    [['relay', '--max-peer-info-bytes', '1.5'], 'swarmwire: --max-peer-info-bytes must be a whole number from 2, got "1.5"', 'usage: swarmwire relay'],
    [['relay', '--max-topics-per-peer'], 'swarmwire: option --max-topics-per-peer needs a value (n)', 'usage: swarmwire relay'],
    [['rely'], 'swarmwire: unknown command "rely"', 'usage: swarmwire <command>'],
    [['--frobnicate'], 'swarmwire: unknown option --frobnicate', 'usage: swarmwire <command>'],
    [[], 'swarmwire: missing command', 'usage: swarmwire <command>'],
  ])('swarmwire %j', async (args, line, usage) => {
    const run = await swarmwire(...args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const [first, blank, third] = run.stderr.split('\n');
    expect(first).toBe(line);
    expect(blank).toBe('');
    expect(third).toMatch(new RegExp(`^${usage.replace(/[<>[\]]/g, '\\$&')}`));
    expectNoStack(run.stderr);
  });
});

describe('runtime failures: one line, exit code 1', () => {
  it('a port in use', async () => {
    await withPortInUse(async (port) => {
      expect(await swarmwire('relay', '--port', String(port))).toMatchObject({ code: 1, stdout: '', stderr: portInUse(port) });
    });
  });

  it('a host that does not resolve', async () => {
    const run = await swarmwire('relay', '--port', '0', '--host', 'no-such-host.invalid');
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toBe('swarmwire relay: cannot listen on no-such-host.invalid:0: the host "no-such-host.invalid" does not resolve (--host takes an address or a name of this machine)\n');
  });

  it('an address that is not this machine\'s', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a real interface.
    const run = await swarmwire('relay', '--port', '0', '--host', '192.0.2.1');
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toBe('swarmwire relay: cannot listen on 192.0.2.1:0: "192.0.2.1" is not an address of this machine\n');
  });

  it('--deno with no deno to run', async () => {
    const run = await runCommand(process.execPath, [bin, 'relay', '--deno', '--port', '0'], { env: { ...process.env, DENO_BIN: '/nonexistent/deno' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^swarmwire relay: cannot run deno \(spawn \/nonexistent\/deno ENOENT\); install it \(npm i deno\) or set DENO_BIN\n$/);
  });
});

describe('swarmwire relay', () => {
  let relay: Running | undefined;
  const nodes: MeshNode[] = [];
  afterEach(async () => {
    for (const node of nodes.splice(0)) node.close();
    await relay?.stop('SIGKILL');
    relay = undefined;
  });

  it('says where it listens and that Ctrl-C stops it; SIGINT stops it with exit code 0', async () => {
    relay = startCommand(process.execPath, [bin, 'relay', '--port', '0']);
    const [, page, ws] = await relay.waitFor(/page: +(http:\/\/127\.0\.0\.1:\d+\/)\n +websocket: +(ws:\/\/127\.0\.0\.1:\d+\/ws)\n +node id: +[0-9a-f]{32} \(new this run: --identity FILE keeps it\)\nReady\. Ctrl-C to stop\.\n/);
    expect(relay.stdout()).toMatch(new RegExp(`^swarmwire relay ${version.replace(/\./g, '\\.')} listening\n`));
    expect((await fetch(page!)).status).toBe(200);
    const node = await MeshNode.create();
    nodes.push(node);
    await node.connect(() => connectWebSocket(ws!), { reconnect: false });
    const done = await relay.stop('SIGINT');
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/swarmwire relay: stopping \(telling peers goodbye\)\n$/);
    expect(done.stderr).toBe('');
  });

  it('the limit flags reach the relay: --max-peers-per-address, --max-peer-info-bytes', async () => {
    relay = startCommand(process.execPath, [bin, 'relay', '--port', '0', '--max-peers-per-address', '1', '--max-peer-info-bytes', '64', '--max-topics-per-peer', '2', '--max-broadcast-deliveries', '5']);
    const [, ws] = await relay.waitFor(/websocket: +(ws:\S+)\n/);
    const dial = async (metadata: Record<string, string> = {}) => {
      const node = await MeshNode.create({ metadata });
      nodes.push(node);
      return node.connect(() => connectWebSocket(ws!), { reconnect: false }).then(() => 'open', (error: Error) => error.message);
    };
    expect(await dial({ pad: 'x'.repeat(100) })).toMatch(/SW_ERR_RELAY_PEER_INFO_TOO_LARGE: .*maxPeerInfoBytes of 64/);
    // The relay's own agent host is in the relay's process: it takes no place of 127.0.0.1's one.
    expect(await dial()).toBe('open');
    expect(await dial()).toMatch(/SW_ERR_ADDRESS_FULL: .*maximum of 1 peers from one address/);
  });

  it('--identity FILE keeps the relay\'s node id across restarts, and peers meet the id it proves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmwire-cli-'));
    try {
      const file = join(dir, 'relay.key');
      const ids: string[] = [];
      for (let run = 0; run < 2; run++) {
        relay = startCommand(process.execPath, [bin, 'relay', '--port', '0', '--identity', file]);
        const [, ws, id] = await relay.waitFor(/websocket: +(ws:\S+)\n +node id: +([0-9a-f]{32}) \(kept in [^)]+\)\nReady/);
        const node = await MeshNode.create();
        nodes.push(node);
        expect(await node.connect(() => connectWebSocket(ws!), { reconnect: false })).toBe(id);
        ids.push(id!);
        await relay.stop('SIGINT');
        relay = undefined;
      }
      expect(ids[1]).toBe(ids[0]);
      writeFileSync(file, 'not a key');
      const run = await swarmwire('relay', '--port', '0', '--identity', file);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^swarmwire relay: cannot use .*relay\.key as the relay's identity: .*not an identity file/);
      expectNoStack(run.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--log prints peers joining and leaving, and an agent moving between two nodes through it', async () => {
    relay = startCommand(process.execPath, [bin, 'relay', '--port', '0', '--log']);
    const [, ws] = await relay.waitFor(/websocket: +(ws:\S+)\n +node id: +[0-9a-f]{32} \(new this run: --identity FILE keeps it\)\nReady; logging peers and agents\. Ctrl-C to stop\.\n/);
    const before = relay.stdout().indexOf('Ctrl-C to stop.\n') + 'Ctrl-C to stop.\n'.length;
    const log = () => relay!.stdout().slice(before);
    // The relay process's own agent host was there before the log started.
    await until(() => log().includes('"relay process"'));
    expect(log()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} \+ node [0-9a-f]{8} \(core, "relay process"\) is connected over memory \(1 peer\)$/m);

    const a = await MeshNode.create({ metadata: { name: 'alpha' } });
    const b = await MeshNode.create({ metadata: { name: 'beta' } });
    nodes.push(a, b);
    await a.connect(() => connectWebSocket(ws!), { reconnect: false });
    await b.connect(() => connectWebSocket(ws!), { reconnect: false });
    const short = (node: MeshNode) => node.idHex.slice(0, 8);
    await until(() => log().includes(`node ${short(b)}`));
    expect(log()).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\+ node ${short(a)} \\(edge, "alpha"\\) joined over websocket \\(2 peers\\)$`, 'm'));
    expect(log()).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\+ node ${short(b)} \\(edge, "beta"\\) joined over websocket \\(3 peers\\)$`, 'm'));

    class Counter { count = 0; increment(by = 1) { return (this.count += by); } }
    const hostA = new AgentHost(a);
    const hostB = new AgentHost(b);
    for (const h of [hostA, hostB]) h.define('Counter', () => new Counter());
    hostA.expose('counter', new Counter());
    await hostA.migrate('counter', b.idHex);
    await until(() => log().includes('agent "counter" moved'));
    expect(log()).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} > agent "counter" moved ${short(a)} → ${short(b)}$`, 'm'));

    a.close();
    await until(() => log().includes(`- node ${short(a)}`));
    expect(log()).toMatch(new RegExp(`- node ${short(a)} \\(edge, "alpha"\\) left \\(\\d{4}[^)]*\\) \\(2 peers\\)$`, 'm'));
    expect(relay.stderr()).toBe('');
  });
});
