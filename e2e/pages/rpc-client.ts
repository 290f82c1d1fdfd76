// Runs in the page: calls the Node agent of e2e/rpc.e2e.test.ts over a WebSocket session and reports plain JSON.
import { connectSession, connectWebSocket, connectWebTransport, describe, proxy, withOptions, wrap } from 'swarmwire';

export interface Agent {
  add(a: number, b: number): number;
  notify(message: string, callback: (text: string) => Promise<void>): Promise<string>;
  countdown(from: number): AsyncGenerator<number>;
  sum(numbers: ReadableStream<number>): Promise<number>;
  fail(): never;
  hang(): Promise<void>;
}

export interface RpcReport {
  add: number;
  notify: string;
  seen: string[];
  countdown: number[];
  sum: number;
  error: { isTypeError: boolean; message: string; code: unknown; cause: string };
  cancel: { name: string; code: string; status: number };
  timeout: { code: string; status: number };
  methods: string[];
  inFlight: number[];
}

/** Where the agent is: a WebSocket URL, or a WebTransport URL with its certificate's SHA-256 (hex). */
export type Target = { ws: string } | { wt: string; hash: string };

export async function runRpc(target: Target): Promise<RpcReport & { kind: string }> {
  const session = await connectSession(
    () => ('ws' in target ? connectWebSocket(target.ws) : connectWebTransport(target.wt, { serverCertificateHashes: [target.hash] })),
    { heartbeatIntervalMs: 0, reconnect: false },
  );
  const kind = session.transportKind ?? '';
  const remote = wrap<Agent>(session, { name: 'agent', timeoutMs: 5_000 });
  const seen: string[] = [];
  const notify = await remote.notify('hi', proxy(async (text: string) => void seen.push(text)));
  const countdown: number[] = [];
  for await (const n of await remote.countdown(5)) countdown.push(n);
  const sum = await remote.sum(new ReadableStream<number>({
    start(c) {
      for (let i = 1; i <= 10; i++) c.enqueue(i);
      c.close();
    },
  }));
  const e = await (remote.fail as () => Promise<never>)().catch((x: unknown) => x as TypeError & { code: unknown });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const c = await withOptions(remote, { signal: controller.signal }).hang().catch((x: unknown) => x as { name: string; code: string; status: number });
  const t = await withOptions(remote, { timeoutMs: 30 }).hang().catch((x: unknown) => x as { code: string; status: number });
  const report: RpcReport & { kind: string } = {
    kind,
    add: await remote.add(2, 3),
    notify, seen, countdown, sum,
    error: { isTypeError: e instanceof TypeError, message: e.message, code: e.code, cause: String((e.cause as Error)?.message) },
    cancel: { name: (c as { name: string }).name, code: (c as { code: string }).code, status: (c as { status: number }).status },
    timeout: { code: (t as { code: string }).code, status: (t as { status: number }).status },
    methods: (await describe(remote)).methods.map((m) => m.name).sort(),
    inFlight: await Promise.all(Array.from({ length: 500 }, (_, i) => remote.add(i, i))),
  };
  session.close();
  return report;
}
