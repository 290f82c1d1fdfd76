// The relay's status page: it joins the relay as a peer over WebSocket (script-tag build), then shows the relay's
// counters and peers, refreshed every second through plain Request frames to the built-in module `relay`.
// Given a WebTransport endpoint (the Deno relay), it tries that first and falls back to WebSocket.

/** Where the page finds the relay's WebTransport endpoint: port, path and certificate hash (hex). */
export interface PageWebTransport {
  port: number;
  path: string;
  hash: string;
}

/** The page's HTML. It loads /swarmwire.global.js from the same relay. */
export function relayPage(webtransport?: PageWebTransport): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>swarmwire relay</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d2330; background: #f7f8fa; }
  h1 { font-size: 1.4rem; margin: 0 0 .2rem; }
  .sub { color: #5b6475; margin-bottom: 1.2rem; }
  .cards { display: flex; gap: .8rem; flex-wrap: wrap; margin-bottom: 1.2rem; }
  .card { background: #fff; border: 1px solid #dde1e8; border-radius: 8px; padding: .6rem .9rem; min-width: 7rem; }
  .card b { display: block; font-size: 1.3rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #dde1e8; }
  th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #eef0f4; font-variant-numeric: tabular-nums; }
  th { background: #eef1f6; font-weight: 600; }
  code { font-size: 12px; }
  #status[data-state="open"] { color: #18794e; }
  #status[data-state="error"] { color: #c0362c; }
</style>
</head>
<body>
<h1>swarmwire relay</h1>
<div class="sub">This page is a peer too: <span id="status" data-state="connecting">connecting…</span></div>
<div class="cards" id="cards"></div>
<table>
  <thead><tr><th>node</th><th>role</th><th>name</th><th>transport</th><th>rtt (ms)</th><th>topics</th></tr></thead>
  <tbody id="peers"></tbody>
</table>
<script src="/swarmwire.global.js"></script>
<script>
(async () => {
  const sw = window.swarmwire;
  const status = document.getElementById('status');
  const wsUrl = location.origin.replace(/^http/, 'ws') + '/ws';
  const relayModule = sw.fnv1a64('relay');
  const pending = new Map();
  let session;
  try {
    const wt = ${JSON.stringify(webtransport ?? null).replace(/</g, '\\u003c')};
    const dial = wt
      ? () => sw.connectFallback({ websocket: wsUrl, webtransport: 'https://' + location.hostname + ':' + wt.port + wt.path, webtransportOptions: { serverCertificateHashes: [wt.hash] } })
      : () => sw.connectWebSocket(wsUrl);
    session = await sw.connectSession(dial, { metadata: { name: 'status page' }, heartbeatIntervalMs: 2000 });
  } catch (e) {
    status.dataset.state = 'error';
    status.textContent = 'cannot connect: ' + e.message;
    return;
  }
  session.on('frame', (f) => {
    const p = pending.get(Number(f.requestId));
    if (!p) return;
    pending.delete(Number(f.requestId));
    const body = sw.decodeBody(f);
    f.type === sw.MessageType.Response ? p.resolve(body) : p.reject(new Error(body.message));
  });
  session.on('open', () => { status.dataset.state = 'open'; status.textContent = 'connected as ' + hex(session.nodeId).slice(0, 8) + '…'; });
  session.on('disconnect', () => { status.dataset.state = 'connecting'; status.textContent = 'reconnecting…'; });
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  status.dataset.state = 'open';
  status.textContent = 'connected as ' + hex(session.nodeId).slice(0, 8) + '…';
  const call = (method, args = []) => new Promise((resolve, reject) => {
    const id = session.send({ type: sw.MessageType.Request, moduleId: relayModule, methodHash: sw.fnv1a32(method), body: args });
    pending.set(id, { resolve, reject });
    setTimeout(() => pending.delete(id) && reject(new Error(method + ' timed out')), 5000);
  });
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  async function refresh() {
    if (session.state !== 'open') return;
    const [stats, peers] = await Promise.all([call('stats'), call('peers')]);
    document.getElementById('cards').innerHTML = [
      ['peers', stats.peers], ['frames in', stats.framesIn], ['frames out', stats.framesOut],
      ['routed', stats.routed], ['broadcasts', stats.broadcasts], ['errors', stats.errors],
      ['uptime', Math.round(stats.uptimeMs / 1000) + ' s'],
    ].map(([k, v]) => '<div class="card">' + k + '<b data-stat="' + k + '">' + esc(v) + '</b></div>').join('');
    document.getElementById('peers').innerHTML = peers.map((p) => '<tr data-peer="' + p.id + '"><td><code>' + p.id.slice(0, 12) +
      '…</code></td><td>' + esc(p.role) + '</td><td>' + esc(p.metadata.name ?? '') + '</td><td>' + esc(p.transport) + '</td><td>' +
      (p.rtt === null ? '–' : p.rtt) + '</td><td>' + esc(p.topics.join(', ')) + '</td></tr>').join('');
  }
  setInterval(() => refresh().catch(() => {}), 1000);
  refresh().catch(() => {});
  session.ping().catch(() => {});
})();
</script>
</body>
</html>
`;
}
