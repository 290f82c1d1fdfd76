// The honest peers, in their own process (so attackers in the test process cannot skew their clock): alice and bob,
// two SDK mesh nodes on the relay under attack. Every tick alice sends bob one acked Event and calls bob's `echo`;
// every tenth tick she also calls the relay's in-process `dashboard` agent, `add` on bob's shared `target` object
// and the relay's own `echo`. Calls are issued on a clock, not one after another, so a stalled relay shows up as
// many slow calls rather than one. Everything is checked: each Event must arrive exactly once, each call must
// answer with the right value. The parent drives it over IPC (see honest-client.mjs).
import { Target } from './target.mjs';
import { exposeToAll, meshNode, nextRequestId, onEvent, onRelayDrop, remote, sendAcked } from './sdk.mjs';

const config = JSON.parse(process.argv[2]);
const tickMs = config.tickMs ?? 10;
const problems = [];
process.on('unhandledRejection', (reason) => problems.push(`unhandled rejection: ${reason?.stack ?? reason}`));
process.on('uncaughtException', (error) => problems.push(`uncaught exception: ${error?.stack ?? error}`));

const alice = await meshNode(config.wsUrl, { name: 'honest alice' });
const bob = await meshNode(config.bobUrl ?? config.wsUrl, { name: 'honest bob' });
exposeToAll(bob.node, { echo: (x) => x }, 'echo');
exposeToAll(bob.node, new Target(), 'target');

const relay = remote(alice.node, alice.relayId, 'relay');
const agent = (await relay.peers()).find((p) => p.metadata?.name === 'relay process')?.id;
if (!agent) throw new Error('[attack] the relay runs no agent host (is it `swarmwire relay`?)');
const echo = remote(alice.node, bob.id, 'echo');
const target = remote(alice.node, bob.id, 'target');
const dashboard = remote(alice.node, agent, 'dashboard');

// --- bookkeeping -------------------------------------------------------------------------------------------------
let window = 'warmup';
const windows = new Map();
const samples = (name) => {
  if (!windows.has(name)) windows.set(name, { calls: [], frames: [] });
  return windows.get(name);
};
const frames = { sent: 0, sendErrors: [], delivered: new Set(), duplicates: 0 };
const calls = { issued: 0, ok: 0, wrong: [], failed: [] };
const disconnects = { alice: 0, bob: 0 };
const spoofed = [];
onRelayDrop(alice.node, alice.relayId, () => disconnects.alice++);
onRelayDrop(bob.node, bob.relayId, () => disconnects.bob++);

onEvent(bob.node, ({ from, body }) => {
  if (body?.spoof !== undefined) return void spoofed.push({ at: 'bob', from });
  if (typeof body?.h !== 'number') return;
  if (frames.delivered.has(body.h)) frames.duplicates++;
  else frames.delivered.add(body.h);
  samples(body.w).frames.push(performance.timeOrigin + performance.now() - body.t);
});
onEvent(alice.node, ({ from, body }) => {
  if (body?.spoof !== undefined) spoofed.push({ at: 'alice', from });
});

/** Issues one call, checks its answer with `good`, and records its latency under the window it was issued in. */
function call(what, promise, good) {
  const w = samples(window);
  const t0 = performance.now();
  calls.issued++;
  promise.then(
    (value) => {
      if (good(value)) {
        calls.ok++;
        w.calls.push(performance.now() - t0);
      } else {
        calls.wrong.push(`${what} answered ${JSON.stringify(value)?.slice(0, 120)}`);
      }
    },
    (error) => calls.failed.push(`${what}: ${error?.code ?? ''} ${error?.message ?? error}`.slice(0, 200)),
  );
}

let seq = 0;
let tick = 0;
const timer = setInterval(() => {
  tick++;
  const n = ++seq;
  try {
    sendAcked(alice.node, bob.id, { h: n, w: window, t: performance.timeOrigin + performance.now() });
    frames.sent++;
  } catch (error) {
    frames.sendErrors.push(`${error?.code ?? ''} ${error?.message ?? error}`.slice(0, 200));
  }
  call('bob echo', echo.echo(n), (v) => v === n);
  if (tick % 10 === 0) {
    call('dashboard agents', dashboard.agents(), (v) => Array.isArray(v));
    call('bob target.add', target.add(2, 3), (v) => v === 5);
    call('relay echo', relay.echo(n), (v) => v === n);
  }
}, tickMs);

// --- reporting ---------------------------------------------------------------------------------------------------
const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN);
const stats = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 0.5), p99: percentile(s, 0.99), max: s.length ? s[s.length - 1] : NaN };
};
const pending = () => calls.issued - calls.ok - calls.wrong.length - calls.failed.length;

async function report(drainMs) {
  clearInterval(timer);
  const end = Date.now() + drainMs;
  while ((pending() > 0 || frames.delivered.size < frames.sent) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return {
    frames: { sent: frames.sent, delivered: frames.delivered.size, missing: frames.sent - frames.delivered.size, duplicates: frames.duplicates, sendErrors: frames.sendErrors.slice(0, 5), sendErrorCount: frames.sendErrors.length },
    calls: { issued: calls.issued, ok: calls.ok, unanswered: pending(), wrong: calls.wrong.length, failed: calls.failed.length, examples: [...calls.wrong, ...calls.failed].slice(0, 5) },
    windows: Object.fromEntries([...windows].map(([name, w]) => [name, { calls: stats(w.calls), frames: stats(w.frames) }])),
    disconnects, spoofed: spoofed.slice(0, 20), spoofedCount: spoofed.length, problems: problems.slice(0, 5),
  };
}

process.on('message', async (m) => {
  switch (m.cmd) {
    case 'window':
      window = m.name;
      return process.send({ re: m.re });
    case 'nextId':
      return process.send({ re: m.re, id: nextRequestId(alice.node) });
    case 'report':
      return process.send({ re: m.re, report: await report(m.drainMs ?? 10_000) });
  }
});
process.on('disconnect', () => process.exit(0)); // the parent went away
process.send({ ready: true, ids: { alice: alice.id, bob: bob.id, relay: alice.relayId, agent } });
