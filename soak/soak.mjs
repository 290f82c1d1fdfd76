// The soak: a relay in a child process, `peers` simulated peers over WebSocket in this one, each sending `rate`
// acked Routed frames a second to random other peers for `seconds`. A few slow consumers stop reading their
// sockets; the relay must drop them (BackpressureRejection) and keep its memory flat. Reports the relay's RSS over
// time, delivery latency (p50/p99/max, sender to receiver, same clock) and losses (must be 0).
// `npm run soak` runs 1,000 peers for 10 minutes; SOAK_PEERS, SOAK_SECONDS, SOAK_RATE, SOAK_SLOW change that.
import { fork } from 'node:child_process';
import { WebSocket } from 'ws';
import * as root from '../dist/index.js';
import * as wire from '../dist/wire.js';

const sw = { ...root, ...wire };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Starts the relay child; resolves with its URL and a way to read its samples. */
async function startChild() {
  const child = fork(new URL('./relay-child.mjs', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--expose-gc'] });
  const samples = [];
  const ready = new Promise((resolve, reject) => {
    child.on('message', (m) => {
      if (m.kind === 'ready') resolve(m);
      else if (m.kind === 'sample') samples.push(m);
    });
    child.once('exit', (code) => reject(new Error(`[soak] relay child exited with ${code}`)));
  });
  const { wsUrl } = await ready;
  return {
    wsUrl, samples,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** One peer. Slow ones pause their socket once connected: the relay's buffer for them fills. */
async function peer(wsUrl, name, slow) {
  let socket;
  const Tracked = class extends WebSocket {
    constructor(...args) {
      super(...args);
      socket = this;
    }
  };
  const session = await sw.connectSession(() => sw.connectWebSocket(wsUrl, { WebSocket: Tracked }), {
    // A connect storm of thousands on a busy machine can outlast the relay's handshake deadline: keep trying.
    metadata: { name }, heartbeatIntervalMs: 5_000, maxUnacked: 100_000, firstConnectTimeoutMs: 300_000,
    reconnect: slow ? false : { initialDelayMs: 50, maxDelayMs: 1_000 },
  });
  if (slow) socket._socket.pause();
  return { session, slow, name };
}

/**
 * Runs the soak and returns the report. Options: peers (1,000), seconds (600), rate (frames per peer per second, 1),
 * slow (slow consumers, 5), sampleEvery (seconds between printed rows, 30), log (console.log).
 */
export async function runSoak(options = {}) {
  const o = { peers: 1000, seconds: 600, rate: 1, slow: 5, sampleEvery: 30, log: console.log, ...options };
  const relay = await startChild();
  const peers = [];
  try {
    const connectStarted = performance.now();
    for (let i = 0; i < o.peers; i += 50) {
      const batch = [];
      for (let k = i; k < Math.min(o.peers, i + 50); k++) batch.push(peer(relay.wsUrl, `p${k}`, false));
      peers.push(...(await Promise.all(batch)));
    }
    const slow = [];
    for (let k = 0; k < o.slow; k++) slow.push(await peer(relay.wsUrl, `slow${k}`, true));
    o.log(`[soak] ${o.peers} peers + ${o.slow} slow consumers connected in ${((performance.now() - connectStarted) / 1000).toFixed(1)} s`);

    let sent = 0;
    let received = 0;
    let duplicates = 0;
    let window = [];
    const all = [];
    const seen = peers.map(() => new Set());
    peers.forEach((p, index) => p.session.on('frame', (frame) => {
      if (frame.type !== sw.MessageType.Routed) return;
      const inner = sw.decodeFrame(sw.parseRouted(sw.decodeBody(frame)).frame);
      const { t, id } = sw.decodeBody(inner);
      if (seen[index].has(id)) {
        duplicates++;
        return;
      }
      seen[index].add(id);
      received++;
      const latency = performance.now() - t;
      window.push(latency);
      all.push(latency);
    }));
    // Fill the slow consumers' buffers: 16 KiB frames from one healthy peer until the relay drops them.
    const junk = crypto.getRandomValues(new Uint8Array(16 * 1024));
    const flood = setInterval(() => {
      // Until the relay has dropped them all: the slow peers never read their close, so they cannot tell.
      if ((relay.samples[relay.samples.length - 1]?.stats.slowPeersDropped ?? 0) >= o.slow) return clearInterval(flood);
      for (const s of slow) {
        if (s.session.state === 'closed') continue;
        try {
          peers[0].session.send({ type: sw.MessageType.Routed, body: sw.routedBody(s.session.nodeId, sw.encodeFrame({ type: sw.MessageType.Event, payload: junk })) });
        } catch {
          // the sender's own buffer is full for a moment: try on the next tick
        }
      }
    }, 5);

    const TICK_MS = 100;
    const perTick = (o.peers * o.rate * TICK_MS) / 1000;
    let carry = 0;
    let cursor = 0;
    let nextId = 0;
    let sendErrors = 0;
    const sendErrorCodes = {};
    const ticker = setInterval(() => {
      carry += perTick;
      for (; carry >= 1; carry--) {
        const from = peers[cursor++ % peers.length];
        let to = peers[Math.floor(Math.random() * peers.length)];
        if (to === from) to = peers[(cursor + 1) % peers.length];
        const body = { t: performance.now(), id: nextId++ };
        try {
          from.session.send({ type: sw.MessageType.Routed, ack: true, body: sw.routedBody(to.session.nodeId, sw.encodeFrame({ type: sw.MessageType.Event, body })) });
          sent++;
        } catch (error) {
          // Only backpressure may refuse a send here (a burst meeting a reconnect); anything else is a failure.
          sendErrors++;
          const code = error?.code ?? String(error);
          sendErrorCodes[code] = (sendErrorCodes[code] ?? 0) + 1;
        }
      }
    }, TICK_MS);

    const rows = [];
    const started = performance.now();
    let lastRow = started;
    while (performance.now() - started < o.seconds * 1000) {
      await sleep(250);
      if (performance.now() - lastRow >= o.sampleEvery * 1000) {
        lastRow = performance.now();
        const s = relay.samples[relay.samples.length - 1];
        const sorted = window.sort((a, b) => a - b);
        const row = {
          t: Math.round((lastRow - started) / 1000), rssMiB: +(s.rss / 2 ** 20).toFixed(1), heapMiB: +(s.heapUsed / 2 ** 20).toFixed(1),
          peers: s.stats.peers, sent, received, p50: +percentile(sorted, 50).toFixed(1), p99: +percentile(sorted, 99).toFixed(1), max: +(sorted[sorted.length - 1] ?? NaN).toFixed(1),
          slowDropped: s.stats.slowPeersDropped,
        };
        rows.push(row);
        window = [];
        o.log(`[soak] t=${row.t}s relay rss=${row.rssMiB} MiB heap=${row.heapMiB} MiB peers=${row.peers} sent=${row.sent} received=${row.received} p50=${row.p50} ms p99=${row.p99} ms max=${row.max} ms slow dropped=${row.slowDropped}`);
      }
    }
    clearInterval(ticker);
    clearInterval(flood);
    const drainEnd = Date.now() + 15_000;
    while (received < sent && Date.now() < drainEnd) await sleep(50);
    await sleep(1_100); // one more sample from the child
    const samples = relay.samples;
    const rss = samples.map((s) => s.rss / 2 ** 20);
    const warm = samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.2))].rss / 2 ** 20; // after 20% of the run
    const sortedAll = all.sort((a, b) => a - b);
    const last = samples[samples.length - 1];
    return {
      peers: o.peers, slowConsumers: o.slow, seconds: o.seconds, rate: o.rate,
      sent, received, lost: sent - received, duplicates, sendErrors, sendErrorCodes,
      p50: +percentile(sortedAll, 50).toFixed(1), p99: +percentile(sortedAll, 99).toFixed(1), max: +(sortedAll[sortedAll.length - 1] ?? NaN).toFixed(1),
      rssWarmMiB: +warm.toFixed(1), rssEndMiB: +rss[rss.length - 1].toFixed(1), rssMaxMiB: +Math.max(...rss).toFixed(1),
      slowDropped: last.stats.slowPeersDropped, relayPeersAtEnd: last.stats.peers, rows,
    };
  } finally {
    for (const p of peers) p.session.close();
    await relay.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const report = await runSoak({
    peers: Number(process.env.SOAK_PEERS ?? 1000), seconds: Number(process.env.SOAK_SECONDS ?? 600),
    rate: Number(process.env.SOAK_RATE ?? 1), slow: Number(process.env.SOAK_SLOW ?? 5), sampleEvery: Number(process.env.SOAK_EVERY ?? 30),
  });
  const { rows, ...summary } = report;
  console.log('\n[soak] summary', JSON.stringify(summary));
  console.log(`\n| peers | duration | frames sent | lost | duplicated | p50 | p99 | max | relay RSS (after warm-up → end, max) | slow consumers dropped |`);
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|');
  console.log(`| ${summary.peers} | ${summary.seconds} s | ${summary.sent.toLocaleString('en')} | ${summary.lost} | ${summary.duplicates} | ${summary.p50} ms | ${summary.p99} ms | ${summary.max} ms | ${summary.rssWarmMiB} → ${summary.rssEndMiB} MiB (max ${summary.rssMaxMiB}) | ${summary.slowDropped}/${summary.slowConsumers} |`);
  process.exitCode = summary.lost === 0 && summary.duplicates === 0 && summary.slowDropped === summary.slowConsumers ? 0 : 1;
  process.exit();
}
