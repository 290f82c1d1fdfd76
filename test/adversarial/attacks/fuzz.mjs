// Attack 7: cross-layer fuzzing through the real relay. Each input from fuzz/cross-layer.mjs (a random or mutated
// RPC frame) rides a well-formed Routed envelope to an honest peer's expose() or to the relay's dashboard agent.
// Oracle: each frame gets a typed answer or is dropped; no process dies; honest traffic loses nothing.
import { check, sleep } from '../harness/arena.mjs';
import { body } from '../harness/wire.mjs';
import { crossLayerInputs, judgeAnswer } from '../../../fuzz/cross-layer.mjs';

const ANSWERS = new Set([1, 2, 3]); // Response, Error, StreamHandle
/** Requests waiting for an answer at once; one that gets none within 2 s counts as dropped. */
const WINDOW = 200;

export const crossLayerFuzz = {
  title: 'cross-layer fuzzing: random RPC frames (fast-check values with extension types 1–7 and 127, lying collection headers; mutated requests) in Routed envelopes to an expose() and to the dashboard agent',
  layers: 'Routed → any RPC frame → args → ext → …',
  async run(arena, scale) {
    const outsider = await arena.outsider({ name: 'fuzzer' });
    const to = { expose: arena.ids.bob, agent: arena.ids.agent };
    const inputs = crossLayerInputs(scale.seed, scale.fuzzInputs, () => outsider.nextId());
    let sent = 0;
    let waiting = 0;
    let answered = 0;
    const settled = [];
    for (const input of inputs) {
      if (outsider.closed || arena.relay.exited) break;
      if (input.answerable) {
        while (waiting >= WINDOW) await sleep(2);
        waiting++;
        settled.push(outsider.carry(to[input.dest], input.frame, input.requestId, { timeoutMs: 2_000 }).then((a) => {
          waiting--;
          if (a) answered++;
        }));
      } else {
        await outsider.routed(to[input.dest], input.frame, { requestId: input.requestId });
      }
      sent++;
    }
    await Promise.all(settled);
    await sleep(500); // answers to frames nobody waited for
    const findings = outsider.received
      .filter((r) => r.via === 'routed' && ANSWERS.has(r.frame.type))
      .map((r) => judgeAnswer(r.frame, body(r.frame.payload)))
      .filter(Boolean);
    return {
      tried: sent,
      checks: [
        check('every input was carried (the relay kept the fuzzer\'s session and lived)', sent === inputs.length && !outsider.closed,
          `${sent} of ${inputs.length}${outsider.closed ? `, session ended ${JSON.stringify(outsider.closed)}` : ''}`),
        check('every answer is typed (a Response that decodes, or an Error { status, message })', findings.length === 0, findings.slice(0, 3).join('; ')),
      ],
      notes: `seed ${scale.seed}; ${answered} of ${inputs.filter((i) => i.answerable).length} generated requests answered`,
    };
  },
};
