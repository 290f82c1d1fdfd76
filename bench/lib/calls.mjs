// The two RPC measurements the rpc and lite suites share: calls/s with a window of calls in flight, and the round
// trip of one call at a time. `call(i)` must resolve to i + 1 (add(i, 1)), so a wrong answer cannot pass as fast.

/** The p-th quantile (0..1) of `xs`. */
export const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

/** Calls/s with `window` calls in flight, `total` calls in all. */
export async function throughput(call, total, window = 1000) {
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next < total) {
      const i = next++;
      if ((await call(i)) !== i + 1) throw new Error('wrong answer');
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return total / ((performance.now() - t0) / 1000);
}

/** Round-trip times in µs, one call in flight. */
export async function latencies(call, count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await call(i);
    out.push((performance.now() - t0) * 1000);
  }
  return out;
}

/**
 * Starts bench/lib/rpc-servers.mjs (every library's `add(a, b)` callee) in a worker thread. Returns the worker, the
 * caller ends of its MessagePorts by library name, and the ports its WebSocket servers listen on.
 */
export async function startRpcServers() {
  const { MessageChannel, Worker } = await import('node:worker_threads');
  const channels = Object.fromEntries(['comlink', 'birpc', 'capnweb', 'swarmwire', 'swarmwireSession'].map((n) => [n, new MessageChannel()]));
  const ports = Object.fromEntries(Object.entries(channels).map(([n, c]) => [n, c.port2]));
  const worker = new Worker(new URL('./rpc-servers.mjs', import.meta.url), { workerData: { ports }, transferList: Object.values(ports) });
  const wsPorts = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { worker, channels, wsPorts };
}
