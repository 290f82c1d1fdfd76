// Attack 13: request ids past 2^53 (acked frames to the relay, Requests routed to its agent node and to an expose())
// and acked ids jumping a whole window each. Expected: typed refusals, the relay never stalls, no extra CPU per jump.
import { describe, it } from 'vitest';
import { ATTACK_TIMEOUT_MS, expectHeld } from './expect-held.js';

describe('adversarial: request ids', () => {
  it('acked frames and Requests with ids past 2^53 are refused with typed errors; the relay and every expose() keep running', () => expectHeld('requestIdsPast2p53'), ATTACK_TIMEOUT_MS);
  it('acked ids jumping 65,535 ahead each cost the relay no more than ids in steps of one', () => expectHeld('replayWindowJumps'), ATTACK_TIMEOUT_MS);
});
