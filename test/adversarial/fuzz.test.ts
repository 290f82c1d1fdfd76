// Attack 7: cross-layer fuzzing through the real relay (fuzz/cross-layer.mjs), a short run; `npm run attack` runs it
// long. Expected: every frame gets a typed answer or is dropped, no process dies, honest traffic loses nothing.
import { describe, it } from 'vitest';
import { ATTACK_TIMEOUT_MS, expectHeld } from './expect-held.js';

describe('adversarial: cross-layer fuzzing', () => {
  it('random RPC frames in Routed envelopes get typed answers or nothing, and break nothing', () => expectHeld('crossLayerFuzz'), ATTACK_TIMEOUT_MS);
});
