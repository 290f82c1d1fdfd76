// Attack 12: one peer makes the relay keep thousands of subscriptions, and topics of 64 KiB, which every stranger
// then reads through peers(). Expected: per-peer limits, each refusal a typed Error, the session and peers() intact.
import { describe, it } from 'vitest';
import { ATTACK_TIMEOUT_MS, expectHeld } from './expect-held.js';

describe('adversarial: what a peer makes the relay keep', () => {
  it('subscriptions past maxTopicsPerPeer or maxTopicLength are refused with a typed Error; peers() stays small', () => expectHeld('topicHoard'), ATTACK_TIMEOUT_MS);
});
