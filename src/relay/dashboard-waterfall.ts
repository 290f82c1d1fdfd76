// The dashboard's trace waterfalls, as a script the page inlines: swWaterfall(container, traces, names) shows each
// recent trace (the relay's /dashboard.json) as rows, one per hop the relay saw: who sent it to whom, the module
// and method when the page knows the name behind the hash, and a bar from when the relay saw it to when its answer
// came back, on the trace's own time scale. Plain DOM: no dependency. Rows carry data-trace / data-hop for tests.

/** The script's source: defines window.swWaterfall. */
export const DASHBOARD_WATERFALL = `
(() => {
  const esc = window.swEsc;
  const ms = (v) => (v < 10 ? v.toFixed(2) : v.toFixed(1)) + ' ms';
  // names: { node(id), module(hex), method(hex) } -> a name, or undefined when unknown.
  window.swWaterfall = (container, traces, names, shown = 6) => {
    container.innerHTML = traces.length === 0 ? '<p class="sub">No traced frame has passed the relay yet: press “trace a call”, or trace calls with traceWithOpenTelemetry().</p>' :
      traces.slice(0, shown).map((t) => {
        const end = Math.max(...t.hops.map((h) => h.answered ?? h.at));
        const span = Math.max(end - t.start, 0.001);
        const rows = t.hops.map((h, i) => {
          const module = names.module(h.module), method = names.method(h.method);
          const what = module || method ? esc((module || h.module.slice(0, 8) + '…') + '.' + (method || h.method)) : '';
          const left = ((h.at - t.start) / span) * 100;
          const width = h.answered === undefined ? 0 : ((h.answered - h.at) / span) * 100;
          const took = h.answered !== undefined ? ms(h.answered - h.at) : h.type === 'Request' ? 'no answer yet' : 'one way';
          return '<div class="hop" data-hop="' + i + '" data-type="' + esc(h.type) + '"><span class="hop-what">' + esc(names.node(h.from)) + ' → ' + esc(names.node(h.to)) +
            ' <code>' + what + '</code> <small>' + esc(h.type) + '</small></span><span class="hop-track"><span class="hop-bar' + (h.answered === undefined ? ' one-way' : '') +
            '" style="left:' + left.toFixed(2) + '%;width:' + width.toFixed(2) + '%"></span></span><span class="hop-ms">+' + ms(h.at - t.start) + ' · ' + took + '</span></div>';
        }).join('');
        return '<div class="trace" data-trace="' + esc(t.traceId) + '"><div class="trace-head"><code>' + esc(t.traceId) + '</code> · ' + t.hops.length + ' hop' + (t.hops.length === 1 ? '' : 's') +
          (t.dropped ? ' (+' + t.dropped + ' not kept)' : '') + ' · ' + ms(end - t.start) + ' · ' + new Date(t.start).toLocaleTimeString() + '</div>' + rows + '</div>';
      }).join('');
  };
})();
`;
