// Issue 13, an address that takes every place: the relay capped connections still handshaking per remote address,
// but not peers once through, so one address could hold all of maxPeers and lock everyone else out. Attacked as an
// outsider would, over real WebSockets from distinct loopback addresses (127.0.0.x), against the Node relay; the
// resume rule and the IPv6 /64 key on in-process links.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectSession, connectWebSocket, type Session, SessionError, Status } from 'swarmwire';
import { startRelay, type RelayServer } from 'swarmwire/node';
import { Relay } from '../src/relay/relay.js';
import { memoryPair } from '../src/transport/memory.js';
import { Session as SessionClass } from '../src/session/session.js';
import { addressKey } from '../src/transport/address-key.js';
import { fillIdentities, takeIdentity } from './fixtures/identities.js';
import { until } from './fixtures/until.js';
import { wsFrom } from './fixtures/ws-from.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** One attempt to connect to `relay` from `address`: the open session, or the error that refused it. */
async function dial(relay: RelayServer, address: string): Promise<Session | SessionError> {
  const session = await connectSession(() => connectWebSocket(relay.wsUrl, { WebSocket: wsFrom(address) }), { heartbeatIntervalMs: 0, reconnect: false })
    .catch((error: unknown) => error as SessionError);
  if (!(session instanceof SessionError)) cleanups.push(() => session.close());
  return session;
}

async function relayOf(options: Parameters<typeof startRelay>[0]): Promise<RelayServer> {
  const relay = await startRelay({ port: 0, heartbeatIntervalMs: 0, ...options });
  cleanups.push(() => relay.close());
  return relay;
}

// The published Relay type leaves out the @internal counters: the relay is the source's class here.
const handshakes = (relay: RelayServer, outcome: string): number => (relay.relay as unknown as Relay).counters().handshakes.get(outcome) ?? 0;

describe('maxPeersPerAddress: one remote address cannot take every place', () => {
  it('past the cap a peer from that address is refused, typed and counted; other addresses still get in; a place frees when one leaves', async () => {
    const relay = await relayOf({ maxPeers: 100, maxPeersPerAddress: 3 });
    const held: Session[] = [];
    for (let i = 0; i < 3; i++) held.push(await dial(relay, '127.0.0.2') as Session);
    expect(held.every((s) => s.state === 'open')).toBe(true);
    const refused = await dial(relay, '127.0.0.2');
    expect(refused).toBeInstanceOf(SessionError);
    // "Later", not "never": a place frees when one of the address's peers leaves.
    expect(refused).toMatchObject({ code: 'SW_ERR_HANDSHAKE_REJECTED', status: Status.QuotaExceeded, recoverable: true });
    expect((refused as Error).message).toMatch(/SW_ERR_ADDRESS_FULL: .*maximum of 3 peers from one address/);
    expect(handshakes(relay, 'SW_ERR_ADDRESS_FULL')).toBe(1);
    expect(relay.relay.stats().peers).toBe(3); // nothing of the refused peer kept
    const other = await dial(relay, '127.0.0.3');
    expect(other).not.toBeInstanceOf(SessionError);
    // /metrics names the refusal as a handshake outcome of its own.
    const metrics = await (await fetch(`${relay.url}metrics`)).text();
    expect(metrics).toContain('swarmwire_relay_handshakes_total{outcome="SW_ERR_ADDRESS_FULL"} 1');
    held[0]!.close();
    await until(() => relay.relay.stats().peers === 3);
    const back = await dial(relay, '127.0.0.2');
    expect(back).not.toBeInstanceOf(SessionError);
  });

  it('by default one address holds at most a quarter of maxPeers', async () => {
    const relay = await relayOf({ maxPeers: 8 });
    expect((await dial(relay, '127.0.0.4')) instanceof SessionError).toBe(false);
    expect((await dial(relay, '127.0.0.4')) instanceof SessionError).toBe(false);
    expect(await dial(relay, '127.0.0.4')).toMatchObject({ status: Status.QuotaExceeded, message: expect.stringContaining('SW_ERR_ADDRESS_FULL') });
    expect((await dial(relay, '127.0.0.5')) instanceof SessionError).toBe(false);
  });
});

describe('maxPeersPerAddress on in-process links (the address as the host names it)', () => {
  beforeEach(() => fillIdentities(6));

  function relayOf(options: Partial<ConstructorParameters<typeof Relay>[0]>) {
    const relay = new Relay({ identity: takeIdentity(), heartbeatIntervalMs: 0, ...options });
    cleanups.push(() => relay.close());
    /** Connects `session` (a new one by default) over a fresh link the relay accepts as coming from `address`. */
    const join = async (address: string, session = new SessionClass({ heartbeatIntervalMs: 0 })) => {
      const [a, b] = memoryPair();
      const accepted = relay.accept(b, address).catch((error: unknown) => error);
      cleanups.push(() => session.close());
      const connected = await session.connect(a).then(() => 'open', (error: unknown) => error);
      return { session, link: a, connected, accepted: await accepted };
    };
    return { relay, join };
  }

  it('a peer resuming its own session is let back at the cap; a new one is not', async () => {
    const { relay, join } = relayOf({ maxPeersPerAddress: 2 });
    const alice = await join('10.0.0.1');
    await join('10.0.0.1');
    expect((await join('10.0.0.1')).connected).toMatchObject({ status: Status.QuotaExceeded });
    alice.link.faults.disconnect();
    await until(() => alice.session.state === 'disconnected');
    expect(relay.stats().peers).toBe(2); // awaiting resume: still held, still counted
    expect((await join('10.0.0.1')).connected).toMatchObject({ status: Status.QuotaExceeded });
    const resumed = await join('10.0.0.1', alice.session);
    expect(resumed.connected).toBe('open');
    expect(relay.stats().peers).toBe(2);
  });

  it('IPv6 peers of one /64 count as one address; an IPv4-mapped address as its IPv4 address', async () => {
    const { join } = relayOf({ maxPeersPerAddress: 1 });
    expect((await join('2001:db8:0:1::a')).connected).toBe('open');
    expect((await join('2001:db8:0:1:ffff::b')).connected).toMatchObject({ status: Status.QuotaExceeded });
    expect((await join('2001:db8:0:2::a')).connected).toBe('open');
    expect((await join('::ffff:10.0.0.9')).connected).toBe('open');
    expect((await join('10.0.0.9')).connected).toMatchObject({ status: Status.QuotaExceeded });
  });

  it('addressKey: IPv4 as is, IPv6 by its /64 however it is written', () => {
    const cases: Array<[string, string]> = [
      ['203.0.113.7', '203.0.113.7'],
      ['::ffff:203.0.113.7', '203.0.113.7'],
      ['2001:db8::1', '2001:db8:0:0::/64'],
      ['2001:0DB8:0000:0000:1:2:3:4', '2001:db8:0:0::/64'],
      ['fe80::1%eth0', 'fe80:0:0:0::/64'],
      ['::1', '0:0:0:0::/64'],
      ['2001:db8:1:2:3::', '2001:db8:1:2::/64'],
      ['64:ff9b::192.0.2.33', '64:ff9b:0:0::/64'],
      ['not an address', 'not an address'],
      ['', ''],
    ];
    for (const [address, key] of cases) expect([address, addressKey(address)]).toEqual([address, key]);
  });
});
