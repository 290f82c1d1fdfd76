// Attack 5: peers that make the relay hold things for them. Readers that stop reading their socket while another
// attacker feeds them; a peer that never sends an Ack while it is fed acked frames; bursts of 16 KiB frames at the
// relay's own in-process agent node. The relay must drop the slow ones after bounded buffering — telling them why
// (Error BackpressureRejection, then Goodbye 1008, then the close) and not keeping their sockets — and nobody else,
// its own agent included, may notice.
import { check, sleep } from '../harness/arena.mjs';
import { isAck, startProxy } from '../harness/proxy.mjs';
import { S, T, body, frame, pack } from '../harness/wire.mjs';

const MiB = 1024 * 1024;
// Random bytes: the relay deflates what it forwards (COMPRESSED), and zeros would shrink to nothing on the way.
const chunk = (bytes) => pack(crypto.getRandomValues(new Uint8Array(bytes)));
const goodbye1008 = (p) => p !== undefined && body(p)?.code === 1008;
const backpressure = (p) => p !== undefined && body(p)?.status === S.BackpressureRejection;

/** Whether node `id` is still among the relay's peers, as an attacker can ask. */
async function listed(outsider, id) {
  return (await outsider.peers()).some((p) => p.id === id);
}

/** The checks on what a dropped peer was told: Error BackpressureRejection, Goodbye 1008, close 1008. */
function toldWhy(conn, who) {
  return check(`${who} is told why: Error BackpressureRejection, Goodbye 1008, close 1008`,
    conn.sawFromRelay(T.Error, backpressure) && conn.sawFromRelay(T.Goodbye, goodbye1008) && conn.relayClose?.code === 1008,
    `Error: ${conn.sawFromRelay(T.Error, backpressure)}, Goodbye 1008: ${conn.sawFromRelay(T.Goodbye, goodbye1008)}, close: ${conn.relayClose?.code ?? 'none'}`);
}

/** A peer that connects through a proxy the attacker controls; returns it and its proxied connection. */
async function proxied(arena, proxy, name) {
  const seen = proxy.conns.length;
  const peer = await arena.outsider({ name }, proxy.url);
  return { peer, conn: proxy.conns[seen] };
}

export const slowReaders = {
  title: 'slow readers: two peers stop reading their sockets while a third floods them with 16 KiB frames; one reads again after it is dropped, one never does',
  layers: 'TCP backpressure → relay send buffer → session',
  maxRssGrowthMiB: 128,
  async run(arena) {
    const proxy = await startProxy(arena.relay.wsUrl);
    arena.defer(() => proxy.close());
    const staller = await proxied(arena, proxy, 'staller');
    const dead = await proxied(arena, proxy, 'dead reader');
    const feeder = await arena.outsider({ name: 'feeder' });
    staller.conn.pauseRelay();
    dead.conn.pauseRelay();
    let fed = 0;
    let droppedAt;
    const deadline = performance.now() + 20_000;
    const piece = chunk(16 * 1024);
    while (performance.now() < deadline && fed < 512 * MiB) {
      for (let i = 0; i < 64; i++) {
        await feeder.routed(staller.peer.id, frame({ type: T.Event, payload: piece }));
        await feeder.routed(dead.peer.id, frame({ type: T.Event, payload: piece }));
        fed += 2 * piece.length;
      }
      if (!(await listed(feeder, staller.peer.id)) && !(await listed(feeder, dead.peer.id))) {
        droppedAt = performance.now();
        break;
      }
    }
    // The staller reads again at once: what the relay queued for it, then why it was dropped.
    staller.conn.resumeRelay();
    const end = performance.now() + 5_000;
    while (!staller.conn.relayClose && performance.now() < end) await sleep(20);
    // The one that never reads: its socket must be gone, not left to the WebSocket library's 30 s close timeout.
    let held = true;
    while (held && droppedAt !== undefined && performance.now() < droppedAt + 3_000) {
      held = arena.relay.holdsConnectionFrom(dead.conn.upstreamPort);
      await sleep(50);
    }
    return {
      tried: Math.round(fed / piece.length),
      checks: [
        check('both slow readers are dropped after bounded buffering', droppedAt !== undefined, `${(fed / MiB).toFixed(0)} MiB fed`),
        toldWhy(staller.conn, 'the reader that comes back'),
        check('the reader that never comes back loses its socket within 3 s of being dropped', !held, held ? 'still held by the relay' : ''),
      ],
    };
  },
};

export const neverAcks = {
  title: 'a peer that never acks: all its Acks dropped on the way while another attacker sends it 12,000 acked frames',
  layers: 'session Acks → relay unacked store',
  async run(arena) {
    const proxy = await startProxy(arena.relay.wsUrl);
    arena.defer(() => proxy.close());
    const silent = await proxied(arena, proxy, 'never acks');
    silent.conn.dropFromClient = isAck;
    const feeder = await arena.outsider({ name: 'feeder' });
    let sent = 0;
    for (; sent < 12_000 && !silent.conn.relayClose; sent++) {
      await feeder.routed(silent.peer.id, frame({ type: T.Event, payload: chunk(200) }), { ack: true });
      if (sent % 500 === 0) await sleep(1);
    }
    const end = performance.now() + 10_000;
    while (!silent.conn.relayClose && performance.now() < end) await sleep(20);
    return {
      tried: sent,
      checks: [
        check('the peer is dropped once its unacked store is full (within 12,000 frames)', silent.conn.relayClose !== undefined, `${sent} sent`),
        toldWhy(silent.conn, 'it'),
      ],
    };
  },
};

/**
 * Whether the relay's agent node is among its peers (or back) and its dashboard answers `outsider`, within 10 s: a
 * relay may refuse frames for it while the burst drains, but not for long.
 */
async function agentServing(outsider, agent) {
  let back = false;
  let answer;
  const end = performance.now() + 10_000;
  while (answer?.frame.type !== T.Response && performance.now() < end && !outsider.closed) {
    back ||= await listed(outsider, agent);
    if (back) answer = await outsider.call(agent, 'dashboard', 'agents', pack([]), { timeoutMs: 2_000 });
    if (answer?.frame.type !== T.Response) await sleep(200);
  }
  return [
    check('the relay\'s agent node is (back) among its peers within 10 s', back, back ? '' : outsider.closed ? 'the attacker was dropped itself' : 'not listed'),
    check('the dashboard answers within 10 s of the burst', answer?.frame.type === T.Response,
      answer ? `last answer: type ${answer.frame.type} ${JSON.stringify(body(answer.frame.payload))?.slice(0, 120)}` : 'no answer'),
  ];
}

export const agentBurst = {
  title: 'a burst at the relay\'s own agent node: 2,000 acked 16 KiB frames Routed to it as fast as they go',
  layers: 'Routed → relay → in-process agent link',
  maxRssGrowthMiB: 200,
  async run(arena) {
    const burster = await arena.outsider({ name: 'burster' });
    const piece = chunk(16 * 1024);
    let sent = 0;
    for (; sent < 2_000 && !burster.closed; sent++) await burster.routed(arena.ids.agent, frame({ type: T.Event, payload: piece }), { ack: true });
    return { tried: sent, checks: await agentServing(burster, arena.ids.agent) };
  },
};

export const broadcastBurst = {
  title: 'a broadcast burst: 2,000 acked 16 KiB broadcasts sent at once (to every peer: the relay\'s agent and the honest ones)',
  layers: 'Broadcast → relay fan-out → every session (compression queue, unacked store)',
  maxRssGrowthMiB: 200,
  async run(arena) {
    const burster = await arena.outsider({ name: 'burster' });
    const broadcast = pack({ data: crypto.getRandomValues(new Uint8Array(16 * 1024)) });
    let sent = 0;
    for (; sent < 2_000 && !burster.closed; sent++) await burster.send({ type: T.Broadcast, ack: true, payload: broadcast });
    return { tried: sent, checks: await agentServing(burster, arena.ids.agent) };
  },
};
