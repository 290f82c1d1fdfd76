// The relay under soak, in its own process so its memory is measured alone. Tells the parent its port, then its
// memory and counters every `SOAK_SAMPLE_MS` (default 1,000) over IPC. Stops on SIGTERM or when the parent goes.
import { startRelay } from '../dist/node.js';

const server = await startRelay({
  port: 0,
  heartbeatIntervalMs: 5_000,
  resumeTimeoutMs: 10_000,
  // Room for every soak peer (SOAK_PEERS, set for `npm run soak` runs past the default) and the slow consumers.
  maxPeers: Math.max(5_000, Number(process.env.SOAK_PEERS ?? 0) + 100),
  // Every soak peer connects from 127.0.0.1: without this, the default (a quarter of maxPeers) would refuse most.
  maxPeersPerAddress: Infinity,
  // The soak's broadcasts measure delivery under load, not the per-sender budget (20,000 deliveries/s by default):
  // off, so the soak sends and counts what it did before the budget existed.
  maxBroadcastDeliveriesPerSecond: 0,
  maxUnackedBytes: 4 << 20,
  // A slow reader may make the relay hold this much for it before it is dropped with BackpressureRejection.
  webSocket: { maxBuffered: 1 << 20, highWaterMark: 256 << 10 },
});
const sample = () => {
  const m = process.memoryUsage();
  process.send?.({ kind: 'sample', t: performance.now(), rss: m.rss, heapUsed: m.heapUsed, external: m.external + m.arrayBuffers, stats: server.relay.stats() });
};
process.send?.({ kind: 'ready', port: server.port, wsUrl: server.wsUrl });
const timer = setInterval(sample, Number(process.env.SOAK_SAMPLE_MS ?? 1000));
const stop = async () => {
  clearInterval(timer);
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
