// Chaos over the in-process pair and over real WebSockets: every link passes through a fault-injecting wrapper
// (drops, delays, duplicates, corrupted bytes, random cuts; seeded). Acked delivery must lose, duplicate and
// reorder nothing, and every call must end — answered or with a typed error.
import { afterAll, expect, it } from 'vitest';
import { Relay } from '../src/relay/relay.js';
import { startRelay } from '../src/relay/node.js';
import { memoryPair } from '../src/transport/memory.js';
import { connectWebSocket } from '../src/transport/websocket.js';
import { formatChaos, runChaos } from './fixtures/chaos.js';

const cleanup: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

const FAULTS = { drop: 0.01, dropCutMs: 30, delay: 0.1, maxDelayMs: 10, duplicate: 0.03, corrupt: 0.02, disconnect: 0.01 };
const relayOptions = { requireChecksum: true, heartbeatIntervalMs: 0, maxUnacked: 50_000, resumeTimeoutMs: 120_000 };

it('in-process pair: 20,000 acked messages through every kind of fault, exactly once and in order', async () => {
  const relay = new Relay(relayOptions);
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
