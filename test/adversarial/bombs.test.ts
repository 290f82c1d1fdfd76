// Attack 1: hostile values nested in RPC arguments, Routed through the real relay process to its dashboard agent and
// to an SDK peer's expose(). Expected: a typed Error for each, the relay and its agent alive, honest peers unaffected.
import { describe, it } from 'vitest';
import { ATTACK_TIMEOUT_MS, expectHeld } from './expect-held.js';

describe('adversarial: values that blow up decoders', () => {
  it('extension values (1, 2, 3, 6, 7) nesting array32 headers 24 deep get a typed Error; nothing dies', () => expectHeld('extensionBombs'), ATTACK_TIMEOUT_MS);
  it('Map and Set values nested past the depth limit are refused with InvalidFrame', () => expectHeld('collectionDepth'), ATTACK_TIMEOUT_MS);
  it('an 8 MiB bigint argument gets a typed answer without stalling the relay', () => expectHeld('hugeBigint'), ATTACK_TIMEOUT_MS);
});
