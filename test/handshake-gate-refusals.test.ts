// HandshakeGate.refused: what /metrics reports as swarmwire_relay_refused_connections_total, counted by reason at the
// place each refusal happens (no socket server needed: the gate takes any socket-like object).
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HandshakeGate } from '../src/transport/handshake-gate.js';

/** A socket-like emitter that records whether the gate destroyed it, and closes as a destroyed socket does. */
function socket(): EventEmitter & { destroyed: boolean; destroy(): void } {
  const s = Object.assign(new EventEmitter(), { destroyed: false, destroy: () => void (s.destroyed = true, s.emit('close')) });
  return s;
}

afterEach(() => void vi.useRealTimers());

describe('HandshakeGate.refused', () => {
  it('counts 503 (every place taken) and 429 (every place of the address taken) apart', () => {
    const gate = new HandshakeGate({ maxHandshaking: 2, maxHandshakingPerAddress: 1 });
    expect(typeof gate.admit('a')).toBe('object');
    expect(gate.admit('a')).toBe(429);
    expect(typeof gate.admit('b')).toBe('object');
    expect(gate.admit('c')).toBe(503);
    expect(gate.admit('c')).toBe(503);
    expect(gate.refused).toMatchObject({ busy: 2, address_busy: 1, too_large: 0, deadline: 0, banned: 0 });
  });

  it('counts a socket cut for a message over the limit, and one cut at the deadline', () => {
    vi.useFakeTimers();
    const gate = new HandshakeGate({ maxHandshakeMessage: 100, handshakeDeadlineMs: 1_000 });
    const big = socket();
    gate.guard(big, 'x');
    big.emit('data', new Uint8Array([0x82, 126, 0x10, 0x00])); // a binary message announcing 4,096 bytes
    expect(big.destroyed).toBe(true);
    const slow = socket();
    gate.guard(slow, 'y');
    vi.advanceTimersByTime(1_000);
    expect(slow.destroyed).toBe(true);
    expect(gate.refused).toMatchObject({ too_large: 1, deadline: 1, busy: 0 });
  });

  it('counts IPv6 peers by their /64 for the per-address cap and the ban: a new address in the prefix is no new place', () => {
    const gate = new HandshakeGate({ maxHandshaking: 10, maxHandshakingPerAddress: 2, maxHandshakeMessage: 100 });
    expect(typeof gate.admit('2001:db8:0:1::1')).toBe('object');
    expect(typeof gate.admit('2001:db8:0:1:ffff::2')).toBe('object');
    expect(gate.admit('2001:db8:0:1:abcd:1:2:3')).toBe(429);
    expect(typeof gate.admit('2001:db8:0:2::1')).toBe('object'); // the next /64 is another subscriber
    const big = socket();
    gate.guard(big, '2001:db8:0:3::1');
    big.emit('data', new Uint8Array([0x82, 126, 0x10, 0x00]));
    expect(big.destroyed).toBe(true);
    expect(gate.banned('2001:db8:0:3:9::9')).toBe(true);
    expect(gate.banned('2001:db8:0:4::1')).toBe(false);
  });
});
