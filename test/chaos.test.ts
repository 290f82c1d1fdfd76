// Chaos over the in-process pair and over real WebSockets: every link passes through a fault-injecting wrapper
// (drops, delays, duplicates, corrupted bytes, random cuts; seeded). Acked delivery must lose, duplicate and
// reorder nothing, and every call must end — answered or with a typed error.
import { afterAll, expect, it } from 'vitest';
import { Relay } from '../src/relay/relay.js';
import { startRelay } from '../src/relay/node.js';
import { memoryPair } from '../src/transport/memory.js';
import { connectWebSocket } from '../src/transport/websocket.js';
import { SessionHost } from '../src/session/host.js';
import { connectSession } from '../src/session/connect.js';
import type { Session } from '../src/session/session.js';
import { faulty, type FaultyTransport } from '../src/transport/faulty.js';
import { expose } from '../src/rpc/expose.js';
import { wrap } from '../src/rpc/wrap.js';
import { SwarmwireError } from '../src/wire/errors.js';
import { formatChaos, runChaos } from './fixtures/chaos.js';

const cleanup: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

const FAULTS = { drop: 0.01, dropCutMs: 30, delay: 0.1, maxDelayMs: 10, duplicate: 0.03, corrupt: 0.02, disconnect: 0.01 };
const relayOptions = { requireChecksum: true, heartbeatIntervalMs: 0, maxUnacked: 50_000, resumeTimeoutMs: 120_000 };

it('in-process pair: 20,000 acked messages through every kind of fault, exactly once and in order', async () => {
  const relay = await Relay.create(relayOptions);
  cleanup.push(() => relay.close());
  const { report, close } = await runChaos({
    name: 'memory', total: 20_000, faults: { ...FAULTS, seed: 11 },
    connect: () => {
      const [a, b] = memoryPair();
      relay.accept(b).catch(() => {});
      return a;
    },
  });
  cleanup.push(close);
  console.log(formatChaos(report));
  expect(report.disconnects).toBeGreaterThanOrEqual(5);
  expect(report.faults.corrupted).toBeGreaterThan(0);
  expect(report.faults.duplicated).toBeGreaterThan(0);
  expect(report.damagedDetected).toBeGreaterThan(0);
  expect({ lost: report.lost, duplicated: report.duplicated, outOfOrder: report.outOfOrder, hung: report.callsHung })
    .toEqual({ lost: 0, duplicated: 0, outOfOrder: 0, hung: 0 });
  expect(report.callsAnswered + report.callsFailedClearly).toBe(report.calls);
}, 120_000);

it('WebSocket through the Node relay: 10,000 acked messages through every kind of fault, exactly once and in order', async () => {
  const server = await startRelay({ port: 0, ...relayOptions });
  cleanup.push(() => server.close());
  const { report, close } = await runChaos({
    name: 'websocket', total: 10_000, faults: { ...FAULTS, seed: 23 },
    connect: () => connectWebSocket(server.wsUrl),
  });
  cleanup.push(close);
  console.log(formatChaos(report));
  expect(report.disconnects).toBeGreaterThanOrEqual(3);
  expect(report.faults.corrupted).toBeGreaterThan(0);
  expect({ lost: report.lost, duplicated: report.duplicated, outOfOrder: report.outOfOrder, hung: report.callsHung })
    .toEqual({ lost: 0, duplicated: 0, outOfOrder: 0, hung: 0 });
  expect(report.callsAnswered + report.callsFailedClearly).toBe(report.calls);
}, 120_000);

it('RPC over a faulty in-process link: 2,000 calls, each answered or failed with a typed error, none hung, none run twice', async () => {
  const host = new SessionHost(relayOptions);
  const runs = new Map<number, number>();
  const api = {
    async square(n: number): Promise<number> {
      runs.set(n, (runs.get(n) ?? 0) + 1);
      if (n % 7 === 0) await new Promise((r) => setTimeout(r, 2));
      return n * n;
    },
  };
  let seed = 101;
  const wrappers: FaultyTransport[] = [];
  const sessions: Array<Promise<Session>> = [];
  const client = await connectSession(() => {
    const [a, b] = memoryPair();
    const accepted = host.accept(b);
    accepted.catch(() => {});
    sessions.push(accepted);
    const t = faulty(a, { ...FAULTS, seed: seed++ });
    wrappers.push(t);
    return t;
  }, { requireChecksum: true, heartbeatIntervalMs: 0, reconnect: { initialDelayMs: 2, maxDelayMs: 40, maxAttempts: 10_000 } });
  cleanup.push(() => client.close(), () => host.close());
  expose(api, await sessions[0]!);
  const remote = wrap<typeof api>(client, { timeoutMs: 15_000 });

  const TOTAL = 2_000;
  const outcome = { answered: 0, wrong: 0, failedTyped: 0, failedOther: 0 };
  const settled: Array<Promise<void>> = [];
  for (let i = 0; i < TOTAL; i++) {
    settled.push(remote.square(i).then(
      (v) => void (v === i * i ? outcome.answered++ : outcome.wrong++),
      (e: unknown) => void (e instanceof SwarmwireError ? outcome.failedTyped++ : outcome.failedOther++),
    ));
    if (i % 20 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  let hung = 0;
  await Promise.race([Promise.all(settled), new Promise((r) => setTimeout(r, 30_000))]);
  const done = outcome.answered + outcome.wrong + outcome.failedTyped + outcome.failedOther;
  hung = TOTAL - done;
  const ranTwice = [...runs.values()].filter((n) => n > 1).length;
  const disconnects = wrappers.reduce((n, w) => n + w.stats.disconnects, 0);
  const corrupted = wrappers.reduce((n, w) => n + w.stats.corrupted, 0);
  console.log(`[chaos] rpc/memory: ${TOTAL} calls with ${disconnects} disconnects forced and ${corrupted} corruptions: ` +
    `${outcome.answered} answered, ${outcome.failedTyped} failed with a typed error, ${outcome.failedOther + outcome.wrong} wrong or untyped, ${hung} hung, ${ranTwice} ran twice`);
  expect(disconnects).toBeGreaterThanOrEqual(3);
  expect({ hung, wrong: outcome.wrong, untyped: outcome.failedOther, ranTwice }).toEqual({ hung: 0, wrong: 0, untyped: 0, ranTwice: 0 });
}, 120_000);
