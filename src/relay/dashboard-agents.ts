// The dashboard's agent kinds as the ES module the Node relay serves at /dashboard-agents.js: the page imports it for
// its own counter, and names it to its swarm, whose workers load it (LoadModule). The relay process builds the same
// Counter from agents.ts, so the counter moves between all three.

/** The module's source. */
export const DASHBOARD_AGENTS = `// swarmwire dashboard agents: every exported class is an agent kind.
export class Counter {
  count = 0;
  increment(by = 1) { this.count += by; return this.count; }
  get() { return this.count; }
}
`;
