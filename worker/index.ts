// The worker entry: a page starts it as a Web Worker (dist/worker.global.js, a classic script; dist/worker-browser.js
// for bundlers) or Node as a worker_threads Worker (swarmwire/worker), through startSwarm(). It is a swarm worker with
// no agent kinds of its own: a mesh node with an agent host, linked to its parent over the shared-memory ring (or
// postMessage), which imports the modules its parent names (LoadModule) and hosts their agents.
import { startSwarmWorker } from '../src/index.js';

startSwarmWorker().catch((error: unknown) => {
  // The parent has been told (a 'failed' message) and ends this worker; the console says why to whoever looks.
  console.error(`[swarmwire] worker entry: ${String((error as Error)?.stack ?? error)}`);
});
