// Router.learn says whether an announcement changed what is reachable through a peer: a relay re-announces only
// then, which is what lets routes spread along a chain of relays (rooms bridged through a lobby) without echoing.
import { describe, expect, it } from 'vitest';
import { Router } from '../src/mesh/router.js';
import type { KnownPeer } from '../src/mesh/messages.js';

const id = (n: number): Uint8Array => new Uint8Array(16).fill(n);
const hex = (n: number): string => n.toString(16).padStart(2, '0').repeat(16);
const known = (n: number, hops = 0): KnownPeer => ({ id: id(n), role: 'core', capabilities: [], hops });

describe('Router.learn', () => {
  it('reports a change of which nodes a trusted peer reaches, or in how many hops, and nothing else', () => {
    const router = new Router(hex(1));
    router.addDirect({ id: id(2), role: 'relay', capabilities: ['relay'], trusted: true });
    expect(router.learn(hex(2), [])).toBe(false);
    expect(router.learn(hex(2), [known(3)])).toBe(true);
    expect(router.learn(hex(2), [known(3)])).toBe(false);
    expect(router.learn(hex(2), [known(3, 1)])).toBe(true);
    expect(router.learn(hex(2), [known(3, 1), known(4)])).toBe(true);
    expect(router.learn(hex(2), [known(4), known(3, 1)])).toBe(false);
    expect(router.learn(hex(2), [known(4)])).toBe(true);
    expect(router.learn(hex(2), [known(4), known(1)])).toBe(false); // itself is never a route
    expect(router.nextHop(hex(4))).toBe(hex(2));
  });

  it('ignores, and reports no change for, what an untrusted peer announces', () => {
    const router = new Router(hex(1));
    router.addDirect({ id: id(2), role: 'relay', capabilities: ['relay'], trusted: false });
    expect(router.learn(hex(2), [known(3)])).toBe(false);
    expect(router.nextHop(hex(3))).toBeUndefined();
  });
});
