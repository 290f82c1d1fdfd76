// The script of the dashboard's worker agents: each Web Worker is a mesh node of its own that hosts agents. Its page
// links to it with connectWorker() — over the shared-memory ring on the cross-origin isolated dashboard, over
// postMessage on a page that is not — and the worker answers with acceptWorker(); page ↔ worker calls and migrations
// take that link. The worker also joins the relay over WebSocket, so the relay lists it and an agent can move
// straight between the worker and the relay's Node process. It serves the same `dashboard` module as the relay
// process, and posts its node id to the page once it accepts links and reached the relay.

/** The worker's JavaScript, a classic script (importScripts works on both isolated and plain pages). */
export function agentWorkerScript(): string {
  return `importScripts('/swarmwire.global.js');
const sw = self.swarmwire;
class Counter {
  count = 0;
  increment(by = 1) { this.count += by; return this.count; }
  get() { return this.count; }
}
(async () => {
  const node = await sw.MeshNode.create({ capabilities: ['worker'], metadata: { name: self.name || 'worker' }, heartbeatIntervalMs: 2000, loadIntervalMs: 1000 });
  const host = new sw.AgentHost(node, { callTimeoutMs: 10000 });
  host.define('Counter', () => new Counter());
  const dashboard = { agents: () => host.agents(), stats: () => node.stats(), migrate: (name, to) => host.migrate(name, to) };
  node.onLink((link) => sw.expose(dashboard, link, { name: 'dashboard' }));
  // The page's link. 'async' waits (Atomics.waitAsync) keep this worker's event loop free for its WebSocket and timers.
  await sw.acceptWorker((t) => void node.accept(t).catch(() => {}), { wait: 'async' });
  await node.connect(() => sw.connectWebSocket(location.origin.replace(/^http/, 'ws') + '/ws'));
  postMessage({ id: node.idHex });
})().catch((e) => postMessage({ error: String((e && e.stack) || e) }));
`;
}
