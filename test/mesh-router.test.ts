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

// Issue 17: the relay's in-process agent host reads the relay's routes live instead of keeping what it announced.
describe('Router.follow and Router.view', () => {
  it('reads a peer\'s routes live from its router: what known(to) would list, each looked up by id', () => {
    const relay = new Router(hex(2));
    relay.addDirect({ id: id(1), role: 'core', capabilities: ['node'], trusted: false }); // the follower itself
    relay.addDirect({ id: id(3), role: 'edge', capabilities: ['gpu'], trusted: false });
    relay.addDirect({ id: id(5), role: 'relay', capabilities: ['relay'], trusted: true });
    expect(relay.learn(hex(5), [known(6, 0)])).toBe(true);
    const node = new Router(hex(1));
    node.addDirect({ id: id(2), role: 'relay', capabilities: ['relay'], trusted: true });
    node.follow(hex(2), relay.view(hex(1)));
    // Before the peer's first announcement the view is not in use; from it on, whatever the list says.
    expect(node.nextHop(hex(3))).toBeUndefined();
    expect(node.learn(hex(2), [known(9)])).toBe(true);
    expect(node.learn(hex(2), [known(9), known(10)])).toBe(false);
    expect(node.nextHop(hex(9))).toBeUndefined();
    expect(node.nextHop(hex(3))).toBe(hex(2));
    expect(node.nextHop(hex(6))).toBe(hex(2));
    const listed = (r: Router) => r.known().map((p) => [p.id[0], p.role, p.capabilities, p.hops]).sort();
    expect(listed(node)).toEqual([[2, 'relay', ['relay'], 0], [3, 'edge', ['gpu'], 1], [5, 'relay', ['relay'], 1], [6, 'core', [], 2]].sort());
    // Live: a peer that joins or leaves the relay is known, or not, without an announcement.
    relay.addDirect({ id: id(7), role: 'edge', capabilities: [], trusted: false });
    relay.removeDirect(hex(3));
    expect(node.nextHop(hex(7))).toBe(hex(2));
    expect(node.nextHop(hex(3))).toBeUndefined();
    expect(listed(node).map(([n]) => n)).toEqual([2, 5, 6, 7]);
    // Split horizon holds: the follower is never a route of its own view.
    expect(relay.view(hex(1)).get(hex(1))).toBeUndefined();
  });
});
