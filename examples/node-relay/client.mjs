// A client of a relay: a session (it reconnects by itself) and a typed proxy of the relay's built-in module, which
// answers `echo`, `peers` and `stats`. Works against any swarmwire relay: Node, Deno, or a Durable Object.
//   node client.mjs [url]        (default ws://127.0.0.1:8787/ws)
import { connectSession, connectWebSocket, wrap } from 'swarmwire';

const url = process.argv[2] ?? 'ws://127.0.0.1:8787/ws';
const session = await connectSession(() => connectWebSocket(url), { metadata: { name: 'example client' } });
console.log(`connected to ${url} over ${session.transportKind}`);

const relay = wrap(session, { name: 'relay', timeoutMs: 5_000 }); // every call has a deadline
console.log(`echo: ${await relay.echo('hello relay')}`);
const peers = await relay.peers();
console.log(`peers on the relay: ${peers.length} (${peers.map((p) => p.metadata.name ?? p.id.slice(0, 8)).join(', ')})`);

session.close();
