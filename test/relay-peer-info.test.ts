// What one peer makes a relay repeat to every other (src/relay/peer-info.ts), and what peers() costs the relay per
// call. Round 4 of the adversarial suite (docs/adversarial.md): 50 sessions with 60 KB of metadata each made one
// peers() answer 3.0 MB, rebuilt, encoded and deflated at every call.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryPair } from '../src/transport/memory.js';
import { Relay, RELAY_MODULE } from '../src/relay/relay.js';
import { DEFAULT_MAX_PEER_INFO_BYTES, checkPeerInfo, peerInfoBytes } from '../src/relay/peer-info.js';
import { RelayError } from '../src/relay/errors.js';
import { Session } from '../src/session/session.js';
import { SessionError } from '../src/session/errors.js';
import { decodeBody, type Frame } from '../src/wire/frame.js';
import { MessageType, Status } from '../src/wire/constants.js';
import { fnv1a32 } from '../src/wire/fnv.js';
import { fillIdentities, takeIdentity } from './fixtures/identities.js';
import { TestClock } from './fixtures/clock.js';
import { until } from './fixtures/until.js';
import { MeshNode } from '../src/mesh/node.js';
import { MeshError } from '../src/mesh/errors.js';
import { listenWebSocket } from '../src/transport/websocket-node.js';
import { connectWebSocket } from '../src/transport/websocket.js';

const cleanups: Array<() => void> = [];
beforeEach(() => fillIdentities(6));
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A relay on in-process links, and a way to connect a peer saying what a test picks in its Hello. */
function relayOf(options: Partial<ConstructorParameters<typeof Relay>[0]> = {}) {
  const relay = new Relay({ identity: takeIdentity(), heartbeatIntervalMs: 0, ...options });
  cleanups.push(() => relay.close());
  /** Connects a peer saying `hello` in its Hello; resolves with its session and what the relay's accept() gave. */
  const join = async (hello: { metadata?: Record<string, string>; capabilities?: string[] }) => {
    const [a, b] = memoryPair();
    const accepted = relay.accept(b).then(() => 'accepted', (error: unknown) => error);
    const session = new Session({ ...hello, heartbeatIntervalMs: 0 });
    const inbox: Frame[] = [];
    session.on('frame', (f) => inbox.push({ ...f, payload: f.payload.slice() }));
    cleanups.push(() => session.close());
    const connected = await session.connect(a).then(() => 'open', (error: unknown) => error);
    return { session, inbox, connected, accepted: await accepted };
  };
  return { relay, join };
}

describe('maxPeerInfoBytes: what of its Hello a peer makes the relay repeat', () => {
  it('counts the capabilities and metadata as MessagePack encodes them, headers included', () => {
    expect(peerInfoBytes({ capabilities: [], metadata: {} })).toBe(2); // fixarray 0, fixmap 0
    expect(peerInfoBytes({ capabilities: ['relay'], metadata: { name: 'alice' } })).toBe(1 + 6 + 1 + 5 + 6); // ['relay'], { name: 'alice' }
    expect(peerInfoBytes({ capabilities: [], metadata: { é: 'x'.repeat(40) } })).toBe(1 + 1 + 3 + 2 + 40); // UTF-8 bytes; str8 header
    expect(peerInfoBytes({ capabilities: Array.from({ length: 16 }, () => ''), metadata: {} })).toBe(3 + 16 + 1); // array16: each entry costs
    expect(DEFAULT_MAX_PEER_INFO_BYTES).toBe(4_096);
  });

  it('a Hello at the limit passes; one byte over is a RelayError QuotaExceeded naming the limit', () => {
    const at = { capabilities: [], metadata: { pad: 'x'.repeat(100) } };
    const bytes = peerInfoBytes(at);
    expect(() => checkPeerInfo(at, bytes)).not.toThrow();
    let error: unknown;
    try {
      checkPeerInfo(at, bytes - 1);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RelayError);
    expect(error).toMatchObject({ code: 'SW_ERR_RELAY_PEER_INFO_TOO_LARGE', status: Status.Unauthorized, recoverable: false });
    expect((error as Error).message).toContain(`take ${bytes} bytes, over the relay's maxPeerInfoBytes of ${bytes - 1}`);
  });

  it('the relay refuses an oversized Hello at the handshake (metadata or capabilities), before authorize, and keeps nothing of it', async () => {
    const authorize = vi.fn(() => true);
    const { relay, join } = relayOf({ authorize });
    const honest = await join({ metadata: { name: 'alice', pad: 'x'.repeat(3_000) }, capabilities: ['rpc', 'agents'] });
    expect(honest.connected).toBe('open');
    expect(authorize).toHaveBeenCalledTimes(1);
    for (const hello of [{ metadata: { name: 'mallory', pad: 'x'.repeat(60_000) } }, { capabilities: Array.from({ length: 200 }, (_, i) => `capability-${i}`.padEnd(30, '.')) }]) {
      const refused = await join(hello);
      // The peer: a final refusal (no reconnect loop), with the relay's code and the limit in its message.
      expect(refused.connected).toBeInstanceOf(SessionError);
      expect(refused.connected).toMatchObject({ code: 'SW_ERR_HANDSHAKE_REJECTED', status: Status.Unauthorized, recoverable: false });
      expect((refused.connected as Error).message).toMatch(/SW_ERR_RELAY_PEER_INFO_TOO_LARGE: .* over the relay's maxPeerInfoBytes of 4096/);
      // The relay: its own typed error, counted by code for /metrics.
      expect(refused.accepted).toBeInstanceOf(RelayError);
      expect(refused.accepted).toMatchObject({ code: 'SW_ERR_RELAY_PEER_INFO_TOO_LARGE' });
    }
    expect(authorize).toHaveBeenCalledTimes(1);
    expect(relay.counters().handshakes.get('SW_ERR_RELAY_PEER_INFO_TOO_LARGE')).toBe(2);
    expect(relay.peers().map((p) => p.metadata.name)).toEqual(['alice']);
  });

  it('an operator who wants large metadata raises maxPeerInfoBytes', async () => {
    const { relay, join } = relayOf({ maxPeerInfoBytes: 64 * 1024 });
    expect((await join({ metadata: { pad: 'x'.repeat(60_000) } })).connected).toBe('open');
    expect(relay.peers()[0]!.metadata.pad).toHaveLength(60_000);
  });
});

describe('peers() through the relay module: encoded once per change, not once per call', () => {
  it('serves one encoding until a peer joins, leaves, (un)subscribes, or PEERS_MAX_AGE_MS passes', async () => {
    const clock = new TestClock();
    const { relay, join } = relayOf({ clock });
    const alice = await join({ metadata: { name: 'alice' } });
    const built = vi.spyOn(relay, 'peers');
    let sent = 0;
    /** Asks the relay module for peers() `n` times; resolves with the decoded answers. */
    const ask = async (n: number): Promise<Array<Array<{ metadata: { name: string }; topics: string[] }>>> => {
      const ids = Array.from({ length: n }, () => alice.session.send({ type: MessageType.Request, moduleId: RELAY_MODULE, methodHash: fnv1a32('peers'), body: [] }));
      sent += n;
      await until(() => alice.inbox.filter((f) => f.type === MessageType.Response).length === sent);
      return alice.inbox.filter((f) => ids.includes(Number(f.requestId))).map((f) => decodeBody(f));
    };
    const names = (answer: Array<{ metadata: { name: string } }>): string[] => answer.map((p) => p.metadata.name);

    const first = await ask(20);
    expect(built).toHaveBeenCalledTimes(1); // 20 calls, one build
    expect(new Set(first.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(names(first[0]!)).toEqual(['alice']);

    const bob = await join({ metadata: { name: 'bob' } });
    expect(names((await ask(5))[0]!)).toEqual(['alice', 'bob']); // a join shows at once
    expect(built).toHaveBeenCalledTimes(2);

    bob.session.send({ type: MessageType.Subscribe, body: 'news' });
    await until(() => relay.peers().some((p) => p.topics.includes('news')));
    built.mockClear();
    expect((await ask(5)).map((a) => a[1]!.topics)).toEqual(Array.from({ length: 5 }, () => ['news']));
    expect(built).toHaveBeenCalledTimes(1);

    await clock.advance(999); // nothing changed: still the same encoding
    await ask(3);
    expect(built).toHaveBeenCalledTimes(1);
    await clock.advance(1); // round trips and resumed transports change untold: rebuilt once it is 1 s old
    await ask(3);
    expect(built).toHaveBeenCalledTimes(2);

    bob.session.close();
    await until(() => relay.stats().peers === 1);
    expect(names((await ask(2))[0]!)).toEqual(['alice']); // a leave shows at once
    expect(built).toHaveBeenCalledTimes(3);
  });
});

describe('maxPeerInfoBytes on a MeshNode that accepts (the same rule, src/session/peer-info.ts)', () => {
  it('refuses an oversized Hello over a real WebSocket, typed, before authorize, and keeps nothing; one at the limit passes', async () => {
    const authorize = vi.fn(() => true);
    const accepting = new MeshNode({ identity: takeIdentity(), heartbeatIntervalMs: 0, loadIntervalMs: 0, role: 'core', authorize });
    cleanups.push(() => accepting.close());
    const refusals: unknown[] = [];
    const server = await listenWebSocket((t) => accepting.accept(t).catch((error: unknown) => void refusals.push(error)));
    cleanups.push(() => void server.close());
    const dial = async (metadata: Record<string, string>) => {
      const node = new MeshNode({ identity: takeIdentity(), heartbeatIntervalMs: 0, loadIntervalMs: 0, metadata });
      cleanups.push(() => node.close());
      return node.connect(() => connectWebSocket(server.url), { reconnect: false }).then(() => 'open', (error: unknown) => error);
    };
    const refused = await dial({ name: 'mallory', pad: 'x'.repeat(60_000) });
    expect(refused).toBeInstanceOf(SessionError);
    expect(refused).toMatchObject({ code: 'SW_ERR_HANDSHAKE_REJECTED', status: Status.Unauthorized, recoverable: false });
    expect((refused as Error).message).toMatch(/SW_ERR_MESH_PEER_INFO_TOO_LARGE: .* over the node's maxPeerInfoBytes of 4096/);
    await until(() => refusals.length === 1);
    expect(refusals[0]).toBeInstanceOf(MeshError);
    expect(refusals[0]).toMatchObject({ code: 'SW_ERR_MESH_PEER_INFO_TOO_LARGE', status: Status.Unauthorized });
    expect(authorize).not.toHaveBeenCalled();
    expect(accepting.peers()).toEqual([]);
    const at = { name: 'alice', pad: 'x'.repeat(DEFAULT_MAX_PEER_INFO_BYTES - 40) };
    expect(peerInfoBytes({ capabilities: [], metadata: at })).toBeLessThanOrEqual(DEFAULT_MAX_PEER_INFO_BYTES);
    expect(await dial(at)).toBe('open');
    expect(authorize).toHaveBeenCalledTimes(1);
  });
});
