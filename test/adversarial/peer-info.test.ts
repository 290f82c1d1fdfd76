// Attack 14: Hellos whose metadata or capabilities the relay would repeat to everyone, and a burst of peers() calls.
// Expected: over maxPeerInfoBytes refused at the handshake, typed; peers() encoded once per change; honest peers unaffected.
import { describe, it } from 'vitest';
import { ATTACK_TIMEOUT_MS, expectHeld } from './expect-held.js';

describe('adversarial: what a peer makes the relay repeat to everyone', () => {
  it('Hellos over maxPeerInfoBytes are refused, typed; a burst of peers() costs the relay what stats() costs, its RSS bounded', () => expectHeld('peerInfoFlood'), ATTACK_TIMEOUT_MS);
});
