// Attack 13: request ids an honest sender never writes. The wire has u64 request ids, but each side counts its own
// from 1 and stays below 2^53 (docs/protocol.md, "Request ids"), and receivers keep them as numbers: the duplicate
// filter of acked frames (session) and of calls (RPC). Past 2^53 a number cannot count by one, and the filter's loop
// turned for ever: two acked frames to the relay, or two Requests routed to its agent node, hung the relay (and
// any node with an expose()). Ids that each jump 65,535 ahead made the filter clear bit by bit: ~0.4 ms of relay CPU
// per 40-byte frame. Expected: an acked frame past 2^53 is a protocol violation (Error SW_ERR_PROTOCOL, close 1002),
// a Request past it gets Error InvalidFrame SW_ERR_RPC_PROTOCOL and runs nothing, jumps cost what steps cost.
import { check, sleep } from '../harness/arena.mjs';
import { fnv1a32, fnv1a64 } from '../harness/sdk.mjs';
import { startProxy } from '../harness/proxy.mjs';
import { F, S, T, body, frame, pack } from '../harness/wire.mjs';

const PAST = [2n ** 60n, 2n ** 60n + 4096n, 2n ** 64n - 1n];
const ackedEvent = (requestId) => frame({ type: T.Event, features: F.ACK_REQUIRED, requestId, payload: pack(1) });

/** Resolves once `outsider`'s session ended, or after `ms`. */
async function ended(outsider, ms) {
  const end = performance.now() + ms;
  while (!outsider.closed && performance.now() < end) await sleep(20);
  return outsider.closed;
}

export const requestIdsPast2p53 = {
  title: 'request ids past 2^53: acked frames to the relay, Requests routed to its agent node and to bob\'s expose()',
  layers: 'frame request_id → session duplicate filter / RPC call table',
  async run(arena) {
    const { agent, bob } = arena.ids;
    // Acked frames straight to the relay, ids from past the counter's range, through a proxy that sees the answer.
    const proxy = await startProxy(arena.relay.wsUrl);
    arena.defer(() => proxy.close());
    const acker = await arena.outsider({ name: 'acked ids past 2^53' }, proxy.url);
    const conn = proxy.conns.at(-1);
    for (const id of PAST.slice(0, 2)) acker.sendRaw(ackedEvent(id));
    await ended(acker, 5_000);
    const told = conn.sawFromRelay(T.Error, (p) => body(p)?.status === S.InvalidFrame && /2\^53/.test(body(p)?.message ?? ''));
    // Requests routed to the relay's agent node and to bob's shared object, with such ids.
    const caller = await arena.outsider({ name: 'request ids past 2^53' });
    const answers = [];
    for (const [to, module, method, args] of [[agent, 'dashboard', 'agents', []], [bob, 'target', 'add', [1, 2]]]) {
      for (const requestId of PAST) {
        // The envelope takes the session's own id (the SDK writes none past 2^53); the answer names the carried one.
        const inner = frame({ type: T.Request, requestId, moduleId: fnv1a64(module), methodHash: fnv1a32(method), payload: pack(args) });
        const a = await caller.carry(to, inner, Number(requestId), { requestId: undefined });
        // The code travels inside the Error value (an extension the suite leaves undecoded): found among its bytes.
        const code = a ? Buffer.from(a.frame.payload).includes('SW_ERR_RPC_PROTOCOL') : false;
        answers.push({ to: module, id: requestId, type: a?.frame.type, status: a?.body?.status, code, message: String(a?.body?.message ?? 'no answer') });
      }
    }
    const refused = answers.filter((a) => a.type === T.Error && a.status === S.InvalidFrame && a.code && /not below 2\^53/.test(a.message));
    return {
      tried: 2 + answers.length,
      checks: [
        check('an acked frame past 2^53 ends the sender\'s session as a protocol violation: Error InvalidFrame, close 1002 SW_ERR_PROTOCOL',
          told && conn.relayClose?.code === 1002 && /SW_ERR_PROTOCOL/.test(conn.relayClose?.reason ?? ''), `Error: ${told}, close: ${JSON.stringify(conn.relayClose ?? 'none')}`),
        check('each Request past 2^53 gets Error InvalidFrame SW_ERR_RPC_PROTOCOL (nothing runs)', refused.length === answers.length,
          answers.filter((a) => !refused.includes(a)).map((a) => `${a.to} ${a.id}: ${a.type ?? 'none'} ${a.message.slice(0, 80)}`).join('; ')),
      ],
    };
  },
};

export const replayWindowJumps = {
  title: 'acked frames whose ids jump 65,535 ahead each (the duplicate filter\'s window), against as many in steps of one',
  layers: 'frame request_id → session duplicate filter',
  async run(arena, scale) {
    const n = scale.idJumps ?? 5_000;
    /** Relay CPU spent on `n` acked frames with ids `first + i * step`, ms. */
    const cost = async (name, first, step) => {
      const o = await arena.outsider({ name });
      await sleep(200);
      const before = arena.relay.cpuMs();
      for (let i = 0; i < n; i++) {
        o.sendRaw(ackedEvent(BigInt(first + i * step)));
        if (i % 250 === 249) await sleep(5);
      }
      await arena.relay.healthz(30_000); // answered once the relay has read everything before it
      await sleep(300);
      return { ms: arena.relay.cpuMs() - before, open: !o.closed };
    };
    const steps = await cost('ids in steps of one', 1, 1);
    const jumps = await cost('ids jumping 65,535', 1, 65_535);
    // Generous: CPU time is the relay's own, not the shared machine's wall clock; before the fix jumps cost ~7x.
    const limit = 3 * steps.ms + 300;
    return {
      tried: 2 * n,
      checks: [
        check(`${n} frames jumping 65,535 cost the relay at most 3x the CPU of ${n} in steps of one (+300 ms)`, jumps.ms <= limit,
          `${jumps.ms} ms against ${steps.ms} ms`),
        check('both senders keep their sessions (large jumps are honest ids)', steps.open && jumps.open, JSON.stringify({ steps: steps.open, jumps: jumps.open })),
      ],
      notes: `relay CPU: ${steps.ms} ms for steps, ${jumps.ms} ms for jumps`,
    };
  },
};
