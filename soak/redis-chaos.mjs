// Chaos for relays bridged through Redis: a real redis-server (appendonly, appendfsync always), `relays` relays each
// in a process of its own, senders and receivers in this one, every sender streaming acked Routed frames to every
// receiver — while faults strike every `faultEveryMs`, in turn: a relay SIGKILLed (and a new one started), Redis
// SIGKILLed and restarted on its data, a peer moved to another relay (its connection dropped; it dials a random live
// relay). Each receiver checks, per sender, that it got 0, 1, 2, … once each and in order. The answer must be 0 lost,
// 0 duplicated, 0 out of order, and no sender told of a failure.
// `npm run chaos:redis` runs 100,000 frames; CHAOS_FRAMES, CHAOS_FAULT_MS (or CHAOS_FAULT_FRAMES: a fault per so
// many frames received), CHAOS_RELAYS, CHAOS_PEERS change that. test/redis-chaos.test.ts runs a few thousand with the
// same faults.
import { connectSession, connectWebSocket, decodeBody, MessageType } from 'swarmwire';
import { decodeFrame, encodeFrame, parseRouted, routedBody } from 'swarmwire/wire';
import { seededRandom } from 'swarmwire/transport';
import { bridgedRelayProcess, redisCommand, startRedis } from '../test/fixtures/redis.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const hex = (id) => Buffer.from(id).toString('hex');

/** Runs the chaos; resolves with what happened. */
export async function runChaos(options = {}) {
  const frames = options.frames ?? 100_000;
  const relayCount = options.relays ?? 3;
  const pairs = options.peers ?? 3; // senders, and as many receivers
  const faultEveryMs = options.faultEveryMs ?? 1_500;
  // Or a fault each time this many more frames arrived: as many faults on a slow machine as on a fast one.
  const faultEveryFrames = options.faultEveryFrames;
  const window = options.window ?? 200; // unacked frames per sender
  const deadlineMs = options.deadlineMs ?? Math.max(120_000, frames * 10);
  const log = options.log ?? (() => {});
  const random = seededRandom(options.seed ?? 17);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const prefix = `chaos${Date.now().toString(36)}`;
  const cleanups = [];
  const started = Date.now();

  let redis = await startRedis(undefined, { persist: true });
  const { port, dir } = redis;
  const relays = [];
  let relayIds = 0;
  // holdMs above the default 10 s: on a busy machine a Redis restart (SIGKILL, start, load the append-only file) can
  // take longer, and a frame held past holdMs is answered with an Error — by design, but then it is not exactly once.
  // A relay started while Redis restarts exits (bridgeRedis rejects when it cannot subscribe at first): try again.
  const addRelay = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await bridgedRelayProcess(redis.url, `R${relayIds++}`, prefix, { heartbeatMs: 200, graceMs: 30_000, holdMs: 60_000 });
        relays.push(r);
        return r;
      } catch (error) {
        if (attempt >= 5) throw error;
        await sleep(500);
      }
    }
  };
  // Should the run die on its own failure (a restart past its deadline), its relays and Redis must not outlive it:
  // they are processes of their own, and nothing else would stop them.
  const orphans = () => {
    for (const pid of [...relays.map((r) => r.child.pid), redis.pid]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  };
  process.once('exit', orphans);
  for (let i = 0; i < relayCount; i++) await addRelay();

  /** A peer that dials a random live relay each time it (re)connects. */
  const peer = async (name) => {
    let live;
    const session = await connectSession(() => (live = connectWebSocket(pick(relays).wsUrl)), {
      metadata: { name }, heartbeatIntervalMs: 1_000, missedHeartbeats: 3, maxUnacked: 50_000, reconnect: { initialDelayMs: 20, maxDelayMs: 300, maxAttempts: 1_000 },
    });
    cleanups.push(() => session.close());
    return { name, session, move: () => live?.close(1001, 'chaos: moving') };
  };
  const receivers = [];
  for (let i = 0; i < pairs; i++) receivers.push(await peer(`receiver${i}`));
  const senders = [];
  for (let i = 0; i < pairs; i++) senders.push(await peer(`sender${i}`));
  // Every receiver reachable for acked frames (its relay wrote its lease) before anything is sent.
  for (const r of receivers) {
    for (const end = Date.now() + 20_000; (await redisCommand(redis.url, 'EXISTS', `{${prefix}:${hex(r.session.nodeId)}}:at`)) !== 1;) {
      if (Date.now() > end) throw new Error(`[chaos] ${r.name} not reachable`);
      await sleep(20);
    }
  }

  // What each receiver saw of each sender: the numbers it got (each counted once: `received`, lost = frames −
  // received), one more past the highest (`expected`), repeats (`duplicates`), and arrivals other than the next one
  // (`outOfOrder`: a jump ahead, or a late one).
  const stats = { received: 0, duplicates: 0, outOfOrder: 0, senderErrors: 0, errorMessages: new Map() };
  const expected = receivers.map(() => senders.map(() => 0));
  const seen = receivers.map(() => senders.map(() => new Map())); // number → the stream position it first came with
  for (const [ri, r] of receivers.entries()) {
    r.session.on('frame', (frame) => {
      if (frame.type !== MessageType.Routed) return;
      const routed = parseRouted(decodeBody(frame));
      const [si, n] = decodeBody(decodeFrame(routed.frame));
      const next = expected[ri][si];
      if (seen[ri][si].has(n)) {
        // What tells a repeat's way in: its stream position (none: it did not come from the stream) and hop request id.
        // Two positions: it entered the stream twice; the same one: a relay handed it over again and the node took it.
        if (++stats.duplicates <= 20) log(`[chaos] ${r.name} from sender${si}: ${n} again (seq ${routed.seq ?? '-'}, first seq ${seen[ri][si].get(n) ?? '-'}, request ${frame.requestId}, t ${Date.now() - started} ms)`);
      } else {
        seen[ri][si].set(n, routed.seq);
        stats.received++;
        if (n !== next && ++stats.outOfOrder <= 20) log(`[chaos] ${r.name} from sender${si}: ${n}, expected ${next} (seq ${routed.seq ?? '-'}, request ${frame.requestId}, t ${Date.now() - started} ms)`);
      }
      expected[ri][si] = Math.max(next, n + 1);
    });
  }
  for (const s of senders) {
    s.session.on('frame', (frame) => {
      if (frame.type !== MessageType.Error) return;
      stats.senderErrors++;
      const { message } = decodeBody(frame);
      if (stats.senderErrors <= 5) log(`[chaos] ${s.name} told of a failure (request ${frame.requestId}, t ${Date.now() - started} ms): ${message}`);
      stats.errorMessages.set(message, (stats.errorMessages.get(message) ?? 0) + 1);
    });
  }

  // Faults, in turn, until every frame is in.
  const faults = { relayKilled: 0, redisRestarted: 0, peerMoved: 0 };
  const starting = [];
  const harness = []; // the run's own failures (a relay that would not start): thrown once everything is stopped
  let sending = true;
  let turn = 0;
  const chaos = (async () => {
    let next = faultEveryFrames ?? 0;
    while (sending) {
      if (faultEveryFrames === undefined) await sleep(faultEveryMs);
      else {
        while (sending && stats.received < next) await sleep(10);
        next += faultEveryFrames;
      }
      if (!sending) break;
      const kind = ['relay', 'peer', 'redis', 'peer'][turn++ % 4];
      if (kind === 'relay' && relays.length > 1) {
        const victim = pick(relays);
        relays.splice(relays.indexOf(victim), 1);
        await victim.kill();
        faults.relayKilled++;
        // Its replacement starts meanwhile (seconds on a busy machine): the next faults do not wait for it.
        starting.push(addRelay().catch((e) => void harness.push(e)));
      } else if (kind === 'redis') {
        await redis.kill();
        await sleep(200 + random() * 500);
        // Loading the append-only file of a long run, on a busy machine, can take longer than a fresh start.
        redis = await startRedis(port, { persist: true, dir, readyMs: 60_000 });
        faults.redisRestarted++;
      } else {
        pick([...senders, ...receivers]).move();
        faults.peerMoved++;
      }
      log(`[chaos] ${((Date.now() - started) / 1000).toFixed(1)} s: ${kind}; ${stats.received.toLocaleString('en')} received, faults ${JSON.stringify(faults)}`);
    }
  })();

  /** What every peer and every receiver's stream looks like, for a run that stalls. */
  const state = async () => {
    const lines = senders.map((s) => `${s.name} ${s.session.state} unacked ${s.session.unacked}`);
    for (const [ri, r] of receivers.entries()) {
      const tag = `{${prefix}:${hex(r.session.nodeId)}}`;
      const [len, cursor, seq, lease, [, subs]] = await Promise.all([
        redisCommand(redis.url, 'XLEN', `${tag}:s`), redisCommand(redis.url, 'GET', `${tag}:c`), redisCommand(redis.url, 'GET', `${tag}:n`),
        redisCommand(redis.url, 'GET', `${tag}:at`), redisCommand(redis.url, 'PUBSUB', 'NUMSUB', `${tag}:ch`),
      ]).catch((e) => [String(e), '', '', '', [0, 0]]);
      lines.push(`${r.name} ${r.session.state} expects ${JSON.stringify(expected[ri])} stream ${len} cursor ${cursor} seq ${seq} lease ${lease} subscribers ${subs}`);
    }
    lines.push(`relays ${relays.map((r) => r.wsUrl).join(' ')}`);
    return `\n  ${lines.join('\n  ')}`;
  };

  // Each sender sends its share, round robin over the receivers, keeping at most `window` unacked.
  const perSender = Math.ceil(frames / senders.length);
  const total = perSender * senders.length;
  const deadline = Date.now() + deadlineMs;
  await Promise.all(senders.map(async (s, si) => {
    const counts = receivers.map(() => 0);
    for (let k = 0; k < perSender; k++) {
      while (s.session.unacked >= window || s.session.state !== 'open') {
        if (Date.now() > deadline) throw new Error(`[chaos] sender${si} stuck: ${s.session.unacked} unacked, ${s.session.state}`);
        await sleep(2);
      }
      const ri = k % receivers.length;
      const inner = encodeFrame({ type: MessageType.Event, body: [si, counts[ri]++] });
      s.session.send({ type: MessageType.Routed, ack: true, body: routedBody(receivers[ri].session.nodeId, inner) });
    }
  }));
  const allIn = () => stats.received >= total && senders.every((s) => s.session.unacked === 0);
  let last = -1;
  let still = Date.now();
  while (!allIn() && Date.now() < deadline) {
    await sleep(20);
    if (stats.received !== last) [last, still] = [stats.received, Date.now()];
    else if (Date.now() - still > 10_000) {
      still = Date.now();
      log(`[chaos] no progress for 10 s: ${await state()}`);
    }
  }
  sending = false;
  await chaos;
  await Promise.all(starting);
  await sleep(500); // a late repeat would show now
  const tookMs = Date.now() - started;

  for (const c of cleanups.reverse()) await c();
  for (const r of relays) await r.kill();
  await redis.stop();
  process.off('exit', orphans);
  if (harness.length > 0) throw harness[0];
  return {
    frames: total, received: stats.received, lost: total - stats.received, duplicates: stats.duplicates, outOfOrder: stats.outOfOrder,
    senderErrors: stats.senderErrors, errorMessages: Object.fromEntries(stats.errorMessages), faults, seconds: tookMs / 1000,
    framesPerSecond: Math.round(total / (tookMs / 1000)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const report = await runChaos({
    frames: Number(process.env.CHAOS_FRAMES ?? 100_000),
    faultEveryMs: Number(process.env.CHAOS_FAULT_MS ?? 1_500),
    faultEveryFrames: process.env.CHAOS_FAULT_FRAMES ? Number(process.env.CHAOS_FAULT_FRAMES) : undefined,
    relays: Number(process.env.CHAOS_RELAYS ?? 3),
    peers: Number(process.env.CHAOS_PEERS ?? 3),
    log: (line) => console.log(line),
  });
  console.log(JSON.stringify(report, null, 2));
  const ok = report.lost === 0 && report.duplicates === 0 && report.outOfOrder === 0 && report.senderErrors === 0;
  console.log(ok ? '[chaos] OK: 0 lost, 0 duplicated, 0 out of order' : '[chaos] FAILED');
  process.exit(ok ? 0 : 1);
}
