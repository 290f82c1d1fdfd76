// Runs in the page: calls the agent in a Web Worker (e2e/pages/rpc-worker.js) over a session on connectWorker()
// — the shared-memory ring on a cross-origin isolated page, postMessage otherwise — and reports plain JSON.
import { connectSession, connectWorker, proxy, withOptions, wrap } from 'swarmwire';

interface Agent {
  where(): string;
  add(a: number, b: number): number;
  notify(message: string, callback: (text: string) => Promise<void>): Promise<string>;
  countdown(from: number): AsyncGenerator<number>;
  fail(): never;
  hang(): Promise<void>;
}

export async function runWorkerRpc() {
  const worker = new Worker(new URL('../pages/rpc-worker.js', location.href));
  let kind = '';
  const session = await connectSession(async () => {
    const t = await connectWorker(worker);
    kind = t.kind;
    return t;
  }, { heartbeatIntervalMs: 0, reconnect: false });
  const remote = wrap<Agent>(session, { name: 'agent', timeoutMs: 5_000 });
  const seen: string[] = [];
  const notify = await remote.notify('hi', proxy(async (text: string) => void seen.push(text)));
  const countdown: number[] = [];
  for await (const n of await remote.countdown(4)) countdown.push(n);
  const error = (await (remote.fail as () => Promise<never>)().catch((e: unknown) => e)) as Error;
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 30);
  const cancel = (await withOptions(remote, { signal: controller.signal }).hang().catch((e: unknown) => e)) as { code: string };
  const t0 = performance.now();
  const inFlight = await Promise.all(Array.from({ length: 2_000 }, (_, i) => remote.add(i, 1)));
  const ms = performance.now() - t0;
  const report = {
    kind, crossOriginIsolated: globalThis.crossOriginIsolated, where: await remote.where(), notify, seen, countdown,
    error: { isRangeError: error instanceof RangeError, message: error.message }, cancel: cancel.code,
    inFlightOk: inFlight.every((v, i) => v === i + 1), callsPerSecond: Math.round(2_000 / (ms / 1000)),
  };
  session.close();
  worker.terminate();
  return report;
}
