// Attack 2: claiming a connected peer's node id on the wire — a hand-written Hello, or the victim's own recorded
// handshake replayed. Expected: refused (an Error and a close), nothing meant for the victim leaks, the victim stays
// connected and loses nothing.
import { describe, it } from 'vitest';
import { ATTACK_TIMEOUT_MS, expectHeld } from './expect-held.js';

describe('adversarial: identity', () => {
  it('a Hello carrying another peer\'s node id gets nothing and costs the victim nothing', () => expectHeld('takeover'), ATTACK_TIMEOUT_MS);
  it('a replayed recording of the victim\'s handshake gets nothing', () => expectHeld('replay'), ATTACK_TIMEOUT_MS);
  it('a Hello with the victim\'s id and key learns nothing before a proof: not whether it is connected, nor its session', () => expectHeld('sessionProbe'), ATTACK_TIMEOUT_MS);
});
