// Attack 9: mesh control and migration frames from a stranger to the relay's agent host. Expected: hostile chunked
// snapshots refused with typed codes, nothing restored or loaded, the agent host serving honest peers throughout.
import { describe, it } from 'vitest';
import { ATTACK_TIMEOUT_MS, expectHeld } from './expect-held.js';

describe('adversarial: control and migration frames', () => {
  it('hostile chunk sequences, open snapshots, LoadModule of arbitrary URLs and a Stats flood change nothing', () => expectHeld('migrationAndControl'), ATTACK_TIMEOUT_MS);
});
