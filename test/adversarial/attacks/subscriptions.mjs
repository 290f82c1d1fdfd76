// Attack 12: what a peer makes the relay keep for it. Subscriptions are held for as long as the peer stays, and any
// peer reads every peer's through the relay module's peers() (the dashboard asks each second). An attacker
// subscribes to thousands of topics, and to topics of 64 KiB. Expected: the relay keeps at most its per-peer limits
// (maxTopicsPerPeer 1,000, maxTopicLength 1,024), refuses the rest with a typed Error naming the limit
// (QuotaExceeded SW_ERR_RELAY_TOO_MANY_TOPICS, PayloadTooLarge SW_ERR_RELAY_TOPIC_TOO_LONG) without ending the
// session, and peers() stays small for everyone.
import { check, sleep } from '../harness/arena.mjs';
import { S, T, body, pack } from '../harness/wire.mjs';

const KiB = 1024;

export const topicHoard = {
  title: 'topic hoard: one peer subscribes to thousands of topics and to topics of 64 KiB, then a stranger reads peers()',
  layers: 'Subscribe → relay subscriptions → relay module peers()',
  async run(arena, scale) {
    const hoarder = await arena.outsider({ name: 'topic hoarder' });
    const many = scale.topics ?? 3_000;
    const long = 'x'.repeat(64 * KiB);
    let sent = 0;
    for (let i = 0; i < 20; i++) (await hoarder.send({ type: T.Subscribe, payload: pack(`${long}${i}`) }), sent++);
    for (let i = 0; i < many; i++) (await hoarder.send({ type: T.Subscribe, payload: pack(`topic-${i}`) }), sent++);
    // A Subscribe is answered only when refused: wait until the relay has read them all (its peers() answers after).
    const viewer = await arena.outsider({ name: 'viewer' });
    await sleep(500);
    const t0 = performance.now();
    const peers = await viewer.peers();
    const peersMs = performance.now() - t0;
    const mine = peers.find((p) => p.id === hoarder.id);
    const held = mine?.topics ?? [];
    const peersBytes = pack(peers).length;
    const errors = hoarder.received.filter((r) => r.via === 'direct' && r.frame.type === T.Error).map((r) => body(r.frame.payload));
    const tooMany = errors.filter((e) => e?.status === S.QuotaExceeded && /SW_ERR_RELAY_TOO_MANY_TOPICS/.test(e.message)).length;
    const tooLong = errors.filter((e) => e?.status === S.PayloadTooLarge && /SW_ERR_RELAY_TOPIC_TOO_LONG/.test(e.message)).length;
    // Still a peer in good standing: an honest topic it subscribes to now is kept once it unsubscribes from one.
    await hoarder.send({ type: T.Unsubscribe, payload: pack('topic-0') });
    await hoarder.send({ type: T.Subscribe, payload: pack('after') });
    await sleep(200);
    const later = (await viewer.peers()).find((p) => p.id === hoarder.id)?.topics ?? [];
    return {
      tried: sent,
      checks: [
        check('the relay keeps at most 1,000 topics for one peer', mine !== undefined && held.length <= 1_000, `${held.length} kept of ${many + 20} asked`),
        check('no kept topic is longer than 1,024 characters', held.every((t) => t.length <= 1_024), `longest ${Math.max(0, ...held.map((t) => t.length))}`),
        check('each topic past the count is refused: Error QuotaExceeded SW_ERR_RELAY_TOO_MANY_TOPICS', tooMany === many - 1_000, `${tooMany} of ${many - 1_000}`),
        check('each 64 KiB topic is refused: Error PayloadTooLarge SW_ERR_RELAY_TOPIC_TOO_LONG', tooLong === 20, `${tooLong} of 20`),
        check('the hoarder stays connected, and a topic freed is taken again', !hoarder.closed && later.includes('after') && !later.includes('topic-0'), JSON.stringify(hoarder.closed ?? later.length)),
        check('peers() stays under 64 KiB for any stranger', peersBytes < 64 * KiB, `${(peersBytes / KiB).toFixed(0)} KiB in ${peersMs.toFixed(0)} ms`),
      ],
      notes: `${held.length} topics kept; peers() ${(peersBytes / KiB).toFixed(0)} KiB`,
    };
  },
};
