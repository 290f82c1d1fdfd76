// Attack 3: forged origins. A peer that calls itself `core` or `relay` in its Hello sends Routed envelopes with
// `hops: 1` and `from` set to another node, as if a relay further back had vouched for them: Events "from bob" to
// alice, and answers "from bob" (and from the dashboard agent) for the calls alice is about to make. Alice must see
// the frames as the attacker's (or not at all), and her calls must get their real answers — the honest peers'
// checks (every call answered with the right value) say whether a forged answer won.
import { check, sleep } from '../harness/arena.mjs';
import { fnv1a32, fnv1a64 } from '../harness/sdk.mjs';
import { S, T, frame, pack } from '../harness/wire.mjs';

/** Ids ahead of alice's counter that each round of forged answers covers. */
const AHEAD = 200;

export const originSpoof = {
  title: 'forged origins: peers claiming role core / relay send Routed frames with hops 1 and `from` = bob (and the agent) to alice — Events, and Responses / Errors for her pending calls',
  layers: 'Hello role → Routed `from`/`hops` → RPC answer matching',
  async run(arena, scale) {
    const { alice, bob, agent } = arena.ids;
    // A relay may refuse a peer that claims to be a relay outright: that is one way of giving it nothing.
    const refused = [];
    const spoofers = [];
    for (const role of ['core', 'relay']) {
      try {
        spoofers.push(await arena.outsider({ role, name: `spoofer (${role})` }));
      } catch (error) {
        refused.push(`${role}: ${error?.code ?? ''} ${error?.message ?? error}`.slice(0, 160));
      }
    }
    const forged = [
      (id) => ({ from: bob, inner: frame({ type: T.Response, requestId: id, moduleId: fnv1a64('echo'), methodHash: fnv1a32('echo'), payload: pack('forged') }) }),
      (id) => ({ from: bob, inner: frame({ type: T.Error, requestId: id, moduleId: fnv1a64('echo'), methodHash: fnv1a32('echo'), payload: pack({ status: S.ExecutionError, message: 'forged' }) }) }),
      (id) => ({ from: agent, inner: frame({ type: T.Response, requestId: id, moduleId: fnv1a64('dashboard'), methodHash: fnv1a32('agents'), payload: pack('forged') }) }),
    ];
    let sent = 0;
    const end = performance.now() + scale.attackMs;
    while (performance.now() < end && spoofers.some((s) => !s.closed)) {
      // Alice's request ids come from one counter; an attacker guesses the next ones (here it is told, to be sure).
      const base = await arena.honest.nextId();
      for (const [k, s] of spoofers.entries()) {
        if (s.closed) continue;
        await s.routed(alice, frame({ type: T.Event, requestId: base + AHEAD + k, payload: pack({ spoof: k }) }), { from: bob, hops: 1, ttl: 15 });
        sent++;
        for (let id = base; id < base + AHEAD; id++) {
          const f = forged[(id + k) % forged.length](id);
          await s.routed(alice, f.inner, { from: f.from, hops: 1, ttl: 15 });
          sent++;
        }
      }
      await sleep(50);
    }
    await sleep(300); // let the last forgeries land before the honest peers are asked what they saw
    return {
      tried: sent,
      checks: [
        check('the forgeries went out (or every spoofer was refused at the handshake)', sent > 0 || spoofers.length === 0, `${sent} sent, ${refused.length} refused`),
      ],
      notes: [refused.length ? `refused at the handshake: ${refused.join('; ')}` : '', ...spoofers.filter((s) => s.closed).map((s) => `a spoofer's session ended: ${JSON.stringify(s.closed)}`)].filter(Boolean).join('; '),
      // Whether a forged answer was accepted is in the honest peers' checks (every call answered with the right
      // value); what alice saw as the Events' origin is judged once she has reported.
      spoofers: spoofers.map((s) => s.id),
      bob,
    };
  },
  /** The Events alice received from spoofers: attributed to a spoofer, never to bob. */
  judge(honest, result) {
    const wrong = honest.spoofed.filter((s) => !result.spoofers.includes(s.from));
    return [check('frames with a forged `from` reach alice as the attacker\'s (or not at all)', wrong.length === 0,
      `${honest.spoofedCount} spoofed Events delivered, attributed to ${[...new Set(honest.spoofed.map((s) => (s.from === result.bob ? 'bob' : s.from.slice(0, 8))))].join(', ') || 'nobody'}`)];
  },
};
