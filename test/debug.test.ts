// The debug switch (issue 14): DEBUG=swarmwire:* in a Node process's environment shows connects, retries with their
// reasons, handshakes with the peer's node id, closes with their codes, a relay's drops and refusals — on stderr,
// and nothing at all without it; namespaces filter as `debug`'s do; configureDebug() routes structured events to
// a logger; Deno reads DEBUG when it may (--allow-env) and never prompts for it. Browsers: e2e/debug.e2e.test.ts.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureDebug, connectSession, connectWebSocket, type DebugEvent } from 'swarmwire';

const ROOT = new URL('..', import.meta.url).pathname;
const FIXTURE = join(ROOT, 'test/fixtures/debug-run.mjs');
const run = promisify(execFile);

async function runWith(debug: string | undefined): Promise<{ lines: string[]; info: { deadPort: number; relay: string; client: string } }> {
  const env = { ...process.env };
  delete env.DEBUG;
  if (debug !== undefined) env.DEBUG = debug;
  const { stdout, stderr } = await run(process.execPath, [FIXTURE], { env, timeout: 30_000 });
  return { lines: stderr.split('\n').filter(Boolean), info: JSON.parse(stdout) };
}

describe('DEBUG in the environment (Node)', () => {
  it('swarmwire:* tells the story of a refused connect, a session and a relay, one line each, on stderr', async () => {
    const { lines, info } = await runWith('swarmwire:*');
    const url = `ws://127.0.0.1:${info.deadPort}/ws`;
    const has = (pattern: RegExp) => expect(lines.some((l) => pattern.test(l)), `no line matches ${pattern}:\n${lines.join('\n')}`).toBe(true);
    // The refused connect: the attempt, its close with the OS's reason, the retry with its delay, the give-up.
    has(new RegExp(`^swarmwire:transport connect transport="websocket ${url}" \\+\\d+ms$`));
    has(new RegExp(`^swarmwire:transport close transport="websocket ${url}" code=1006 reason="connect failed" error="SW_ERR_CONNECT_FAILED websocket ${url}: could not connect: connect ECONNREFUSED 127\\.0\\.0\\.1:${info.deadPort}" \\+\\d+ms$`));
    has(/^swarmwire:session retry attempt=1 delayMs=\d+ error="SW_ERR_CONNECT_FAILED .*ECONNREFUSED.*" reconnecting=false \+\d+ms$/);
    has(/^swarmwire:session retry attempt=2 /);
    has(/^swarmwire:session give up attempts=5 error="SW_ERR_CONNECT_FAILED could not connect after 5 attempt\(s\): websocket .*ECONNREFUSED/);
    // The handshake, on both sides, with the peer's node id.
    has(new RegExp(`^swarmwire:session handshake peer=${info.relay} role=relay transport=websocket resent=0 `));
    has(new RegExp(`^swarmwire:session handshake peer=${info.client} role=edge transport=websocket `));
    has(new RegExp(`^swarmwire:relay join peer=${info.client} role=edge transport=websocket peers=1 `));
    // Drops: the relay's rate limit.
    has(new RegExp(`^swarmwire:relay drop peer=${info.client} why="rate limit" maxFramesPerSecond=5 `));
    // Closes, with their codes.
    has(new RegExp(`^swarmwire:session close peer=${info.relay} code=1000 reason=done `));
    has(new RegExp(`^swarmwire:relay leave peer=${info.client} code=1000 reason=done peers=0 `));
    // Refusals, on both sides: authorize said no; a wrong path got 404.
    has(/^swarmwire:relay refused transport=websocket error="SW_ERR_HANDSHAKE_REJECTED not authorized"/);
    has(/^swarmwire:session refused transport=websocket error="SW_ERR_HANDSHAKE_REJECTED the peer refused the handshake/);
    has(/^swarmwire:relay refused status=404 why="not the WebSocket path \(\/ws\)" path=\/nope /);
    has(/^swarmwire:transport close transport="websocket ws:\/\/127\.0\.0\.1:\d+\/nope" code=1006 .*HTTP 404/);
    expect(lines.every((l) => /^swarmwire:(transport|session|relay|mesh|rpc) /.test(l)), lines.join('\n')).toBe(true);
  });

  it('without DEBUG (or with other namespaces) nothing is written', async () => {
    expect((await runWith(undefined)).lines).toEqual([]);
    expect((await runWith('express:*,socket.io:*')).lines).toEqual([]);
  });

  it('filters by namespace: a list, and exclusions with a leading "-"', async () => {
    const relayOnly = (await runWith('swarmwire:relay')).lines;
    expect(relayOnly.length).toBeGreaterThan(0);
    expect(relayOnly.every((l) => l.startsWith('swarmwire:relay '))).toBe(true);
    const allButTransport = (await runWith('swarmwire:*,-swarmwire:transport')).lines;
    expect(allButTransport.some((l) => l.startsWith('swarmwire:session '))).toBe(true);
    expect(allButTransport.some((l) => l.startsWith('swarmwire:transport '))).toBe(false);
  });
});

describe('configureDebug()', () => {
  it('turns namespaces on and off at run time and hands structured events to a logger, a trace id field left for tracing', async () => {
    const events: DebugEvent[] = [];
    configureDebug({ namespaces: 'swarmwire:session', logger: (e) => events.push(e) });
    try {
      await connectSession(() => connectWebSocket('ws://127.0.0.1:1/ws'), { firstConnectTimeoutMs: 1_000, reconnect: { maxAttempts: 2, initialDelayMs: 1 } }).catch(() => {});
      const retry = events.find((e) => e.event === 'retry')!;
      expect(retry).toMatchObject({ namespace: 'swarmwire:session', event: 'retry', fields: { attempt: 1, reconnecting: false } });
      expect(retry.fields.error).toMatchObject({ code: 'SW_ERR_CONNECT_FAILED' });
      expect(typeof retry.time).toBe('number');
      expect('traceId' in retry).toBe(true);
      expect(retry.traceId).toBeUndefined();
      expect(events.every((e) => e.namespace === 'swarmwire:session')).toBe(true);
      expect(events.map((e) => e.event)).toContain('give up');
      // Off again: nothing more arrives.
      configureDebug({ namespaces: false });
      const before = events.length;
      await connectSession(() => connectWebSocket('ws://127.0.0.1:1/ws'), { reconnect: false }).catch(() => {});
      expect(events.length).toBe(before);
    } finally {
      configureDebug({ namespaces: false, logger: () => {} });
    }
  });

  it('a logger that throws does not break the connection it is told about', async () => {
    configureDebug({ namespaces: 'swarmwire:*', logger: () => { throw new Error('broken logger'); } });
    try {
      const error = await connectSession(() => connectWebSocket('ws://127.0.0.1:1/ws'), { reconnect: false }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SW_ERR_CONNECT_FAILED' });
    } finally {
      configureDebug({ namespaces: false, logger: () => {} });
    }
  });
});

describe('Deno', () => {
  const deno = join(ROOT, 'node_modules/@deno/linux-x64-glibc/deno');
  const dir = mkdtempSync(join(tmpdir(), 'swarmwire-debug-deno-'));
  let http404: Server;
  let url404 = '';
  beforeAll(async () => {
    http404 = createServer((_, res) => res.writeHead(404).end());
    await new Promise<void>((r) => http404.listen(0, '127.0.0.1', r));
    url404 = `ws://127.0.0.1:${(http404.address() as { port: number }).port}/ws`;
  });
  afterAll(async () => {
    await new Promise((r) => http404.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  const script = join(dir, 'connect.mjs');
  writeFileSync(script, `import { connectWebSocket } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};
const out = [];
for (const url of Deno.args) {
  const info = await new Promise((r) => connectWebSocket(url).on('close', r));
  out.push({ message: info.error.message, recoverable: info.error.recoverable, httpStatus: info.error.httpStatus ?? null });
}
console.log(JSON.stringify(out));`);
  const runDeno = (permissions: string[]) => run(deno, ['run', '--no-prompt', '--no-config', '--no-lock', '--allow-net', '--allow-read', ...permissions, script, 'ws://127.0.0.1:1/ws', url404], {
    env: { ...process.env, DEBUG: 'swarmwire:*', DENO_DIR: join(dir, '.deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, timeout: 30_000,
  });

  it('logs with --allow-env; a connect failure carries Deno\'s reason, and the status of a refused upgrade', async () => {
    const { stdout, stderr } = await runDeno(['--allow-env=DEBUG']);
    expect(stderr).toMatch(/^swarmwire:transport connect transport="websocket ws:\/\/127\.0\.0\.1:1\/ws" \+\d+ms$/m);
    expect(stderr).toMatch(/^swarmwire:transport close transport="websocket ws:\/\/127\.0\.0\.1:1\/ws" code=1006 reason="connect failed" error="SW_ERR_CONNECT_FAILED .*could not connect: failed to connect to WebSocket: tcp connect error/m);
    expect(JSON.parse(stdout)).toEqual([
      { message: '[swarmwire] websocket ws://127.0.0.1:1/ws: could not connect: failed to connect to WebSocket: tcp connect error', recoverable: true, httpStatus: null },
      { message: `[swarmwire] websocket ${url404}: could not connect: the server answered the WebSocket upgrade with HTTP 404: no WebSocket endpoint at this path`, recoverable: false, httpStatus: 404 },
    ]);
  });

  it('without env access it logs nothing, and neither prompts nor fails', async () => {
    const { stdout, stderr } = await runDeno([]);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toHaveLength(2);
  });
});
