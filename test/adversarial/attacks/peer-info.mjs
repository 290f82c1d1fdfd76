// Attack 14: what a peer makes the relay repeat to everyone. A relay keeps each peer's Hello capabilities and
// metadata and repeats them in every answer of the relay module's peers() (any peer may ask, as often as it likes).
// Bounded only by the 64 KiB handshake limit, 50 sessions with 60 KB of metadata made one peers() answer 3.0 MB, and
// 40 calls of 40 bytes cost the relay 1.8 s of CPU and +175 MiB. Expected: a Hello over maxPeerInfoBytes (4,096) is
// refused at the handshake (the peer's connect fails SW_ERR_HANDSHAKE_REJECTED, QuotaExceeded, naming
// SW_ERR_RELAY_PEER_INFO_TOO_LARGE and the limit); peers at the limit are let in; and a burst of peers() calls costs
// the relay about what as many stats() calls cost, since the answer is encoded once per change, not once per call.
import { check, sleep } from '../harness/arena.mjs';
import { pack } from '../harness/wire.mjs';

const LIMIT = 4_096;
const KiB = 1024;

/** Metadata of about `bytes` bytes as MessagePack encodes it ({ name, pad }). */
const metadataOf = (name, bytes) => ({ name, pad: 'x'.repeat(Math.max(0, bytes - name.length - 16)) });
/** 130 capabilities of 30 characters: 4,033 bytes, under the limit with empty metadata. */
const CAPABILITIES = Array.from({ length: 130 }, (_, i) => `capability-${i}`.padEnd(30, '.'));

export const peerInfoFlood = {
  title: 'peer info: 50 Hellos with 60 KB of metadata, 50 sessions at maxPeerInfoBytes, then a burst of peers() calls',
  layers: 'Hello metadata / capabilities → relay peer list → relay module peers()',
  maxRssGrowthMiB: 48,
  async run(arena, scale) {
    const n = scale.peerInfoSessions ?? 50;
    const calls = scale.peersCalls ?? 100;
    // Over the limit: each refused at the handshake, typed, and nothing of it kept.
    const refusals = await Promise.all(Array.from({ length: n }, (_, i) =>
      arena.outsider({ name: `oversized ${i}`, metadata: { pad: 'x'.repeat(60_000) } }).then(() => undefined, (error) => error)));
    const typed = refusals.filter((e) => e?.code === 'SW_ERR_HANDSHAKE_REJECTED' && /SW_ERR_RELAY_PEER_INFO_TOO_LARGE: .*maxPeerInfoBytes of 4096/.test(e?.message ?? ''));
    // At the limit: let in, half by metadata, half by capabilities.
    const held = [];
    for (let i = 0; i < n; i++) {
      held.push(await arena.outsider(i % 2 ? { name: `full ${i}`, metadata: metadataOf(`full ${i}`, LIMIT - 8) } : { name: `caps ${i}`, capabilities: CAPABILITIES }));
    }
    const caller = await arena.outsider({ name: 'peers() caller' });
    await sleep(300);
    const peers = await caller.peers();
    const answerBytes = pack(peers).length;
    const listed = new Set(peers.map((p) => p.metadata?.name));
    // The burst: as many stats() calls first (a tiny answer: what any call costs the relay), then peers(); 10 at a
    // time, since 100 answers of 200 KB at once are more than the relay buffers for one peer (16 MiB: it refuses
    // the rest with BackpressureRejection, as it should).
    const burst = async (method) => {
      const before = arena.relay.cpuMs();
      for (let i = 0; i < calls; i += 10) await Promise.all(Array.from({ length: Math.min(10, calls - i) }, () => caller.relayCall(method, [], 30_000)));
      return arena.relay.cpuMs() - before;
    };
    const statsMs = await burst('stats');
    const peersMs = await burst('peers');
    const limit = 3 * statsMs + 300;
    return {
      tried: n + n + 2 * calls,
      checks: [
        check(`each Hello with 60 KB of metadata is refused at the handshake: SW_ERR_HANDSHAKE_REJECTED, SW_ERR_RELAY_PEER_INFO_TOO_LARGE naming maxPeerInfoBytes`,
          typed.length === n, `${typed.length} of ${n}: ${String(refusals.find((e) => !typed.includes(e))?.message ?? '').slice(0, 160)}`),
        check('nothing of a refused Hello is listed by peers()', ![...listed].some((name) => /^oversized/.test(name ?? '')), `${listed.size} listed`),
        check(`${n} sessions at the limit are let in and stay`, held.every((o) => !o.closed) && held.every((o) => peers.some((p) => p.id === o.id)), `${held.filter((o) => !o.closed).length} of ${n}`),
        check(`one peers() answer is at most ${(LIMIT + 256)} bytes per peer listed`, answerBytes <= peers.length * (LIMIT + 256), `${(answerBytes / KiB).toFixed(0)} KiB for ${peers.length} peers`),
        check(`${calls} peers() calls cost the relay at most 3x the CPU of ${calls} stats() calls (+300 ms)`, peersMs <= limit, `${peersMs} ms against ${statsMs} ms`),
      ],
      notes: `peers() ${(answerBytes / KiB).toFixed(0)} KiB; relay CPU: ${statsMs} ms for ${calls} stats(), ${peersMs} ms for ${calls} peers()`,
    };
  },
};
