// Attack 4: floods before any Hello. Expected: refused as they stream in, every unauthenticated socket gone soon
// after the handshake deadline, the relay's memory flat, a newcomer still let in.
import { describe, it } from 'vitest';
import { ATTACK_TIMEOUT_MS, expectHeld } from './expect-held.js';

describe('adversarial: before the handshake', () => {
  it('48 MiB first messages are refused as they stream in; the relay\'s memory stays flat', () => expectHeld('hugeFirstMessages'), ATTACK_TIMEOUT_MS);
  it('silent connections and slowloris are capped and destroyed after the handshake deadline', () => expectHeld('silentAndSlow'), ATTACK_TIMEOUT_MS);
});
