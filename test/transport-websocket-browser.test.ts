// The WebSocket transport on a browser's own WebSocket, in real Chromium (playwright-core), against Node servers.
// This is where the client-side limits bite: a page may only close with 1000 or 3000–4999, it sees bufferedAmount
// without a drain event, and it gets whole messages before any size check.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { TransportErrorCode } from '../src/transport/transport.js';
import type { CloseInfo } from '../src/transport/transport.js';
import { acceptWebSocket } from '../src/transport/websocket.js';
import type { WebSocketLike } from '../src/transport/websocket.js';
import { listenWebSocket } from '../src/transport/websocket-node.js';
import { bundleTransport } from './fixtures/ws-bundle.js';
import { collector, exited, seqOf, spawnJson, within } from './fixtures/ws-helpers.js';

let browser: Browser;
let script: string;
let home: string;

beforeAll(async () => {
  const bundle = await bundleTransport('iife');
  script = readFileSync(bundle.file, 'utf8');
  bundle.remove();
  home = mkdtempSync(join(tmpdir(), 'sw-chromium-'));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache') },
    timeout: 30_000,
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  rmSync(home, { recursive: true, force: true });
});

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function page(): Promise<Page> {
  const p = await browser.newPage();
  cleanups.push(() => p.close());
  await p.addScriptTag({ content: script });
  // Page-side helpers, shared by the tests below (not `closed`: window.closed is taken).
  await p.evaluate(() => {
    const w = globalThis as any;
    w.within = (promise: Promise<unknown>, ms: number, what: string) => {
      let timer: any;
      return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`deadline: ${what}`)), ms)))])
        .finally(() => clearTimeout(timer));
    };
    w.closeOf = (t: any) => w.within(new Promise((resolve) => t.on('close', (i: any) => resolve({ code: i.code, reason: i.reason, error: i.error?.code ?? null }))), 10_000, 'close');
    w.opened = (t: any) => w.within(new Promise((resolve, reject) => {
      t.on('open', resolve);
      t.on('close', (i: any) => reject(new Error(`closed ${i.code}`)));
    }), 10_000, 'open');
    w.numbered = (seq: number, size: number) => {
      const b = new Uint8Array(size);
      for (let i = 0; i < size; i++) b[i] = (i * 31 + seq * 7) & 0xff;
      if (size >= 4) new DataView(b.buffer).setUint32(0, seq);
      return b;
    };
  });
  return p;
}

/** A Node listener whose transports echo, answer [0xFE] with 1001 bytes, and record how they closed. */
async function nodeServer() {
  const closes: CloseInfo[] = [];
  const server = await listenWebSocket((t) => {
    t.on('close', (info) => closes.push(info));
    t.on('message', (f) => t.send(f[0] === 0xfe && f.byteLength === 1 ? new Uint8Array(1001) : f.slice()));
  });
  cleanups.push(() => server.close());
  const closedCount = (n: number) => within((async () => { while (closes.length < n) await new Promise((r) => setTimeout(r, 5)); })(), 10_000, `${n} server closes`);
  return { server, closes, closedCount };
}

async function rawServer() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  cleanups.push(() => new Promise((resolve) => {
    for (const c of wss.clients) c.terminate();
    wss.close(resolve);
  }));
  const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/`;
  const next = () => within(new Promise<WebSocket>((resolve) => wss.once('connection', resolve)), 10_000, 'connection');
  return { url, next };
}

describe('websocket transport: Chromium client', () => {
  it("uses the page's WebSocket: frames queued while connecting, 0 B to 1 MiB, come back in order", async () => {
    const { server } = await nodeServer();
    const p = await page();
    const result = await p.evaluate(async (url) => {
      const w = globalThis as any;
      const t = w.sw.connectWebSocket(url);
      const initialState = t.state;
      const sizes = [0, 1, 125, 126, 65535, 65536, 300_000, 1 << 20, 9];
      const sent = sizes.map((s: number, i: number) => w.numbered(i, s));
      const got: Uint8Array[] = [];
      const all = new Promise<void>((resolve) => t.on('message', (f: Uint8Array) => {
        got.push(f.slice());
        if (got.length === sent.length) resolve();
      }));
      for (const f of sent) t.send(f);
      await w.opened(t);
      await w.within(all, 15_000, 'echoes');
      const same = got.every((f, i) => f.byteLength === sent[i].byteLength && f.every((x, j) => x === sent[i][j]));
      t.close();
      return { initialState, same, sizes: got.map((f) => f.byteLength), native: String(w.WebSocket).includes('[native code]') };
    }, server.url);
    expect(result).toEqual({ initialState: 'connecting', same: true, sizes: [0, 1, 125, 126, 65535, 65536, 300_000, 1 << 20, 9], native: true });
  });

  it('codes a page may not send (1002, 1009) reach the server as themselves, via their 4000-range mirrors', async () => {
    const { server, closes, closedCount } = await nodeServer();
    const p = await page();
    const result = await p.evaluate(async (url) => {
      const w = globalThis as any;
      const a = w.sw.connectWebSocket(url);
      await w.opened(a);
      a.close(1002, 'from chromium');
      const b = w.sw.connectWebSocket(url, { maxMessageBytes: 1000 });
      await w.opened(b);
      const bClosed = w.closeOf(b);
      b.send(new Uint8Array([0xfe]));
      return { a: a.closeInfo.code, b: await bClosed };
    }, server.url);
    expect(result).toEqual({ a: 1002, b: { code: 1009, reason: 'message too big', error: TransportErrorCode.TOO_LARGE } });
    await closedCount(2);
    expect(closes.map((c) => [c.code, c.reason])).toEqual([[1002, 'from chromium'], [1009, 'message too big']]);
    expect(closes[1]!.error).toMatchObject({ code: TransportErrorCode.TOO_LARGE });
  });

  it('a text message closes the page transport with 1003 (4003 on the wire)', async () => {
    const { url, next } = await rawServer();
    const p = await page();
    const connected = next();
    await p.evaluate((u) => {
      const w = globalThis as any;
      w.t = w.sw.connectWebSocket(u);
      w.tClosed = w.closeOf(w.t);
    }, url);
    const raw = await connected;
    const rawClosed = within(new Promise<number>((resolve) => raw.once('close', (code) => resolve(code))), 10_000, 'raw close');
    raw.send('text');
    expect(await p.evaluate(() => (globalThis as any).tClosed)).toEqual({ code: 1003, reason: 'binary messages only', error: 'SW_ERR_TRANSPORT_PROTOCOL' });
    expect(await rawClosed).toBe(4003);
  });

  it('backpressure on a platform socket: ready() waits, send() throws FULL, and all frames arrive after resume', { timeout: 60_000 }, async () => {
    const { url, next } = await rawServer();
    const p = await page();
    const connected = next();
    await p.evaluate(async (u) => {
      const w = globalThis as any;
      w.t = w.sw.connectWebSocket(u, { highWaterMark: 256 * 1024, maxBuffered: 1024 * 1024 });
      await w.opened(w.t);
    }, url);
    const raw = await connected;
    const socket = (raw as unknown as { _socket: Socket })._socket;
    socket.pause();
    const server = acceptWebSocket(raw as unknown as WebSocketLike);
    cleanups.push(() => server.close());
    const got = collector(server);
    const filled = await p.evaluate(async () => {
      const w = globalThis as any;
      const t = w.t;
      w.sent = 0;
      const isReady = async () => {
        let done = false;
        t.ready().then(() => (done = true), () => {});
        await new Promise((r) => setTimeout(r, 0));
        return done;
      };
      // Chromium's bufferedAmount also counts bytes on their way to its network process, so passing the high-water
      // mark once proves little: fill until ready() stays pending for a whole second with the reader paused.
      const stuck = async () => {
        let done = false;
        t.ready().then(() => (done = true), () => {});
        const until = Date.now() + 1000;
        while (!done && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
        return !done;
      };
      const started = Date.now();
      for (;;) {
        if (Date.now() - started > 30_000 || w.sent > 8192) throw new Error(`buffer never filled (${t.bufferedAmount})`);
        if (await isReady()) t.send(w.numbered(w.sent++, 64 * 1024));
        else if (await stuck()) break;
      }
      const pending = { settled: false };
      w.waiting = t.ready().then(() => (pending.settled = true));
      let full = null;
      for (let i = 0; i < 64 && !full; i++) {
        try {
          t.send(w.numbered(w.sent, 64 * 1024));
          w.sent++;
        } catch (e: any) {
          full = { code: e.code, status: e.status };
        }
      }
      return { sent: w.sent, buffered: t.bufferedAmount, settled: pending.settled, full };
    });
    expect(filled.settled).toBe(false);
    expect(filled.full).toEqual({ code: TransportErrorCode.FULL, status: 6 });
    expect(filled.buffered).toBeGreaterThanOrEqual(256 * 1024);
    expect(filled.buffered).toBeLessThanOrEqual(1024 * 1024);
    socket.resume();
    const after = await p.evaluate(async () => {
      const w = globalThis as any;
      await w.within(w.waiting, 15_000, 'ready after resume');
      return w.t.bufferedAmount;
    });
    expect(after).toBeLessThan(256 * 1024);
    const frames = await got.next(filled.sent, 20_000);
    expect(frames.map(seqOf)).toEqual(Array.from({ length: filled.sent }, (_, i) => i));
  });

  it('a killed server process: the page transport closes with 1006 and PEER_GONE', async () => {
    const { child, info } = await spawnJson(process.execPath, [new URL('./fixtures/ws-server.mjs', import.meta.url).pathname]);
    cleanups.push(() => child.kill('SIGKILL'));
    const p = await page();
    await p.evaluate(async (u) => {
      const w = globalThis as any;
      w.t = w.sw.connectWebSocket(u);
      await w.opened(w.t);
      w.tClosed = w.closeOf(w.t);
    }, `ws://127.0.0.1:${info.port}/`);
    process.kill(child.pid!, 'SIGKILL');
    await exited(child);
    expect(await p.evaluate(() => (globalThis as any).tClosed)).toMatchObject({ code: 1006, error: TransportErrorCode.PEER_GONE });
  });
});
