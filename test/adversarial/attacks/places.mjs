// Attack 15: one remote address takes every place, and one sender's broadcasts take the relay's fan-out. The relay
// capped connections still handshaking per address, not peers once through, so one address could hold all of
// maxPeers; and with maxFramesPerSecond off by default, one peer's broadcasts cost the relay one delivery per peer
// each, as fast as it could send them. Expected: past maxPeersPerAddress (set to 40 here, by the CLI flag, so the
// short scale reaches it) a new peer from that address is refused at the handshake with SW_ERR_ADDRESS_FULL while
// other addresses still get in; a sender's broadcasts past maxBroadcastDeliveriesPerSecond (the default, 20,000)
// are dropped and it is told QuotaExceeded; the honest peers lose nothing.
import { check, sleep } from '../harness/arena.mjs';
import { S, T, body, pack } from '../harness/wire.mjs';

const PER_ADDRESS = 40;

/** Opens `n` SDK sessions from `localAddress`, 8 at a time: the open ones and the errors of the refused. */
async function openMany(arena, n, localAddress, name) {
  const open = [];
  const refused = [];
  for (let i = 0; i < n; i += 8) {
    await Promise.all(Array.from({ length: Math.min(8, n - i) }, (_, j) =>
      arena.outsider({ name: `${name} ${i + j}`, localAddress }).then((o) => open.push(o), (error) => refused.push(error))));
  }
  return { open, refused };
}

export const addressHoard = {
  title: `address hoard: one address opens 2x maxPeersPerAddress (${PER_ADDRESS}) sessions; then another address joins`,
  layers: 'TCP source address → handshake → relay peer table',
  arena: { relayArgs: ['--max-peers-per-address', String(PER_ADDRESS)] },
  async run(arena) {
    const { open, refused } = await openMany(arena, 2 * PER_ADDRESS, '127.0.0.9', 'hoarder');
    const typed = refused.filter((e) => e?.code === 'SW_ERR_HANDSHAKE_REJECTED' && e?.status === S.QuotaExceeded && /SW_ERR_ADDRESS_FULL: .*maximum of 40 peers from one address/.test(e?.message ?? ''));
    const newcomer = await arena.outsider({ name: 'newcomer', localAddress: '127.0.0.10' }).then((o) => o, (error) => error);
    // One hoarder leaves: its place is the address's again.
    open[0]?.close();
    await sleep(300);
    const again = await arena.outsider({ name: 'hoarder again', localAddress: '127.0.0.9' }).then((o) => o, (error) => error);
    return {
      tried: 2 * PER_ADDRESS + 2,
      checks: [
        check(`exactly ${PER_ADDRESS} sessions from the address are let in`, open.length === PER_ADDRESS, `${open.length} open`),
        check('every one past them is refused at the handshake: QuotaExceeded, SW_ERR_ADDRESS_FULL naming the limit', typed.length === PER_ADDRESS,
          `${typed.length} of ${refused.length}: ${String(refused.find((e) => !typed.includes(e))?.message ?? '').slice(0, 160)}`),
        check('a peer from another address still gets in', typeof newcomer?.id === 'string', String(newcomer?.message ?? '')),
        check('a place freed by a hoarder that left is the address\'s again', typeof again?.id === 'string', String(again?.message ?? '')),
      ],
      notes: `${open.length} let in, ${refused.length} refused`,
    };
  },
};

export const broadcastFlood = {
  title: 'broadcast flood: one peer sends 20,000 small broadcasts to everyone, 24 listeners connected',
  layers: 'Broadcast → relay fan-out (one delivery per peer) → every session',
  async run(arena, scale) {
    const listeners = (await openMany(arena, scale.broadcastListeners ?? 24, '127.0.0.11', 'listener')).open;
    const flooder = await arena.outsider({ name: 'flooder' });
    const sent = scale.floodBroadcasts ?? 20_000;
    const payload = pack({ data: 'x'.repeat(32) });
    const t0 = performance.now();
    for (let i = 0; i < sent && !flooder.closed; i++) await flooder.send({ type: T.Broadcast, payload });
    const seconds = (performance.now() - t0) / 1000;
    await sleep(1_000);
    const heard = listeners.map((l) => l.received.filter((r) => r.frame.type === T.Broadcast).length);
    const most = Math.max(0, ...heard);
    // What the budget lets through: one second's worth, and the refill while the flood lasted (and the wait after).
    const reached = listeners.length + 3; // the listeners, the honest alice and bob, the relay's agent
    const budget = Math.ceil((20_000 * (1 + seconds + 1)) / reached) + 1;
    const told = flooder.received.filter((r) => r.via === 'direct' && r.frame.type === T.Error).map((r) => body(r.frame.payload))
      .filter((e) => e?.status === S.QuotaExceeded && /^broadcast budget: more than 20000 deliveries per second/.test(e.message));
    return {
      tried: sent,
      checks: [
        check(`each listener heard at most what the sender's budget allows (${budget})`, most <= budget, `${most} heard of ${sent} sent in ${seconds.toFixed(2)} s`),
        check('the listeners heard the broadcasts that fit (the budget is a rate, not a ban)', heard.every((n) => n >= Math.floor(20_000 / reached)), heard.join(',')),
        check('the flooder is told QuotaExceeded (broadcast budget), at most once a second', told.length >= 1 && told.length <= Math.ceil(seconds + 2), `${told.length} Errors`),
        check('the flooder is still connected (dropped broadcasts, not a dropped peer)', !flooder.closed, JSON.stringify(flooder.closed ?? {})),
      ],
      notes: `${sent} broadcasts in ${seconds.toFixed(2)} s; each listener heard ${most} at most`,
    };
  },
};
