// Handshakes per second (issue 13: what proving node identities costs). One handshake: a new connection, Hello →
// HelloAck (the responder's proof) → HelloProof → HelloDone, then a Goodbye. Measured one at a time (so the figure is
// the latency of a connect as much as a rate), and sixteen at once (a relay's peers coming back together):
//   - over the in-process pair (the protocol and its crypto alone), Ed25519 and P-256 identities;
//   - over WebSocket to the Node relay (a real connect), next to socket.io's connect (engine.io open + CONNECT);
//   - with BASELINE_DIST=/path/to/an/older/dist/index.js, that build's handshake over the in-process pair too — the
//     "before" of a protocol change, in the same run (the README's figure was taken against main at 507631e, the
//     Hello/HelloAck handshake without proofs);
//   - the crypto alone: one signature and one check of each algorithm, and the two SHA-256 of a transcript.
// Cases interleave round by round (order reversed every other round), each round lasting TIME × 10 ms per case.
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import { connectSession, connectWebSocket, createIdentity, memoryPair, SessionHost } from 'swarmwire';
import { startRelay } from 'swarmwire/node';
import { median } from './lib/measure.mjs';
import { sig } from './lib/table.mjs';

const quiet = { heartbeatIntervalMs: 0, reconnect: false };

/** Runs `once` back to back for `ms`; returns operations per second. */
async function rate(once, ms) {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await once();
    n += once.per ?? 1;
  }
  return (n * 1000) / (performance.now() - t0);
}

/** A handshake over the in-process pair with `sw` (this build, or a baseline's), identities from `identities`. */
function memoryCase(sw, host, identities) {
  let i = 0;
  return async () => {
    const [a, b] = sw.memoryPair();
    const accepted = host.accept(b);
    const identity = identities[i++ % identities.length];
    const session = await sw.connectSession(() => a, { ...quiet, ...(identity ? { identity } : {}) });
    await accepted;
    session.close();
  };
}

export async function run({ rounds, time }) {
  const ms = time * 10;
  const cases = {};
  const closers = [];

  for (const algorithm of ['Ed25519', 'P-256']) {
    const host = new SessionHost({ heartbeatIntervalMs: 0, identity: await createIdentity({ algorithm }) });
    const identities = await Promise.all(Array.from({ length: 64 }, () => createIdentity({ algorithm })));
    const one = memoryCase({ memoryPair, connectSession }, host, identities);
    cases[`swarmwire, ${algorithm}, in-process pair`] = one;
    if (algorithm === 'Ed25519') {
      // Sixteen at once: what a relay sees when peers come back together (WebCrypto spreads over Node's thread pool).
      cases['swarmwire, Ed25519, in-process pair, 16 at once (per handshake)'] = Object.assign(() => Promise.all(Array.from({ length: 16 }, one)), { per: 16 });
    }
    closers.push(() => host.close());
  }
  if (process.env.BASELINE_DIST) {
    const old = await import(process.env.BASELINE_DIST);
    const host = new old.SessionHost({ heartbeatIntervalMs: 0 });
    cases['before: protocol 1, no proofs, in-process pair'] = memoryCase(old, host, []);
    closers.push(() => host.close());
  }

  const relay = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
  closers.push(() => relay.close());
  const wsIdentity = await createIdentity();
  cases['swarmwire, Ed25519, WebSocket to the relay'] = async () => {
    const session = await connectSession(() => connectWebSocket(relay.wsUrl), { ...quiet, identity: wsIdentity });
    session.close();
  };

  const ioServer = new Server(0, { transports: ['websocket'] });
  const ioPort = ioServer.httpServer.address().port;
  closers.push(() => ioServer.close());
  cases['socket.io, WebSocket connect'] = () => new Promise((resolve, reject) => {
    const socket = io(`http://127.0.0.1:${ioPort}`, { transports: ['websocket'], reconnection: false, forceNew: true });
    socket.once('connect', () => {
      socket.disconnect();
      resolve();
    });
    socket.once('connect_error', reject);
  });

  const sample = new Uint8Array(120);
  for (const algorithm of ['Ed25519', 'P-256']) {
    const identity = await createIdentity({ algorithm });
    const params = algorithm === 'Ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' };
    const signature = await identity.sign(sample);
    cases[`crypto: ${algorithm} sign`] = () => identity.sign(sample);
    cases[`crypto: ${algorithm} import key + verify`] = async () => {
      const key = await crypto.subtle.importKey('raw', identity.publicKey, algorithm === 'Ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
      await crypto.subtle.verify(params, key, signature, sample);
    };
  }
  cases['crypto: SHA-256 of a 300-byte payload'] = () => crypto.subtle.digest('SHA-256', new Uint8Array(300));

  const names = Object.keys(cases);
  for (const name of names) await cases[name](); // warm up, and fail before timing if a case is broken
  const perRound = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 ? [...names].reverse() : names) perRound[name].push(await rate(cases[name], ms));
  }
  for (const close of closers) await close();

  const perSecond = Object.fromEntries(names.map((n) => [n, median(perRound[n])]));
  const base = perSecond['swarmwire, Ed25519, in-process pair'];
  const rows = names.map((name) => ({
    case: name,
    'per second': sig(perSecond[name]),
    'µs each': sig(1e6 / perSecond[name]),
    ...(name.startsWith('crypto') ? {} : { '× swarmwire Ed25519 in-process': sig(perSecond[name] / base) }),
  }));
  const before = perSecond['before: protocol 1, no proofs, in-process pair'];
  const notes = [
    'One handshake: a new connection, Hello → HelloAck (with the responder\'s proof) → HelloProof → HelloDone, then Goodbye; one at a time.',
    'Each side signs once and checks one signature; the crypto rows are those steps alone (WebCrypto, this runtime).',
    ...(before ? [`Before (protocol 1, Hello/HelloAck, no proofs): ${sig(before)} handshakes/s in-process; now ${sig(base)} (${sig(base / before)}×).`] : []),
  ];
  const table = { title: 'Handshakes per second, one at a time (a new connection each), and the crypto they contain', columns: ['case', 'per second', 'µs each', '× swarmwire Ed25519 in-process'], rows, notes };
  return { tables: [table], readme: table, summary: perSecond, raw: perRound };
}
