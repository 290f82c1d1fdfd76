// A relay on Node: peers connect over WebSocket at /ws, its dashboard is at /. The same as `npx swarmwire relay`,
// in code, where you can add options (origins allowed, rate limits, a Redis bridge).
//   node relay.mjs [port]        (default 8787; 0 picks a free one)
import { startRelay } from 'swarmwire/node';

const server = await startRelay({ port: Number(process.argv[2] ?? 8787) });
console.log(`relay listening on ${server.wsUrl} (dashboard ${server.url}); Ctrl-C to stop`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await server.close(); // says Goodbye to every peer
    process.exit(0);
  });
}
