// The dashboard's live views, as a script the page inlines: every second it reads the relay's /dashboard.json
// (src/relay/dashboard-traffic.ts) and draws the traffic plots (swPlot), the topology (swTopology) with the agent
// moves it sees, and the recent traces (swWaterfall). swLive(ctx) starts it with what the page's own script knows
// (its node, agent host, the relay's module, the names it gives nodes); update(view) hands it each refresh's peers
// and agents; traceCall() makes one traced call for the waterfall with a small tracer of its own.

/** The script's source: defines window.swLive. */
export const DASHBOARD_LIVE = `
(() => {
  const WINDOW_MS = 180000;
  const HISTORY = 300;
  const hex = (bytes) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
  const esc = window.swEsc;

  // ctx: { sw, node, host, relay (the relay module's proxy), relayId, processId, dashboardOf(id), nameOf(id), pageCalls() }
  window.swLive = (ctx) => {
    const el = (id) => document.getElementById(id);
    const pageSeries = []; // [second start, calls, p50 ms] on the page's clock
    let snap; // the last /dashboard.json
    let offset = 0; // the relay's clock minus the page's
    let view = { peers: [], rows: [], methods: new Map() };
    const where = new Map(); // agent -> the node it was last seen on
    const moves = []; // most recent first: { name, from, to, at, by }
    const relayMovesSeen = new Set();

    const nodeName = (id) => {
      if (id === (snap ? snap.relay : ctx.relayId)) return 'relay';
      const named = ctx.nameOf(id);
      const peer = view.peers.find((p) => p.id === id);
      return named.endsWith('…') && peer && peer.metadata.name ? peer.metadata.name : named;
    };
    const hex64 = (name) => ctx.sw.wire.fnv1a64(name).toString(16).padStart(16, '0');
    const hex32 = (name) => ctx.sw.wire.fnv1a32(name).toString(16).padStart(8, '0');
    const names = () => {
      const modules = new Map(['relay', 'dashboard', ...view.rows.map((a) => a.name)].map((m) => [hex64(m), m]));
      const known = ['echo', 'stats', 'peers', 'agents', 'migrate'];
      for (const d of view.methods.values()) if (d) known.push(...d.split(', ').map((m) => m.split('/')[0]));
      const methods = new Map(known.map((m) => [hex32(m), m]));
      return { node: nodeName, module: (h) => modules.get(h), method: (h) => methods.get(h) };
    };

    function addMove(move) {
      moves.unshift(move);
      if (moves.length > 20) moves.pop();
      swTopology.move(el('topology'), move.from, move.to, move.name);
      el('moves').innerHTML = moves.map((m) => '<li data-move="' + esc(m.name) + '"><b>' + esc(m.name) + '</b> ' + esc(nodeName(m.from)) + ' → ' + esc(nodeName(m.to)) +
        ' <small>' + new Date(m.at).toLocaleTimeString() + (m.by === 'relay' ? ', seen by the relay' : '') + '</small></li>').join('');
    }

    function drawPlots() {
      const to = snap ? snap.now : Date.now(), from = to - WINDOW_MS;
      const s = snap ? snap.series : [];
      const page = (i) => pageSeries.map((p) => [p[0] + offset, p[i]]);
      swPlot(el('plot-rate'), { from, to, unit: '/s', lines: [
        { label: 'frames in (relay)', color: '#5b6475', points: s.map((b) => [b.t, b.frames]) },
        { label: 'calls through the relay', color: '#2f6fdf', points: s.map((b) => [b.t, b.calls]) },
        ...(snap && snap.uplink ? [{ label: 'frames from Redis', color: '#c0362c', dash: true, points: s.map((b) => [b.t, b.uplink || 0]) }] : []),
        { label: 'page calls', color: '#18794e', dash: true, points: page(1) },
      ] });
      swPlot(el('plot-latency'), { from, to, unit: 'ms', lines: [
        { label: 'p50', color: '#2f6fdf', points: s.map((b) => [b.t, b.p50]) },
        { label: 'p95', color: '#f59f00', points: s.map((b) => [b.t, b.p95]) },
        { label: 'p99', color: '#c0362c', points: s.map((b) => [b.t, b.p99]) },
        { label: 'page calls p50', color: '#18794e', dash: true, points: page(2) },
      ] });
    }

    function drawTopology() {
      const relayId = snap ? snap.relay : ctx.relayId;
      const on = new Map();
      for (const a of view.rows) on.set(a.on, [...(on.get(a.on) || []), a.name]);
      const nodes = [{ id: relayId, label: 'relay', role: 'relay', agents: on.get(relayId) || [] }];
      const links = [];
      for (const p of view.peers) {
        if (p.id === relayId) continue;
        nodes.push({ id: p.id, label: nodeName(p.id), role: p.role, agents: on.get(p.id) || [], here: p.id === ctx.node.idHex });
        links.push({ a: relayId, b: p.id, transport: p.transport });
      }
      // The page's own links (to its workers: the ring), beside the ones every node has to the relay.
      for (const c of ctx.node.stats().connections) if (c.peer !== relayId && nodes.some((n) => n.id === c.peer)) links.push({ a: ctx.node.idHex, b: c.peer, transport: c.transport });
      if (snap && snap.uplink) {
        nodes.push({ id: 'redis', label: 'other relays (Redis)', role: 'redis', agents: [] });
        links.push({ a: relayId, b: 'redis', transport: 'redis' });
        // Nodes on other relays whose frames came through Redis lately: behind the Redis node.
        for (const r of snap.remote || []) {
          if (nodes.some((n) => n.id === r.id)) continue;
          nodes.push({ id: r.id, label: nodeName(r.id), role: 'remote', agents: on.get(r.id) || [] });
          links.push({ a: 'redis', b: r.id, transport: 'redis' });
        }
      }
      swTopology.draw(el('topology'), { nodes, links });
      // Moves the relay saw (a commit passed it) that the page did not see itself.
      for (const m of snap ? snap.moves : []) {
        const key = m.name + '@' + m.at;
        if (relayMovesSeen.has(key)) continue;
        relayMovesSeen.add(key);
        const seen = moves.some((p) => p.name === m.name && p.to === m.to && Math.abs(p.at + offset - m.at) < 5000);
        if (!seen) addMove({ ...m, at: m.at - offset, by: 'relay' });
      }
    }

    async function tick() {
      const now = Date.now();
      const recent = ctx.pageCalls().filter((c) => now - c.at < 1000).map((c) => c.ms).sort((a, b) => a - b);
      pageSeries.push([now - 1000, recent.length, recent.length ? recent[Math.floor(recent.length / 2)] : null]);
      if (pageSeries.length > HISTORY) pageSeries.shift();
      try {
        const response = await fetch('/dashboard.json', { cache: 'no-store' });
        if (response.ok) { snap = await response.json(); offset = snap.now - Date.now(); }
      } catch {
        // a relay that does not serve /dashboard.json (an older one): the page's own series only
      }
      drawPlots();
      drawTopology();
      swWaterfall(el('traces'), snap ? snap.traces : [], names());
    }

    /** One traced operation: the counter's get, the relay's stats and the relay process's agents, in one trace. */
    async function traceCall() {
      const traceId = hex(16);
      let active;
      const span = (context) => ({ context, event() {}, end() {}, run(fn) { const was = active; active = context; try { return fn(); } finally { active = was; } } });
      // Only spans started inside this operation join its trace: the calls that keep flowing meanwhile carry none.
      const child = () => (active ? { traceId, spanId: hex(8), flags: 1 } : undefined);
      const tracer = { client: () => span(child()), internal: () => span(child()), server: (info, parent) => span(parent && parent.traceId === traceId ? { traceId, spanId: hex(8), flags: 1 } : undefined), active: () => active };
      const previous = ctx.sw.setTracer(tracer);
      const errors = [];
      try {
        await span({ traceId, spanId: hex(8), flags: 1 }).run(() => Promise.all([
          view.rows.some((a) => a.name === 'counter') ? ctx.host.call('counter', 'get', []) : undefined,
          ctx.relay.stats(),
          ctx.processId ? ctx.dashboardOf(ctx.processId).agents() : undefined,
        ].map((p) => Promise.resolve(p).catch((e) => errors.push(String(e && e.message || e))))));
      } finally {
        ctx.sw.setTracer(previous);
      }
      await tick();
      return { traceId, errors };
    }

    setInterval(() => tick().catch(() => {}), 1000);
    tick().catch(() => {});
    el('trace-call').addEventListener('click', () => traceCall().catch(() => {}));
    return {
      update(next) {
        view = next;
        for (const a of next.rows) {
          if (next.rows.filter((b) => b.name === a.name).length !== 1) continue; // mid-move: listed twice
          const before = where.get(a.name);
          if (before && before !== a.on) addMove({ name: a.name, from: before, to: a.on, at: Date.now(), by: 'page' });
          where.set(a.name, a.on);
        }
      },
      traceCall,
      snapshot: () => snap,
      moves: () => moves.slice(),
    };
  };
})();
`;
