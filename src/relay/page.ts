// The relay's dashboard: the page joins the mesh as a node over WebSocket (script-tag build), starts a swarm of Web
// Workers with startSwarm() (the shipped worker entry, loading the dashboard's agent module; the relay serves
// both) linked to it over the shared-memory ring, hosts a counter agent and calls it continuously, and shows the
// relay's counters, the nodes, the agents, call rates and latencies; below them the live views (dashboard-live.ts:
// plots over the last minutes, the topology with agent moves, trace waterfalls), each in its own file and inlined
// here as a script, so every relay that serves this page serves them. A click migrates the counter between the page,
// a worker and the relay's own Node process (when the relay runs its agent host) while the calls keep flowing.
// window.dashboard lets tests drive it. Given a WebTransport endpoint (the Deno relay), it tries that first and
// falls back to WebSocket.

import { DASHBOARD_ESCAPE } from './dashboard-escape.js';
import { DASHBOARD_LIVE } from './dashboard-live.js';
import { DASHBOARD_PLOTS } from './dashboard-plots.js';
import { DASHBOARD_STYLE } from './dashboard-style.js';
import { DASHBOARD_TOPOLOGY } from './dashboard-topology.js';
import { DASHBOARD_WATERFALL } from './dashboard-waterfall.js';

/** Where the page finds the relay's WebTransport endpoint: port, path and certificate hash (hex). */
export interface PageWebTransport {
  port: number;
  path: string;
  hash: string;
}

/**
 * The page's HTML. It loads /swarmwire.global.js from the same relay, and with `swarm` (a relay that serves the
 * worker entry at /worker.global.js and the agent module at /dashboard-agents.js) starts a swarm of workers.
 */
export function relayPage(webtransport?: PageWebTransport, swarm = false): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>swarmwire relay dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
${DASHBOARD_STYLE}</style>
</head>
<body>
<h1>swarmwire relay dashboard</h1>
<div class="sub">This page is a mesh node too: <span id="status" data-state="connecting">connecting…</span></div>
<div class="cards" id="cards"></div>
<div class="cards" id="calls"></div>
<h2>Traffic <small class="sub">last 3 minutes, per second</small></h2>
<div class="plots"><canvas id="plot-rate" aria-label="frames and calls per second"></canvas><canvas id="plot-latency" aria-label="call latency percentiles"></canvas></div>
<h2>Topology</h2>
<div class="topo"><svg id="topology" role="img" aria-label="nodes, their links and agents"></svg><div><b>Agent moves</b><ol id="moves"></ol></div></div>
<h2>Recent traces <button id="trace-call">trace a call</button></h2>
<div id="traces"></div>
<h2>Agents</h2>
<table>
  <thead><tr><th>agent</th><th>kind</th><th>lives on</th><th>methods (name/arity)</th><th>value</th><th>calls served there</th><th>migrate</th></tr></thead>
  <tbody id="agents"></tbody>
</table>
<h2>Nodes</h2>
<table>
  <thead><tr><th>node</th><th>role</th><th>name</th><th>to the relay</th><th>from this page</th><th>rtt (ms)</th><th>topics</th></tr></thead>
  <tbody id="peers"></tbody>
</table>
<script src="/swarmwire.global.js"></script>
<script>${DASHBOARD_ESCAPE}${DASHBOARD_PLOTS}${DASHBOARD_TOPOLOGY}${DASHBOARD_WATERFALL}${DASHBOARD_LIVE}</script>
<script>
(async () => {
  const sw = window.swarmwire;
  const status = document.getElementById('status');
  const wsUrl = location.origin.replace(/^http/, 'ws') + '/ws';
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const esc = window.swEsc;
  const swarmServed = ${swarm};
  // The page's own Counter comes from the module its workers load (the relay serves it).
  const { Counter } = swarmServed ? await import('/dashboard-agents.js') : { Counter: class Counter { count = 0; increment(by = 1) { return (this.count += by); } get() { return this.count; } } };
  // Role core: the page forwards between its workers; no idle timeout, as its links to them must stay up.
  const node = await sw.MeshNode.create({ role: 'core', idleTimeoutMs: 0, metadata: { name: 'dashboard page' }, capabilities: ['page'], heartbeatIntervalMs: 2000, loadIntervalMs: 1000 });
  const host = new sw.AgentHost(node, { callTimeoutMs: 10000 });
  host.define('Counter', () => new Counter());
  let relayId;
  try {
    const wt = ${JSON.stringify(webtransport ?? null).replace(/</g, '\\u003c')};
    const dial = wt
      ? () => sw.connectFallback({ websocket: wsUrl, webtransport: 'https://' + location.hostname + ':' + wt.port + wt.path, webtransportOptions: { serverCertificateHashes: [wt.hash] } })
      : () => sw.connectWebSocket(wsUrl);
    relayId = await node.connect(dial);
  } catch (e) {
    status.dataset.state = 'error';
    status.textContent = 'cannot connect: ' + e.message;
    return;
  }
  node.on('connected', () => { status.dataset.state = 'open'; status.textContent = 'connected as ' + node.idHex.slice(0, 8) + '…'; });
  node.on('disconnected', () => { status.dataset.state = 'connecting'; status.textContent = 'reconnecting…'; });
  status.dataset.state = 'open';
  status.textContent = 'connected as ' + node.idHex.slice(0, 8) + '…';
  const relay = sw.wrap(node.link(relayId), { name: 'relay', timeoutMs: 5000 });
  const dashboardOf = (id) => sw.wrap(node.link(id), { name: 'dashboard', timeoutMs: 5000 });
  host.expose('counter', new Counter(), { kind: 'Counter' });

  // The relay's own Node process, when it hosts agents.
  let processId;
  const findProcess = async () => (processId ??= (await relay.peers()).find((p) => p.metadata.name === 'relay process')?.id);
  await findProcess().catch(() => {});

  // A swarm of Web Workers, each a mesh node hosting agents (?workers=N, default 2), when this relay hosts agents.
  // Each worker links to this page directly: over the shared-memory ring here (this page is cross-origin isolated),
  // postMessage where it is not; calls and migrations between the page and a worker go that way. Every worker also
  // joins the relay, so the relay lists it and an agent moves straight between a worker and the relay process.
  const swarmSize = swarmServed && processId ? Math.max(0, Math.min(16, Number(new URLSearchParams(location.search).get('workers') ?? 2))) : 0;
  const swarm = swarmSize === 0 ? undefined : await sw.startSwarm({
    size: swarmSize, worker: '/worker.global.js', module: '/dashboard-agents.js', relay: wsUrl, node, host, loadIntervalMs: 1000,
  }).catch((e) => { console.warn('[swarmwire] no worker agents on this relay: ' + e.message); return undefined; });
  const losses = [];
  swarm?.on('lost', (loss) => losses.push(loss));
  const members = () => (swarm ? swarm.workers : []);
  const workerIds = () => members().map((w) => w.id);
  const workerLinks = () => node.stats().connections.filter((c) => workerIds().includes(c.peer)).map((c) => c.transport);
  const nameOf = (id) => {
    const w = members().find((m) => m.id === id);
    return id === node.idHex ? 'page' : id === processId ? 'relay process' : w ? 'worker ' + w.index : id ? id.slice(0, 8) + '…' : '?';
  };

  // Calls flow all the time: one at a time, as fast as they come back.
  const calls = { ok: 0, failed: 0, last: 0, errors: [], window: [] };
  let stopped = false;
  (async () => {
    while (!stopped) {
      const t0 = performance.now();
      try {
        calls.last = await host.call('counter', 'increment', [1]);
        calls.ok++;
        calls.window.push({ at: Date.now(), ms: performance.now() - t0 });
      } catch (e) {
        calls.failed++;
        calls.errors.push(String(e && e.message || e));
      }
      await sleep(5);
    }
  })();

  async function migrateTo(target) {
    const to = target === 'page' ? node.idHex : target.startsWith('worker ') ? members().find((w) => w.index === Number(target.slice(7)))?.id : await findProcess();
    if (!to) throw new Error(target.startsWith('worker ') ? 'no ' + target + ' now' : 'the relay runs no agent host (start it with swarmwire relay)');
    const where = await host.locate('counter');
    if (where === to) return to;
    const t0 = performance.now();
    if (where === processId) await dashboardOf(where).migrate('counter', to);
    else if (swarm) await swarm.migrate('counter', to); // from this page or one of its workers
    else await host.migrate('counter', to);
    lastMigration = { to: nameOf(to), ms: performance.now() - t0 };
    return to;
  }
  let lastMigration;
  const methods = new Map();
  const live = swLive({
    sw, node, host, relay, relayId, processId, dashboardOf, nameOf, pageCalls: () => calls.window,
  });

  async function refresh() {
    const now = Date.now();
    calls.window = calls.window.filter((c) => now - c.at < 1000);
    const lat = calls.window.map((c) => c.ms).sort((a, b) => a - b);
    const p = (q) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(lat.length * q))].toFixed(2) : '–');
    const where = await host.locate('counter');
    document.getElementById('calls').innerHTML = [
      ['calls/s', calls.window.length], ['p50 ms', p(0.5)], ['p99 ms', p(0.99)], ['calls ok', calls.ok], ['calls failed', calls.failed],
      ['counter', calls.last], ['counter lives on', nameOf(where)],
      ['last migration', lastMigration ? lastMigration.to + ', ' + lastMigration.ms.toFixed(1) + ' ms' : '–'],
      ['worker links', [...new Set(workerLinks())].join(', ') || '–'], ['worker restarts', losses.length],
    ].map(([k, v]) => '<div class="card">' + k + '<b data-stat="' + k + '">' + esc(v) + '</b></div>').join('');
    const [stats, peers] = await Promise.all([relay.stats(), relay.peers()]);
    document.getElementById('cards').innerHTML = [
      ['peers', stats.peers], ['frames in', stats.framesIn], ['frames out', stats.framesOut],
      ['routed', stats.routed], ['broadcasts', stats.broadcasts], ['errors', stats.errors],
      ['uptime', Math.round(stats.uptimeMs / 1000) + ' s'],
    ].map(([k, v]) => '<div class="card">' + k + '<b data-stat="' + k + '">' + esc(v) + '</b></div>').join('');
    const direct = new Map(node.stats().connections.map((c) => [c.peer, c.transport]));
    const fromPage = (id) => (id === node.idHex ? '–' : direct.get(id) ?? 'routed');
    document.getElementById('peers').innerHTML = peers.map((p) => '<tr data-peer="' + p.id + '"><td><code>' + p.id.slice(0, 12) +
      '…</code></td><td>' + esc(p.role) + '</td><td>' + esc(p.metadata.name ?? '') + (p.id === node.idHex ? ' <span class="here">(this page)</span>' : '') +
      '</td><td>' + esc(p.transport) + '</td><td data-link>' + esc(fromPage(p.id)) + '</td><td>' + (p.rtt === null ? '–' : p.rtt.toFixed(2)) + '</td><td>' + esc(p.topics.join(', ')) + '</td></tr>').join('');
    const rows = host.agents().map((a) => ({ ...a, on: node.idHex }));
    for (const s of swarm ? await swarm.stats() : []) rows.push(...s.agents.map((a) => ({ ...a, on: s.id })));
    if (processId) rows.push(...(await dashboardOf(processId).agents()).map((a) => ({ ...a, on: processId })));
    // Each agent's methods, as any node learns them: describe() asked of the node hosting it, once per agent and
    // place, in the background (the table shows '…' until the answer is in; a failed ask is tried again).
    for (const a of rows) {
      const key = a.name + '@' + a.on;
      if (methods.has(key)) continue;
      methods.set(key, undefined);
      host.describe(a.name).then(
        (d) => methods.set(key, d.methods.map((m) => m.name + '/' + m.params).sort().join(', ')),
        () => methods.delete(key),
      );
    }
    live.update({ peers, rows, methods });
    const targets = [['page', node.idHex], ...members().map((w) => ['worker ' + w.index, w.id]), ...(processId ? [['relay', processId]] : [])];
    document.getElementById('agents').innerHTML = rows.map((a) => '<tr data-agent="' + esc(a.name) + '"><td>' + esc(a.name) + '</td><td>' + esc(a.kind) +
      '</td><td data-where>' + esc(nameOf(a.on)) + '</td><td data-methods><code>' + esc(methods.get(a.name + '@' + a.on) ?? '…') + '</code></td><td>' + (a.name === 'counter' ? calls.last : '') + '</td><td>' + a.calls + '</td><td>' +
      targets.map(([t, id]) => '<button data-migrate="' + t + '"' + (a.on === id ? ' disabled' : '') + '>→ ' + (t === 'relay' ? 'relay process' : t) + '</button>').join(' ') +
      '</td></tr>').join('');
  }
  document.getElementById('agents').addEventListener('click', (event) => {
    const target = event.target.closest('button[data-migrate]');
    if (!target || target.disabled) return;
    target.disabled = true;
    migrateTo(target.dataset.migrate).catch((e) => { calls.errors.push('migration: ' + e.message); }).finally(() => refresh().catch(() => {}));
  });
  setInterval(() => refresh().catch(() => {}), 500);
  await refresh().catch(() => {});
  window.dashboard = {
    ready: true,
    ids: { page: node.idHex, relay: processId, get workers() { return workerIds(); } },
    workerLinks,
    calls: () => ({ ok: calls.ok, failed: calls.failed, last: calls.last, errors: calls.errors.slice() }),
    losses: () => losses.slice(),
    where: async () => nameOf(await host.locate('counter')),
    migrateTo,
    traceCall: live.traceCall,
    live: () => ({ snapshot: live.snapshot(), moves: live.moves() }),
    stop: () => { stopped = true; },
    node,
    host,
    swarm,
  };
})();
</script>
</body>
</html>
`;
}
