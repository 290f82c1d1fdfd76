// The peers of bench/relay-scale.bench.mjs, in a process of their own (the servers' memory is measured apart):
// raw `ws` clients speaking just enough of each protocol — engine.io v4 / socket.io for socket.io, the swarmwire
// handshake (InitiatorHandshake) and frames for the relays — so that the clients cost both servers the same and as
// little as possible. Driven over IPC by the suite: { cmd: 'connect' | 'subscribe' | 'broadcast' | 'close', … },
// each answered with { kind: 'done', id, … }. Heartbeats stay on: the clients answer socket.io's pings and the
// relay's Pings.
import { WebSocket } from 'ws';
import { build } from 'esbuild';
import { MessageType } from 'swarmwire';
import { Feature, MAX_PAYLOAD, encodeFrame, pack } from 'swarmwire/wire';

// The initiator's side of the handshake (the identity proofs included) is internal to the package, not an export:
// these raw peers take it from the source, bundled on the spot, so they prove identities exactly as sessions do.
// They sign, check and hash with node:crypto (identity-node.ts, as a Node relay does) rather than WebCrypto: the
// same bytes on the wire and the same work for the server, but less of the shared cores spent by the clients
// while the server is being timed (their identities are made with the same module, so their keys sign by callback).
const { InitiatorHandshake, createIdentity, useNodeIdentityCrypto } = await (async () => {
  const contents = "export { InitiatorHandshake } from './handshake.ts'; export { createIdentity } from './identity.ts'; export { useNodeIdentityCrypto } from './identity-node.ts';";
  const out = await build({ stdin: { contents, resolveDir: new URL('../../src/session/', import.meta.url).pathname, loader: 'ts' }, bundle: true, format: 'esm', platform: 'node', write: false, logLevel: 'silent' });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
})();
useNodeIdentityCrypto();

const PAYLOAD = new Uint8Array(64).fill(0x61);
// socket.io's cheapest 64 B message: a string, one WebSocket message (binary data would add an attachment message).
const IO_TEXT = 'a'.repeat(64);
const HEADER = 32;

let peers = [];
/** Deliveries seen since the counter was last reset, and what to call once they reach a target. */
let delivered = 0;
let target = Infinity;
let onTarget = () => {};
const count = (n) => {
  delivered += n;
  if (delivered >= target) {
    target = Infinity;
    onTarget();
  }
};

/** Frames of type Broadcast in one swarmwire message (one frame, or a batch of them); answers Pings. */
function onSwarmwireMessage(peer, bytes) {
  let broadcasts = 0;
  for (let at = 0; at + HEADER <= bytes.length;) {
    const type = bytes[at + 5];
    const features = (bytes[at + 6] << 8) | bytes[at + 7];
    const length = ((bytes[at + 28] << 24) | (bytes[at + 29] << 16) | (bytes[at + 30] << 8) | bytes[at + 31]) >>> 0;
    if (type === MessageType.Broadcast) broadcasts++;
    else if (type === MessageType.Ping) {
      const requestId = new DataView(bytes.buffer, bytes.byteOffset + at + 8, 8).getBigUint64(0);
      peer.ws.send(encodeFrame({ type: MessageType.Pong, requestId, payload: bytes.slice(at + HEADER, at + HEADER + length) }));
    }
    at += HEADER + length + (features & Feature.CHECKSUM ? 4 : 0);
  }
  if (broadcasts) count(broadcasts);
}

/** One swarmwire peer through the whole handshake; resolves once HelloDone is in. */
function swarmwirePeer(url, identity, batching, localAddress) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, localAddress });
    ws.binaryType = 'nodebuffer';
    const peer = { ws, kind: 'swarmwire' };
    const features = Feature.ACK_REQUIRED | (batching ? Feature.BATCHING : 0);
    const handshake = new InitiatorHandshake(identity, { role: 'edge', capabilities: [], features, maxPayload: MAX_PAYLOAD, metadata: {} });
    let step = 0;
    const started = performance.now();
    ws.on('error', reject);
    ws.on('close', (code, reason) => reject(new Error(`closed during the handshake (${code} ${reason}) after ${performance.now() - started} ms`)));
    ws.on('open', () => ws.send(encodeFrame({ type: MessageType.Hello, payload: handshake.hello() })));
    ws.on('message', async (data) => {
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (step === 2) return onSwarmwireMessage(peer, bytes);
      const type = bytes[5];
      const payload = bytes.slice(HEADER);
      try {
        if (step === 0) {
          step = 1;
          const { proof } = await handshake.reply(type, payload);
          ws.send(encodeFrame({ type: MessageType.HelloProof, payload: proof }));
        } else if (step === 1) {
          handshake.done(type, payload);
          step = 2;
          ws.removeAllListeners('close');
          resolve(peer);
        }
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** One socket.io peer (engine.io v4 over WebSocket, namespace '/'); resolves once the namespace has answered. */
function socketIoPeer(url, localAddress) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, localAddress });
    const peer = { ws, kind: 'socket.io' };
    ws.on('error', reject);
    ws.on('message', (data, binary) => {
      if (binary) return;
      const text = data.toString();
      if (text === '2') return ws.send('3'); // engine.io ping
      if (text.startsWith('42')) return count(1);
      if (text.startsWith('0')) return ws.send('40');
      if (text.startsWith('40')) resolve(peer);
    });
  });
}

/** A bare WebSocket (for the `ws` floor): open is all there is. */
function plainPeer(url, localAddress) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, localAddress });
    ws.on('error', reject);
    ws.on('open', () => resolve({ ws, kind: 'ws' }));
  });
}

/** Runs `tasks` (functions returning promises) with at most `limit` in flight. */
async function pool(tasks, limit) {
  const out = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}

// Peers come from many loopback addresses, as real ones come from many hosts: the relay admits at most 64
// handshakes at once per address (HandshakeGate), and one address has ~28,000 ephemeral ports.
const ADDRESSES = 64;
const addressOf = (i) => `127.0.${1 + ((i >> 8) % ADDRESSES)}.${1 + (i % 250)}`;

const bytesRead = () => peers.reduce((n, p) => n + p.ws._socket.bytesRead, 0);

const handlers = {
  /** Opens `n` peers to `url`, `concurrency` handshakes at a time; identities are made before the clock starts. */
  async connect({ server, url, n, batching, concurrency = 256 }) {
    const identities = server === 'socket.io' || server === 'ws' ? [] : await pool(Array.from({ length: n }, () => () => createIdentity()), 64);
    const t0 = performance.now();
    peers = await pool(Array.from({ length: n }, (_, i) => () => (server === 'socket.io' ? socketIoPeer(url, addressOf(i)) : server === 'ws' ? plainPeer(url, addressOf(i)) : swarmwirePeer(url, identities[i], batching, addressOf(i)))), concurrency);
    return { ms: performance.now() - t0 };
  },
  /** Peers 1 … ⌈fraction·n⌉ join topic (room) 't'; resolves once the server has surely taken them (a round trip behind). */
  async subscribe({ fraction }) {
    const k = Math.ceil(peers.length * fraction);
    for (const p of peers.slice(1, 1 + k)) {
      if (p.kind === 'socket.io') p.ws.send('42["join"]');
      else p.ws.send(encodeFrame({ type: MessageType.Subscribe, body: 't' }));
    }
    await new Promise((r) => setTimeout(r, 500));
    return { subscribers: k };
  },
  /**
   * Peer 0 sends `count` broadcasts (to everyone, or to topic 't') in one burst; resolves when `expected`
   * deliveries have arrived, with the time from the first send and the bytes the peers read meanwhile.
   */
  async broadcast({ count: k, topic, expected, timeoutMs = 120_000 }) {
    delivered = 0;
    const before = bytesRead();
    const sender = peers[0];
    const done = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${delivered} of ${expected} deliveries in ${timeoutMs} ms`)), timeoutMs);
      target = expected;
      onTarget = () => (clearTimeout(timer), resolve());
    });
    const t0 = performance.now();
    if (sender.kind === 'socket.io') {
      const message = `42${JSON.stringify([topic ? 't' : 'b', IO_TEXT])}`;
      for (let i = 0; i < k; i++) sender.ws.send(message);
    } else {
      const frame = encodeFrame({ type: MessageType.Broadcast, payload: pack(topic ? { topic: 't', data: PAYLOAD } : { data: PAYLOAD }) });
      // One frame per WebSocket message, as an unbatched sender would; the relay batches what it sends only if the
      // receiving peer offered BATCHING.
      for (let i = 0; i < k; i++) sender.ws.send(frame);
    }
    await done;
    const ms = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 50)); // bytes still in flight
    return { ms, deliveries: delivered, bytes: bytesRead() - before };
  },
  async close() {
    for (const p of peers) p.ws.terminate();
    peers = [];
    return {};
  },
};

process.on('message', async (m) => {
  try {
    process.send({ kind: 'done', id: m.id, ...(await handlers[m.cmd](m)) });
  } catch (error) {
    process.send({ kind: 'done', id: m.id, error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ kind: 'ready' });
