// What the relay module's peers() answer and a Discovery answer cost the relay at many peers (issue 13's follow-up:
// peers() is cached per change, Discovery is built per request). N peers (PEERS_N, default 2,000) on in-process links
// to one Relay (source, through scripts/ts-hooks.mjs), then one peer asks K times (PEERS_K, default 200) each, one at
// a time; prints the relay's time per answer and the answer's size. Run:
//   node --import ./scripts/ts-hooks.mjs bench/peers-answer.mjs
import { Relay, RELAY_MODULE } from '../src/relay/relay.ts';
import { Session } from '../src/session/session.ts';
import { memoryPair } from '../src/transport/memory.ts';
import { createIdentity } from '../src/session/identity.ts';
import { useNodeIdentityCrypto } from '../src/session/identity-node.ts';
import { MessageType } from '../src/wire/constants.ts';
import { fnv1a32 } from '../src/wire/fnv.ts';

const N = Number(process.env.PEERS_N ?? 2_000);
const K = Number(process.env.PEERS_K ?? 200);
useNodeIdentityCrypto();
const relay = await Relay.create({ heartbeatIntervalMs: 0 });
const sessions = [];
const t0 = performance.now();
for (let i = 0; i < N; i += 64) {
  await Promise.all(Array.from({ length: Math.min(64, N - i) }, async (_, j) => {
    const [a, b] = memoryPair({ maxBuffered: 64 << 20, highWaterMark: 16 << 20 });
    relay.accept(b).catch(() => {});
    const s = new Session({ heartbeatIntervalMs: 0, identity: await createIdentity(), metadata: { name: `peer ${i + j}` }, role: (i + j) % 10 === 0 ? 'core' : 'edge' });
    await s.connect(a);
    sessions.push(s);
  }));
}
console.log(`${N} peers connected in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const asker = sessions[1];
// How many times the answer was built (the cache's misses), to tell building from carrying.
let builds = 0;
const peers = relay.peers.bind(relay);
relay.peers = () => (builds++, peers());

/** Sends `frame` K times, one at a time, and times the relay's answers (in-process: the relay's work plus the links'). */
async function time(label, frame, answerType) {
  let bytes = 0;
  const t = performance.now();
  for (let i = 0; i < K; i++) {
    const answered = new Promise((resolve) => {
      const off = asker.on('frame', (f) => {
        if (f.type !== answerType) return;
        bytes = f.payload.length;
        off();
        resolve();
      });
    });
    asker.send(frame);
    await answered;
  }
  const ms = (performance.now() - t) / K;
  console.log(`${label}: ${ms.toFixed(3)} ms per answer, ${(bytes / 1024).toFixed(1)} KiB; peers() built ${builds} times`);
  builds = 0;
}

await time('peers()', { type: MessageType.Request, moduleId: RELAY_MODULE, methodHash: fnv1a32('peers'), body: [] }, MessageType.Response);
await time('stats() (a small answer, for scale)', { type: MessageType.Request, moduleId: RELAY_MODULE, methodHash: fnv1a32('stats'), body: [] }, MessageType.Response);
await time('Discovery', { type: MessageType.Discovery, body: { role: 'edge', capabilities: [], peers: [] } }, MessageType.DiscoveryResponse);
for (const s of sessions) s.close();
relay.close();
process.exit(0);
