// Attack 15: one address takes every place; one sender's broadcasts take the relay's fan-out.
// Expected: past maxPeersPerAddress refused at the handshake, typed; broadcasts past the sender's budget dropped, it told.
import { describe, it } from 'vitest';
import { ATTACK_TIMEOUT_MS, expectHeld } from './expect-held.js';

describe('adversarial: what one address, or one sender, may take of the relay', () => {
  it('sessions from one address past maxPeersPerAddress are refused, typed; other addresses still get in', () => expectHeld('addressHoard'), ATTACK_TIMEOUT_MS);
  it('broadcasts past the sender\'s delivery budget are dropped and it is told; the listeners hear what fits', () => expectHeld('broadcastFlood'), ATTACK_TIMEOUT_MS);
});
