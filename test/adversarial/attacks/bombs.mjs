// Attack 1: hostile values deep inside RPC arguments, inside Requests, inside Routed envelopes — to the relay's
// in-process agent node (module "dashboard", its id read from the relay's public peer list) and to an honest SDK
// peer's plain expose(). Every layer on the way is well formed; only the value is a bomb.
import { check, sleep } from '../harness/arena.mjs';
import { HUGE_ARRAY, S, T, concat, ext, isTypedErrorBody, pack } from '../harness/wire.mjs';

const EXT_TYPES = [1, 2, 3, 6, 7]; // reference, stream, error, Map, Set: each decodes its data as MessagePack again

/**
 * Arguments `[x]` where x is an extension value whose data is an array32 header announcing 33,554,431 elements,
 * followed by the next such extension value, `depth` levels deep (types in turn from `first`): about 200 bytes
 * that, decoded without bounds, allocate 256 MiB per level.
 */
export function extensionBomb(depth, first = 0) {
  let data = HUGE_ARRAY;
  for (let i = depth - 1; i >= 0; i--) data = concat([HUGE_ARRAY, ext(EXT_TYPES[(first + i + 1) % EXT_TYPES.length], data)]);
  return concat([Uint8Array.of(0x91), ext(EXT_TYPES[first % EXT_TYPES.length], data)]);
}

/** Arguments `[x]` where x nests Maps (ext 6), Sets (ext 7), or both in turn, `depth` levels deep. */
export function collectionNest(depth, kind) {
  let v = pack(1);
  for (let i = 0; i < depth; i++) {
    const map = kind === 'map' || (kind === 'both' && i % 2 === 0);
    v = map ? ext(6, concat([Uint8Array.of(0x91, 0x92, 0xa1, 0x6b), v])) : ext(7, concat([Uint8Array.of(0x91), v]));
  }
  return concat([Uint8Array.of(0x91), v]);
}

/** Arguments `[n]` where n is a bigint (ext 4) of `digits` decimal digits. */
export const bigintArgument = (digits) => concat([Uint8Array.of(0x91), ext(4, new Uint8Array(digits).fill(0x37))]);

/** The relay's agent node, as any peer finds it: the relay's peer list, metadata name "relay process". */
async function agentOf(outsider) {
  const peers = await outsider.peers();
  const agent = peers.find((p) => p.metadata?.name === 'relay process');
  if (!agent) throw new Error('[attack] no "relay process" node in the relay\'s peers()');
  return agent.id;
}

const describe = (a) => (a === undefined ? 'no answer' : a.frame.type === T.Error ? `Error ${a.body?.status}` : `type ${a.frame.type}`);

/** Sends each payload as a call and collects the answers (stopping early if the relay ends the session). */
async function fire(outsider, shots, timeoutMs) {
  const answers = [];
  for (const shot of shots) {
    answers.push({ ...shot, answer: await outsider.call(shot.to, shot.module, shot.method, shot.payload, { timeoutMs }) });
    if (outsider.closed) break;
  }
  return answers;
}

/** Whether both targets still answer a plain call afterwards. */
async function stillServing(outsider, agent, bob) {
  const [dash, echo] = await Promise.all([
    outsider.call(agent, 'dashboard', 'agents', pack([]), { timeoutMs: 5_000 }),
    outsider.call(bob, 'target', 'echo', pack([7]), { timeoutMs: 5_000 }),
  ]);
  return [
    check('the dashboard agent still answers afterwards', dash?.frame.type === T.Response && Array.isArray(dash.body), describe(dash)),
    check('the honest peer\'s exposed object still answers afterwards', echo?.frame.type === T.Response && echo.body === 7, describe(echo)),
  ];
}

export const extensionBombs = {
  title: 'nested extension bombs (ext 1/2/3/6/7 holding `dd 01 ff ff ff`, 24 deep) in Requests, Routed to the dashboard agent and to an expose()',
  layers: 'Routed → Request → args → ext → array32',
  async run(arena) {
    const outsider = await arena.outsider();
    const agent = await agentOf(outsider);
    const shots = [];
    for (let first = 0; first < EXT_TYPES.length; first++) {
      const payload = extensionBomb(24, first);
      shots.push({ to: agent, module: 'dashboard', method: 'agents', payload, what: `dashboard, ext ${EXT_TYPES[first]} first, ${payload.length} B` });
      shots.push({ to: arena.ids.bob, module: 'target', method: 'echo', payload, what: `expose(), ext ${EXT_TYPES[first]} first` });
    }
    const answers = await fire(outsider, shots, 5_000);
    const typed = answers.filter((a) => a.answer?.frame.type === T.Error && isTypedErrorBody(a.answer.body));
    return {
      tried: answers.length,
      checks: [
        check('every bomb was sent (the relay did not end the attacker\'s session)', answers.length === shots.length, `${answers.length} of ${shots.length}`),
        check('every bomb is answered with a typed Error', typed.length === shots.length, answers.map((a) => `${a.what}: ${describe(a.answer)}`).join('; ')),
        ...(await stillServing(outsider, agent, arena.ids.bob)),
      ],
      notes: `statuses: ${[...new Set(typed.map((a) => a.answer.body.status))].join(', ')}`,
    };
  },
};

export const collectionDepth = {
  title: 'Map / Set values nested past the depth limit (65, 1,000 and 5,000 levels), Routed to the dashboard agent and to an expose()',
  layers: 'Routed → Request → args → ext 6/7 → ext 6/7 …',
  async run(arena) {
    const outsider = await arena.outsider();
    const agent = await agentOf(outsider);
    const shots = [];
    for (const depth of [65, 1_000, 5_000]) {
      for (const kind of ['map', 'set', 'both']) {
        const payload = collectionNest(depth, kind);
        shots.push({ to: agent, module: 'dashboard', method: 'agents', payload, what: `dashboard, ${kind} ×${depth}` });
        shots.push({ to: arena.ids.bob, module: 'target', method: 'echo', payload, what: `expose(), ${kind} ×${depth}` });
      }
    }
    const answers = await fire(outsider, shots, 5_000);
    const refused = answers.filter((a) => a.answer?.frame.type === T.Error && isTypedErrorBody(a.answer.body) && a.answer.body.status === S.InvalidFrame);
    return {
      tried: answers.length,
      checks: [
        check('every nest is refused with a typed Error InvalidFrame (depth limit 64), none accepted', refused.length === shots.length,
          answers.filter((a) => !refused.includes(a)).map((a) => `${a.what}: ${describe(a.answer)}`).join('; ')),
        ...(await stillServing(outsider, agent, arena.ids.bob)),
      ],
    };
  },
};

export const hugeBigint = {
  title: '8 MiB bigint argument (ext 4, 8,388,608 digits), Routed to the dashboard agent',
  layers: 'Routed → Request → args → ext 4',
  maxRssGrowthMiB: 160, // the 8 MiB message itself passes through the relay's buffers a few times
  async run(arena) {
    const outsider = await arena.outsider();
    const agent = await agentOf(outsider);
    let answered = false;
    const answer = outsider.call(agent, 'dashboard', 'agents', bigintArgument(8 * 1024 * 1024), { timeoutMs: 20_000 }).finally(() => (answered = true));
    // The agent runs inside the relay process: while it decodes, the relay answers nobody. Time /healthz meanwhile.
    let stallMs = 0;
    while (!answered) {
      stallMs = Math.max(stallMs, (await arena.relay.healthz(20_000)).ms);
      await sleep(20);
    }
    const a = await answer;
    const typed = a && (a.frame.type === T.Response || (a.frame.type === T.Error && isTypedErrorBody(a.body)));
    return {
      tried: 1,
      checks: [
        check('the bigint call gets a typed answer (an Error, or a Response)', typed, describe(a)),
        check('the relay keeps answering while the agent decodes it (/healthz within 1 s)', stallMs < 1_000, `${stallMs.toFixed(0)} ms`),
        ...(await stillServing(outsider, agent, arena.ids.bob)),
      ],
    };
  },
};
