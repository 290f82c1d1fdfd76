// The relay's Discovery answers encoded once per change of its peer set (src/relay/discovery-answers.ts): with
// 2,000 peers one answer was ~100 KiB built, packed and deflated per request (~17 ms of the relay's CPU), and any
// peer may ask as often as it likes. Each answer must still be exactly what Router.known gives: every direct peer but
// the asker.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DiscoveryAnswers } from '../src/relay/discovery-answers.js';
import { Router } from '../src/mesh/router.js';
import { Relay } from '../src/relay/relay.js';
import { Session } from '../src/session/session.js';
import { memoryPair } from '../src/transport/memory.js';
import { pack, unpack } from '../src/wire/payload.js';
import { MessageType } from '../src/wire/constants.js';
import { idHex } from '../src/mesh/ids.js';
import type { Frame } from '../src/wire/frame.js';
import { fillIdentities, takeIdentity } from './fixtures/identities.js';
import { until } from './fixtures/until.js';

const HEAD = { role: 'relay' as const, capabilities: ['relay'] };
const id = (n: number): Uint8Array => Uint8Array.from({ length: 16 }, (_, i) => (i < 4 ? (n >>> (8 * i)) & 0xff : 7));

/** A router with `n` direct peers of varied roles and capabilities. */
function routerOf(n: number): Router {
  const router = new Router(idHex(id(0xffffffff)));
  for (let i = 0; i < n; i++) router.addDirect({ id: id(i), role: i % 3 ? 'edge' : 'core', capabilities: i % 2 ? ['rpc', `c${i}`] : [], trusted: false });
  return router;
}

describe('DiscoveryAnswers: the bytes Router.known would give, encoded once per change', () => {
  it.each([0, 1, 15, 16, 17, 300, 66_000])('%i direct peers: each asker\'s answer is every peer but itself, byte for byte', (n) => {
    const router = routerOf(n);
    const answers = new DiscoveryAnswers(router, HEAD);
    const askers = n === 0 ? [idHex(id(1))] : [idHex(id(0)), idHex(id(n - 1)), idHex(id(n >> 1)), idHex(id(n + 5))]; // the last: not a peer
    for (const to of askers) {
      const got = answers.for(to, 1)!;
      const want = pack({ ...HEAD, peers: router.known(to) });
      // Compared as buffers: a deep equality of 2 MB arrays takes minutes.
      expect([got.length, Buffer.compare(Buffer.from(got), Buffer.from(want))]).toEqual([want.length, 0]);
    }
  });

  it('rebuilt when the change count moves, not before; none while routes learnt from other relays are held', () => {
    const router = routerOf(3);
    const answers = new DiscoveryAnswers(router, HEAD);
    const to = idHex(id(0));
    expect(unpack<{ peers: unknown[] }>(answers.for(to, 1)!).peers).toHaveLength(2);
    router.addDirect({ id: id(9), role: 'edge', capabilities: [], trusted: false });
    expect(unpack<{ peers: unknown[] }>(answers.for(to, 1)!).peers).toHaveLength(2); // same count: the encoding kept
    expect(unpack<{ peers: unknown[] }>(answers.for(to, 2)!).peers).toHaveLength(3);
    const relayId = id(42);
    router.addDirect({ id: relayId, role: 'relay', capabilities: ['relay'], trusted: true });
    router.learn(idHex(relayId), [{ id: id(77), role: 'edge', capabilities: [], hops: 0 }]);
    expect(answers.for(to, 3)).toBeUndefined();
  });
});

describe('the relay answers Discovery from the encoding', () => {
  const cleanups: Array<() => void> = [];
  beforeEach(() => fillIdentities(6));
  afterEach(() => {
    while (cleanups.length) cleanups.pop()!();
  });

  it('a burst of Discovery requests builds no list; each answer names every other peer, and a join shows at once', async () => {
    const relay = new Relay({ identity: takeIdentity(), heartbeatIntervalMs: 0 });
    cleanups.push(() => relay.close());
    const join = async () => {
      const [a, b] = memoryPair();
      relay.accept(b).catch(() => {});
      const session = new Session({ heartbeatIntervalMs: 0, identity: takeIdentity() });
      const inbox: Frame[] = [];
      session.on('frame', (f) => inbox.push({ ...f, payload: f.payload.slice() }));
      cleanups.push(() => session.close());
      await session.connect(a);
      return { session, inbox };
    };
    const asker = await join();
    await join();
    await join();
    const known = vi.spyOn(relay.router, 'known');
    const ask = async (n: number): Promise<string[][]> => {
      const before = asker.inbox.length;
      for (let i = 0; i < n; i++) asker.session.send({ type: MessageType.Discovery, body: { role: 'edge', capabilities: [], peers: [] } });
      await until(() => asker.inbox.filter((f, i) => i >= before && f.type === MessageType.DiscoveryResponse).length === n);
      return asker.inbox.slice(before).filter((f) => f.type === MessageType.DiscoveryResponse)
        .map((f) => unpack<{ peers: Array<{ id: Uint8Array }> }>(f.payload).peers.map((p) => idHex(p.id)).sort());
    };
    const mine = idHex(asker.session.nodeId);
    const expected = relay.peers().map((p) => p.id).filter((p) => p !== mine).sort();
    expect(expected).toHaveLength(2);
    const answers = await ask(20);
    expect(answers).toEqual(Array.from({ length: 20 }, () => expected));
    expect(known).not.toHaveBeenCalled();
    const late = await join();
    expect((await ask(1))[0]).toEqual([...expected, idHex(late.session.nodeId)].sort());
  });
});
