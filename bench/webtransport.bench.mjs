// Issue 4's browser table: from Chromium, swarmwire sessions over WebTransport vs over WebSocket, both to the Deno
// relay (dist/deno.js) on loopback, each round trip a Request to the relay's built-in `echo` and its Response,
// 64 B and 1 KiB payloads. Throughput: round trips/s with a window of 1,000 in flight. Latency: one in flight, p50
// and p99. The page comes from a real http://127.0.0.1 origin and pins the relay's certificate with
// serverCertificateHashes. Rounds alternate the order of the two transports; figures are medians over rounds.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { mark, sig } from './lib/table.mjs';

const root = new URL('..', import.meta.url).pathname;
const WINDOW = 1000;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const PAGE = `<!doctype html><meta charset="utf-8"><title>swarmwire bench</title><link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "swarmwire": "/dist/index.js", "swarmwire/wire": "/dist/wire.js", "@msgpack/msgpack": "/node_modules/@msgpack/msgpack/dist.esm/index.mjs" } }</script>
<script type="module">import * as sw from 'swarmwire'; import * as wire from 'swarmwire/wire'; globalThis.sw = { ...sw, ...wire };</script>`;

/** Static files for the page: /dist/, /node_modules/@msgpack/msgpack/, and the page at /. */
function startStatic() {
  const mounts = { '/dist/': join(root, 'dist'), '/node_modules/@msgpack/msgpack/': join(root, 'node_modules/@msgpack/msgpack') };
  const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json' };
  // Cross-origin isolated, so performance.now() ticks in 5 µs rather than 100 µs steps.
  const isolation = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/') return res.writeHead(200, { 'content-type': 'text/html', ...isolation }).end(PAGE);
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(join(dir, path.slice(prefix.length)));
      if (!file.startsWith(dir)) break;
      try {
        return res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', ...isolation }).end(readFileSync(file));
      } catch {
        break;
      }
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The Deno relay, started with the npm deno binary; resolves with its URLs and certificate hash. */
function startRelay(denoDir) {
  const child = spawn(`${root}node_modules/@deno/linux-x64-glibc/deno`, ['run', '--no-config', '--no-lock', '--unstable-net', '-A', `${root}dist/deno.js`, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`[bench] the Deno relay did not start:\n${out}`))), 30_000);
    child.stderr.on('data', (d) => (out += d));
    child.stdout.on('data', (d) => {
      out += d;
      if (!/cert sha-256: [0-9a-f]{64}/.test(out)) return;
      clearTimeout(timer);
      const field = (name) => new RegExp(`${name}:\\s+(\\S+)`).exec(out)[1];
      resolve({ child, wsUrl: field('websocket'), wtUrl: field('webtransport'), hash: field('cert sha-256') });
    });
    child.once('exit', () => (clearTimeout(timer), reject(new Error(`[bench] the Deno relay exited:\n${out}`))));
  });
}

// Run in the page (stringified): open both sessions; measure one (transport, size) case per call.
async function openSessions({ wsUrl, wtUrl, hash }) {
    const sw = globalThis.sw;
    const dial = { webtransport: () => sw.connectWebTransport(wtUrl, { serverCertificateHashes: [hash] }), websocket: () => sw.connectWebSocket(wsUrl) };
    globalThis.benchSessions = {};
    for (const [name, d] of Object.entries(dial)) {
      const session = await sw.connectSession(d, { heartbeatIntervalMs: 0, reconnect: false });
      if (session.transportKind !== name) throw new Error(`[bench] ${name} session runs over ${session.transportKind}`);
      globalThis.benchSessions[name] = session;
    }
}

async function measureCase({ name, size, total, window, samples }) {
    const sw = globalThis.sw;
    const session = globalThis.benchSessions[name];
    const frame = { type: sw.MessageType.Request, moduleId: sw.RELAY_MODULE, methodHash: sw.fnv1a32('echo'), body: [new Uint8Array(size).fill(7)] };
    let onReply = () => {};
    const off = session.on('frame', () => onReply());
    try {
      const rate = await new Promise((resolve) => {
        let sent = 0;
        let got = 0;
        const t0 = performance.now();
        onReply = () => {
          got++;
          if (sent < total) (session.send(frame), sent++);
          if (got === total) resolve(total / ((performance.now() - t0) / 1000));
        };
        for (; sent < Math.min(window, total); sent++) session.send(frame);
      });
      const lat = await new Promise((resolve) => {
        const out = [];
        let t0 = performance.now();
        onReply = () => {
          out.push((performance.now() - t0) * 1000);
          if (out.length === samples) return resolve(out);
          t0 = performance.now();
          session.send(frame);
        };
        session.send(frame);
      });
      lat.sort((a, b) => a - b);
      return { rate, p50: lat[lat.length >> 1], p99: lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))] };
    } finally {
      off();
    }
}

export async function run({ rounds = 5 } = {}) {
  rounds = Math.min(rounds, 5); // each round is a few seconds of browser traffic
  const home = mkdtempSync(join(tmpdir(), 'sw-bench-wt-'));
  const [server, relay] = await Promise.all([startStatic(), startRelay(join(home, 'deno'))]);
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      env: { ...process.env, HOME: home },
    });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => 'sw' in globalThis, undefined, { timeout: 20_000 });
    if (!(await page.evaluate(() => crossOriginIsolated))) throw new Error('[bench] the page is not cross-origin isolated: timer resolution would be 100 µs');
    await page.evaluate(`(${openSessions})(${JSON.stringify({ wsUrl: relay.wsUrl, wtUrl: relay.wtUrl, hash: relay.hash })})`);
    const names = ['webtransport', 'websocket'];
    const sizes = [64, 1024];
    const raw = {};
    const measure = (name, size, total, samples) =>
      page.evaluate(`(${measureCase})(${JSON.stringify({ name, size, total, window: WINDOW, samples })})`);
    for (const size of sizes) {
      for (const name of names) {
        raw[`${name} ${size}`] = { rate: [], p50: [], p99: [] };
        await measure(name, size, 2_000, 200); // warm up
      }
      for (let round = 0; round < rounds; round++) {
        for (const name of round % 2 ? [...names].reverse() : names) {
          const r = await measure(name, size, size === 64 ? 20_000 : 10_000, 1_000);
          const into = raw[`${name} ${size}`];
          into.rate.push(r.rate);
          into.p50.push(r.p50);
          into.p99.push(r.p99);
        }
      }
    }
    const rows = [];
    const summary = {};
    for (const size of sizes) {
      const get = (name, key) => median(raw[`${name} ${size}`][key]);
      for (const name of names) {
        rows.push({
          size: `${size} B`, transport: name, 'msgs/s': Math.round(get(name, 'rate')), 'p50 µs': sig(get(name, 'p50')), 'p99 µs': sig(get(name, 'p99')),
          '× websocket msgs/s': sig(get(name, 'rate') / get('websocket', 'rate')), 'p50 ÷ websocket': sig(get(name, 'p50') / get('websocket', 'p50')),
        });
      }
      summary[`wtVsWsRate${size}`] = get('webtransport', 'rate') / get('websocket', 'rate');
    }
    const table = {
      title: `From Chromium to the Deno relay: WebTransport vs WebSocket, round trips/s with ${WINDOW} in flight, and sequential round-trip latency`,
      columns: ['size', 'transport', 'msgs/s', 'p50 µs', 'p99 µs', '× websocket msgs/s', 'p50 ÷ websocket'],
      rows,
      notes: [
        'Each round trip: a Request to the relay\'s built-in echo(bytes) and its Response, through swarmwire sessions (heartbeats off).',
        'Both transports end in the same Deno process, so the difference is the transport: QUIC streams (WebTransport) vs TCP (WebSocket).',
        ...sizes.map((s) => `${s} B: WebTransport at ≥ 0.5× WebSocket msgs/s ${mark(summary[`wtVsWsRate${s}`] >= 0.5)} (no issue target; a sanity bar)`),
      ],
    };
    await page.evaluate(() => Object.values(globalThis.benchSessions).forEach((s) => s.close()));
    return { tables: [table], readme: table, summary, raw };
  } finally {
    await browser?.close();
    server.close();
    relay.child.kill('SIGTERM');
    await new Promise((r) => (relay.child.exitCode === null ? relay.child.once('exit', r) : r()));
    rmSync(home, { recursive: true, force: true });
  }
}
