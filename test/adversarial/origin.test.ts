// Attack 3: a peer claiming role core / relay forges `from` and `hops` in Routed envelopes. Expected: the receiver
// sees the frames as the attacker's (or not at all), and forged answers never win over the real ones.
import { describe, it } from 'vitest';
import { ATTACK_TIMEOUT_MS, expectHeld } from './expect-held.js';

describe('adversarial: forged origins', () => {
  it('Routed frames with a forged origin are attributed to their sender, and forged answers are not accepted', () => expectHeld('originSpoof'), ATTACK_TIMEOUT_MS);
});
