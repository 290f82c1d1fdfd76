// Attack 4: floods before any Hello — what an unauthenticated stranger can make the relay hold. Huge first messages
// streamed in; connections that never say Hello; Hellos trickled a byte at a time (slowloris); an upgrade request
// trickled likewise. Attackers come from 127.0.0.x addresses other than the honest peers' 127.0.0.1.
import { check, sleep } from '../harness/arena.mjs';
import { openRaw, rawWebSocket } from '../harness/raw-socket.mjs';
import { T, frame, helloPayload } from '../harness/wire.mjs';

const MiB = 1024 * 1024;
/** The relay's handshake deadline (10 s) plus the second it may take to destroy a socket after its Close, and slack. */
const END_WITHIN_MS = 13_000;

/** Runs `count` tasks, at most `parallel` at once. */
async function pool(count, parallel, task) {
  const out = [];
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, async () => {
    while (next < count) {
      const i = next++;
      out[i] = await task(i);
    }
  }));
  return out;
}

export const hugeFirstMessages = {
  title: 'huge first messages: unauthenticated peers each announce a 48 MiB WebSocket message (a Hello frame header announcing all of it) and stream it',
  layers: 'TCP → WebSocket frame header → (no Hello yet)',
  maxRssGrowthMiB: 64,
  latencyBound: true,
  async run(arena, scale) {
    const { attackers, parallel, bytes } = scale.flood;
    const results = await pool(attackers, parallel, async (i) => {
      const raw = await rawWebSocket(arena.relay.wsUrl, { localAddress: `127.0.0.${2 + (i % 200)}` });
      if (raw.refused) return { refusedAt: 0, lingerMs: 0, close: raw.refused };
      // The message starts as a Hello frame whose header announces all of it: a "huge Hello". The attacker keeps
      // streaming after a Close, as an attacker would; the relay must then end the connection itself.
      await raw.stream(bytes, frame({ type: T.Hello }).map((b, k) => (k >= 28 ? ((bytes - 32) >>> (8 * (31 - k))) & 0xff : b)));
      await raw.waitEnded(3_000);
      raw.destroy();
      const saidNo = raw.closeFrameAt ?? raw.endedAt;
      return { refusedAt: raw.writtenAtRefusal ?? bytes, lingerMs: raw.ended && saidNo !== undefined ? raw.endedAt - saidNo : Infinity, close: raw.closeCode };
    });
    const late = results.filter((r) => r.refusedAt >= bytes);
    const lingering = results.filter((r) => r.lingerMs > 2_000);
    const mib = (n) => (n / MiB).toFixed(1);
    return {
      tried: results.length,
      checks: [
        check('each is refused as it streams in (a Close or the end before the message is whole)', late.length === 0,
          `${late.length} of ${results.length} took the whole ${mib(bytes)} MiB; refused after ${mib(Math.min(...results.map((r) => r.refusedAt)))}–${mib(Math.max(...results.map((r) => r.refusedAt)))} MiB; closes ${[...new Set(results.map((r) => r.close))].join(', ')}`),
        check('each connection is gone within 2 s of its refusal, though the attacker keeps writing', lingering.length === 0,
          `${lingering.length} of ${results.length} lingered`),
      ],
    };
  },
};

export const silentAndSlow = {
  title: 'connections that never say Hello (from one address), Hellos trickled one byte every 100 ms, upgrade requests trickled likewise',
  layers: 'TCP → HTTP upgrade / WebSocket → (Hello never complete)',
  maxRssGrowthMiB: 64,
  latencyBound: true,
  async run(arena, scale) {
    const url = arena.relay.wsUrl;
    const idle = await Promise.all(Array.from({ length: scale.idle }, () => rawWebSocket(url, { localAddress: '127.0.0.250' })));
    const slow = await Promise.all(Array.from({ length: scale.slowloris }, () => rawWebSocket(url, { localAddress: '127.0.0.251' })));
    const http = Array.from({ length: 10 }, () => openRaw(url, { localAddress: '127.0.0.252', trickleMs: 100 }));
    const everyone = [...idle, ...slow];
    arena.defer(() => [...everyone, ...http].forEach((r) => r.destroy()));
    for (const s of slow) {
      const hello = frame({ type: T.Hello, payload: helloPayload(crypto.getRandomValues(new Uint8Array(16)).reduce((h, b) => h + b.toString(16).padStart(2, '0'), '')) });
      void s.trickle(hello, 100);
    }
    await sleep(1_000);
    const heldIdle = idle.filter((r) => r.upgraded && !r.ended).length;
    // A newcomer must still get in while all this waits.
    let newcomer = 'did not connect';
    try {
      const o = await Promise.race([arena.outsider({ name: 'newcomer' }), sleep(5_000).then(() => undefined)]);
      if (o) {
        newcomer = (await o.relayCall('echo', ['hi'])) === 'hi' ? 'answered' : 'wrong answer';
      }
    } catch (error) {
      newcomer = `refused: ${error?.message ?? error}`;
    }
    // Each must be gone within the deadline of its own start (a socket the relay closed but still reads counts as held).
    const started = Math.min(...everyone.map((r) => r.openedAt ?? Infinity));
    await Promise.all(everyone.map((r) => (r.upgraded ? r.waitEnded(Math.max(0, r.openedAt + END_WITHIN_MS - performance.now())) : true)));
    const lingering = everyone.filter((r) => r.upgraded && (!r.ended || r.endedAt - r.openedAt > END_WITHIN_MS));
    const upgradeRefused = everyone.filter((r) => !r.upgraded).length;
    const httpEnded = http.filter((r) => r.ended || r.refused).length;
    return {
      tried: everyone.length + http.length,
      checks: [
        check(`every connection without a Hello is gone within ${END_WITHIN_MS / 1000} s of opening (deadline, Close, then destroyed)`, lingering.length === 0,
          `${lingering.length} of ${everyone.length} still held (${upgradeRefused} refused at the upgrade); first opened ${((performance.now() - started) / 1000).toFixed(1)} s ago`),
        check(`handshaking connections from one address are capped (fewer than ${scale.idle} held at once)`, heldIdle < scale.idle, `${heldIdle} of ${scale.idle} held after 1 s`),
        check('a newcomer connects and is answered during the flood', newcomer === 'answered', newcomer),
      ],
      notes: `upgrade requests trickled: ${httpEnded} of ${http.length} ended by the relay within ${END_WITHIN_MS / 1000} s`,
    };
  },
};
