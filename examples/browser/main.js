// The page's script: the wasm core, a session to the relay, and a typed proxy of the relay's built-in module.
// The one-file build carries the layers below the root as namespaces (wire: the codec, CRC-32C, hashes).
import { connect, init, wire, wrap } from 'swarmwire';

const log = (line) => (document.querySelector('#log').textContent += `${line}\n`);
const relayUrl = new URLSearchParams(location.search).get('relay') ?? 'ws://127.0.0.1:8787/ws';

try {
  await init(); // the core is inlined in this build: nothing to fetch
  log(`crc32c("123456789") = ${wire.crc32c(new TextEncoder().encode('123456789')).toString(16)}`);

  const session = await connect(relayUrl, { metadata: { name: 'example page' } });
  log(`connected to ${relayUrl}`);
  const relay = wrap(session, { name: 'relay', timeoutMs: 5_000 });
  log(`echo: ${await relay.echo('hello from a page')}`);
  const peers = await relay.peers();
  log(`peers on the relay: ${peers.map((p) => p.metadata.name ?? p.id.slice(0, 8)).join(', ')}`);
  session.close();
  log('done');
} catch (error) {
  log(`failed: ${error.message}`);
  throw error;
}
