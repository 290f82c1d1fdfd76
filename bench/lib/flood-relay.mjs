// The flood bench's relay, alone in its process (default options, as `swarmwire relay` runs it): tells the parent its
// URL, then answers 'stats' with its memory, CPU time, event-loop delay and counters. Stops when the parent goes.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startRelay } from 'swarmwire/node';

// How late the relay's event loop runs (what honest frames wait behind), reset on each 'stats' answer.
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();

const server = await startRelay({ port: 0 });
process.send?.({ kind: 'ready', wsUrl: server.wsUrl });
process.on('message', (m) => {
  if (m === 'stats') {
    const { rss, heapUsed } = process.memoryUsage();
    process.send?.({ kind: 'stats', rss, heapUsed, loopDelayP99: delay.percentile(99) / 1e6, cpu: process.cpuUsage(), handshaking: server.handshaking, stats: server.relay.stats() });
    delay.reset();
  }
});
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
