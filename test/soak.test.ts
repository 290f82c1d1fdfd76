// The soak's short version (npm run soak is 1,000 peers for 10 minutes): a relay in a child process, 200 peers
// over WebSocket sending acked Routed frames at a steady rate, two slow consumers that stop reading. Nothing may be
// lost or duplicated, the slow consumers must be dropped, and the relay's memory must not climb.
import { expect, it } from 'vitest';
import { runSoak } from '../soak/soak.mjs';

it('200 peers for 20 s: no loss, slow consumers dropped, relay memory flat', async () => {
  const report = await runSoak({ peers: 200, seconds: 20, rate: 2, slow: 2, sampleEvery: 5 });
  const { rows, ...summary } = report;
  console.log('[soak]', JSON.stringify(summary));
  expect(report.sent).toBeGreaterThan(200 * 2 * 20 * 0.8);
  expect({ lost: report.lost, duplicates: report.duplicates }).toEqual({ lost: 0, duplicates: 0 });
  // A send may be refused only by backpressure (typed), never by anything else.
  for (const code of Object.keys(report.sendErrorCodes)) expect(['SW_ERR_SESSION_FULL', 'SW_ERR_TRANSPORT_FULL']).toContain(code);
  expect(report.slowDropped).toBe(2);
  expect(report.relayPeersAtEnd).toBe(200);
  // Flat: what the relay holds after warm-up does not grow with the messages it carries (generous for GC timing).
  expect(report.rssEndMiB - report.rssWarmMiB).toBeLessThan(64);
  expect(rows.length).toBeGreaterThanOrEqual(3);
}, 90_000);
