// A swarm of agents in worker threads, each linked to this thread by a shared-memory ring (postMessage where shared
// memory is missing) and called through a typed proxy. In a browser page it is the same code with
// `new Worker(url, { type: 'module' })` and a worker script bundled from agent.mjs.
//   node swarm.mjs [workers]     (default 4)
import { Worker } from 'node:worker_threads';
import { connectWorker, wrap } from 'swarmwire';

const count = Number(process.argv[2] ?? 4);
const workers = Array.from({ length: count }, (_, index) => new Worker(new URL('./agent.mjs', import.meta.url), { workerData: { index } }));
try {
  const links = await Promise.all(workers.map((worker) => connectWorker(worker))); // loads the wasm core for the rings
  const agents = links.map((link) => wrap(link, { name: 'agent', timeoutMs: 10_000 }));

  // Fan a job out: each agent sums its own slice of 1..1,000,000.
  const n = 1_000_000;
  const slice = Math.ceil(n / count);
  const parts = await Promise.all(agents.map((agent, i) => agent.sum(i * slice + 1, Math.min(n, (i + 1) * slice))));
  for (const [i, part] of parts.entries()) console.log(`agent ${await agents[i].who()} over a ${links[i].kind} link: ${part}`);
  console.log(`total: ${parts.reduce((a, b) => a + b, 0)} (expected ${(n * (n + 1)) / 2})`);
  for (const link of links) link.close();
} finally {
  await Promise.all(workers.map((worker) => worker.terminate()));
}
