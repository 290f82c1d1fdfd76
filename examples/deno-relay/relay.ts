// A relay in Deno: the same Relay as on Node behind Deno.serve, with WebTransport at /wt beside WebSocket at /ws.
// `npx swarmwire relay --deno` runs the packaged one; this is the code to start from for your own server.
//   deno run --allow-net --allow-read --unstable-net relay.ts [port]   (default 8787; 0 picks a free one)
import { startDenoRelay } from 'swarmwire/relay/deno';

const server = await startDenoRelay({ port: Number(Deno.args[0] ?? 8787) });
console.log(`relay listening on ${server.wsUrl}${server.wtUrl ? ` and ${server.wtUrl} (certificate sha-256 ${server.certificateHash})` : ''}`);

Deno.addSignalListener('SIGINT', async () => {
  await server.close();
  Deno.exit(0);
});
