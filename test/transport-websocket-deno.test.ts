// The WebSocket transport in real Deno: Deno.serve + upgradeWebSocket as the server (e2e/deno-ws/server.js) with a
// Node client, and Deno's own WebSocket as the client (e2e/deno-ws/client.js) against a Node server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Status } from '../src/wire/constants.js';
import { TransportErrorCode } from '../src/transport/transport.js';
import type { CloseInfo } from '../src/transport/transport.js';
import { connectWebSocket } from '../src/transport/websocket.js';
import type { WebSocketTransport } from '../src/transport/websocket.js';
import { listenWebSocket } from '../src/transport/websocket-node.js';
import { upgradeWebSocket } from '../src/transport/websocket-deno.js';
import { bundleTransport } from './fixtures/ws-bundle.js';
import { closed, collector, exited, firstDifference, numbered, opened, spawnJson, within } from './fixtures/ws-helpers.js';
import type { JsonChild } from './fixtures/ws-helpers.js';

const root = new URL('..', import.meta.url).pathname;
const deno = `${root}node_modules/@deno/linux-x64-glibc/deno`;
let bundle: Awaited<ReturnType<typeof bundleTransport>>;
let denoDir: string;

beforeAll(async () => {
  bundle = await bundleTransport('esm');
  denoDir = mkdtempSync(join(tmpdir(), 'sw-deno-'));
});
afterAll(() => {
  bundle?.remove();
  rmSync(denoDir, { recursive: true, force: true });
});

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function runDeno(script: string, args: string[]): Promise<JsonChild> {
  const env = { ...process.env, DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
  return spawnJson(deno, ['run', '--no-config', '--no-lock', '--allow-net', '--allow-read', `${root}e2e/deno-ws/${script}`, ...args], { env, ms: 30_000 });
}

async function denoServer(maxMessageBytes?: number): Promise<JsonChild & { url: string }> {
  const server = await runDeno('server.js', [bundle.file, ...(maxMessageBytes ? [String(maxMessageBytes)] : [])]);
  cleanups.push(async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) process.kill(server.child.pid!, 'SIGKILL');
    await exited(server.child);
  });
  return Object.assign(server, { url: `ws://127.0.0.1:${server.info.port}/` });
}

function client(url: string, options: Parameters<typeof connectWebSocket>[1] = {}): WebSocketTransport {
  const t = connectWebSocket(url, options);
  cleanups.push(() => t.close());
  return t;
}

const closeCommand = (code: number, reason: string): Uint8Array => {
  const text = new TextEncoder().encode(reason);
  const frame = new Uint8Array(3 + text.byteLength);
  frame[0] = 0xff;
  frame[1] = code >> 8;
  frame[2] = code & 0xff;
  frame.set(text, 3);
  return frame;
};

describe('websocket transport: Deno server (Deno.upgradeWebSocket)', () => {
  it('round-trips frames of 0 B to 1 MiB with a Node client, then dies by PID: the client sees 1006', async () => {
    const server = await denoServer();
    const t = client(server.url);
    const got = collector(t);
    const sizes = [0, 1, 125, 126, 127, 65535, 65536, 65537, 1 << 20, 5];
    const sent = sizes.map((s, i) => numbered(i, s));
    for (const f of sent) t.send(f);
    await opened(t);
    const frames = await got.next(sent.length, 15_000);
    expect(frames.map((f, i) => firstDifference(f, sent[i]!))).toEqual(sizes.map(() => -1));
    await server.waitFor((l) => l.event === 'open' && l.id === 1);
    process.kill(server.child.pid!, 'SIGKILL');
    const info = await closed(t, 10_000);
    expect(info.code).toBe(1006);
    expect(info.error).toMatchObject({ code: TransportErrorCode.PEER_GONE });
  });

  it('a plain HTTP request is refused with a typed error; outside Deno the adapter throws the same', async () => {
    const server = await denoServer();
    const response = await within(fetch(`http://127.0.0.1:${server.info.port}/`), 10_000, 'fetch');
    expect(response.status).toBe(400);
    expect(await response.text()).toBe(TransportErrorCode.CONNECT_FAILED);
    expect(() => upgradeWebSocket(new Request('http://127.0.0.1/'))).toThrow(expect.objectContaining({ code: TransportErrorCode.CONNECT_FAILED }));
  });

  it('carries close codes and reasons both ways', async () => {
    const server = await denoServer();
    const a = client(server.url);
    await opened(a);
    a.close(4321, 'node says bye');
    expect(await server.waitFor((l) => l.event === 'close' && l.id === 1)).toMatchObject({ code: 4321, reason: 'node says bye', error: null });

    for (const [id, code] of [[2, 1011], [3, 1001], [4, 4444]] as const) {
      const b = client(server.url);
      await opened(b);
      b.send(closeCommand(code, `deno says ${code}`));
      const info = await closed(b);
      expect(info).toEqual({ code, reason: `deno says ${code}` });
      expect(await server.waitFor((l) => l.event === 'close' && l.id === id)).toMatchObject({ code, error: null });
    }
  });

  it('a message over the Deno side limit: 1009 and TOO_LARGE on both sides', async () => {
    const server = await denoServer(4096);
    const t = client(server.url);
    const got = collector(t);
    await opened(t);
    t.send(numbered(1, 4096));
    await got.next(1);
    t.send(numbered(2, 4097));
    const info = await closed(t);
    expect(info.code).toBe(1009);
    expect(info.error).toMatchObject({ code: TransportErrorCode.TOO_LARGE });
    expect(await server.waitFor((l) => l.event === 'close' && l.id === 1)).toMatchObject({
      code: 1009, error: TransportErrorCode.TOO_LARGE, status: Status.PayloadTooLarge,
    });
  });

  it('a text message to the Deno side: it closes with 1003 and a protocol error', async () => {
    const server = await denoServer();
    const raw = new WebSocket(server.url);
    cleanups.push(() => raw.terminate());
    await within(new Promise((resolve) => raw.once('open', resolve)), 10_000, 'raw open');
    const rawClosed = within(new Promise<number>((resolve) => raw.once('close', (code) => resolve(code))), 10_000, 'raw close');
    raw.send('text is not a frame');
    expect(await rawClosed).toBe(1003);
    expect(await server.waitFor((l) => l.event === 'close' && l.id === 1)).toMatchObject({
      code: 1003, error: 'SW_ERR_TRANSPORT_PROTOCOL', status: Status.InvalidFrame,
    });
  });
});

describe("websocket transport: Deno client (Deno's WebSocket)", () => {
  it('round-trips, closes with mirrored codes, enforces its limit, and reports refusals', async () => {
    const closes: CloseInfo[] = [];
    const server = await listenWebSocket((t) => {
      t.on('close', (info) => closes.push(info));
      t.on('message', (f) => t.send(f[0] === 0xfe && f.byteLength === 1 ? new Uint8Array(1001) : f.slice()));
    });
    cleanups.push(() => server.close());
    const run = await runDeno('client.js', [bundle.file, server.url]);
    cleanups.push(() => run.child.kill('SIGKILL'));
    const code = await exited(run.child, 30_000);
    expect(run.info.failed, run.output()).toBeUndefined();
    expect(code).toBe(0);
    expect(run.info).toEqual({
      platformWebSocket: true,
      initialState: 'connecting',
      roundTrip: true,
      normalClose: { code: 1000, reason: 'done' },
      protocolCloseState: 'closed',
      tooLarge: { code: 1009, error: TransportErrorCode.TOO_LARGE, status: Status.PayloadTooLarge },
      refused: { code: 1006, error: TransportErrorCode.CONNECT_FAILED },
    });
    // What the Node side saw: a normal close, the client's 1002 (sent as 4002), and its 1009 (sent as 4009).
    await within((async () => { while (closes.length < 3) await new Promise((r) => setTimeout(r, 5)); })(), 10_000, 'server closes');
    expect(closes.map((c) => [c.code, c.reason])).toEqual([[1000, 'done'], [1002, 'from deno'], [1009, 'message too big']]);
    expect(closes[2]!.error).toMatchObject({ code: TransportErrorCode.TOO_LARGE });
  });
});
