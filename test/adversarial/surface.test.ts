// Attack 6: what a stranger can reach on exposed objects — prototype names, privates, symbols, writes, getters — on an
// SDK peer's expose() and on the relay's dashboard agent, both shared with honest callers.
import { describe, it } from 'vitest';
import { ATTACK_TIMEOUT_MS, expectHeld } from './expect-held.js';

describe('adversarial: the RPC surface', () => {
  it('reaches only own members, refuses writes nobody opted in to, runs getters once', () => expectHeld('rpcSurface'), ATTACK_TIMEOUT_MS);
});
