// Runs in the page of e2e/edge-migration.e2e.test.ts: a mesh node with an agent host in a room of the Durable Object
// relay (workerd), holding the Counter the test moves page → Durable Object → Node and back. The test drives it
// through these functions and reads plain JSON back.
import { AgentHost, MeshNode, connectWebSocket } from 'swarmwire';
import { Counter } from '../../test/fixtures/counter-agent.js';
import { keepCalling } from '../../test/fixtures/calls.js';

let host: AgentHost | undefined;
let flows: ReturnType<typeof keepCalling> | undefined;

function the(): AgentHost {
  if (!host) throw new Error('call join() first');
  return host;
}

/** Joins the room at `url` and hosts a Counter named `name` (with `bytes` of data) here. Resolves with this node's id. */
export async function join(url: string, name: string, bytes: number): Promise<string> {
  const node = await MeshNode.create({ role: 'core', heartbeatIntervalMs: 0, loadIntervalMs: 0 });
  host = new AgentHost(node, { migrationTimeoutMs: 20_000, callTimeoutMs: 20_000, queryTimeoutMs: 2_000 });
  host.define('Counter', () => new Counter());
  const agent = new Counter();
  agent.data = Uint8Array.from({ length: bytes }, (_, i) => (i * 2654435761) >>> 24);
  host.expose(name, agent);
  await node.connect(() => connectWebSocket(url), { reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
  await node.discover(undefined, 2_000);
  return node.idHex;
}

/** Moves agent `name` from this page to node `to`. */
export const migrate = (name: string, to: string): Promise<string> => the().migrate(name, to);

/** The agents hosted in this page: name and state. */
export const agents = (): Array<{ name: string; state: string }> => the().agents().map(({ name, state }) => ({ name, state }));

/** Calls `method` of agent `name` wherever it is. */
export const call = (name: string, method: string): Promise<unknown> => the().call(name, method);

/** Starts `count` flows of increments on agent `name` from this page, until stopCalling(). */
export function startCalling(name: string, count: number): void {
  flows = keepCalling(() => the().call(name, 'increment'), count);
}

/** How many calls from this page have been answered so far. */
export const answered = (): number => flows?.results.length ?? 0;

/** Stops the flows and reports what every call returned or threw. */
export async function stopCalling(): Promise<{ results: number[]; errors: string[] }> {
  if (!flows) return { results: [], errors: [] };
  await flows.stop();
  return { results: flows.results, errors: flows.errors.map((e) => String((e as Error).message)) };
}

/** Leaves the room. */
export function leave(): void {
  host?.close();
  host?.node.close();
  host = undefined;
}
