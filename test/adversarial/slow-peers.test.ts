// Attack 5: peers that make the relay hold things for them. Expected: dropped after bounded buffering with Error +
// Goodbye 1008, their sockets not kept, and nobody else — the relay's own agent included — affected.
import { describe, it } from 'vitest';
import { ATTACK_TIMEOUT_MS, expectHeld } from './expect-held.js';

describe('adversarial: slow and silent peers', () => {
  it('slow readers are dropped after bounded buffering, told why, and not kept', () => expectHeld('slowReaders'), ATTACK_TIMEOUT_MS);
  it('a peer that never acks is dropped once its unacked store is full, told why', () => expectHeld('neverAcks'), ATTACK_TIMEOUT_MS);
  it('a burst of 16 KiB frames Routed to the relay\'s agent leaves it serving', () => expectHeld('agentBurst'), ATTACK_TIMEOUT_MS);
  it('a burst of 16 KiB broadcasts leaves the relay\'s agent and every honest peer connected', () => expectHeld('broadcastBurst'), ATTACK_TIMEOUT_MS);
});
