// Deno side: a mesh node hosting agents, joined to a Node relay over WebSocket. It serves a `control` module so the
// test can ask it to migrate an agent, prints {"id": <node id>} once connected, and runs until killed.
//   deno run --allow-net --allow-read agent-host.js <bundle.js> <ws-url>
const [bundle, url] = Deno.args;
const sw = await import(new URL(bundle, 'file:///').href);

class Counter {
  count = 0;
  increment(by = 1) {
    this.count += by;
    return this.count;
  }
}

try {
  const node = await sw.MeshNode.create({ role: 'core', capabilities: ['deno'], metadata: { name: 'deno' }, heartbeatIntervalMs: 1000, loadIntervalMs: 500 });
  const host = new sw.AgentHost(node);
  host.define('Counter', () => new Counter());
  const control = {
    migrate: (name, to) => host.migrate(name, to),
    agents: () => host.agents(),
    runtime: () => `deno ${Deno.version.deno}`,
  };
  node.onLink((link) => sw.expose(control, link, { name: 'control' }));
  await node.connect(() => sw.connectWebSocket(url));
  console.log(JSON.stringify({ id: node.idHex }));
} catch (e) {
  console.log(JSON.stringify({ failed: String(e?.stack ?? e) }));
  Deno.exit(1);
}
