// Relays bridged through a real Redis Cluster of three redis-servers in cluster mode, started and joined by this
// test: each node's traffic stays on the shard of its hash slot — its stream there, its channel sharded (SSUBSCRIBE
// on that shard only, no classic subscription anywhere) — while broadcasts and heartbeats stay global.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSession, connectWebSocket, decodeBody, MessageType, type Frame, type Session } from 'swarmwire';
import { decodeFrame, encodeFrame, parseRouted, routedBody } from 'swarmwire/wire';
import { bridgeRedis, startRelay, type RedisBridge, type RelayServer } from 'swarmwire/node';
import { createClient } from '@redis/client';
import { startCluster, type RedisCluster } from './fixtures/redis.mjs';
import { until } from './fixtures/until.js';

let cluster: RedisCluster;
const cleanups: Array<() => unknown> = [];
/** One plain connection to each cluster node, to ask it what it alone holds. */
const nodes = new Map<string, { sendCommand(args: string[]): Promise<unknown>; destroy(): void }>();
beforeAll(async () => {
  cluster = await startCluster(3);
  for (const url of cluster.urls) {
    const client = createClient({ url });
    client.on('error', () => {});
    await client.connect();
    nodes.set(url, client);
    cleanups.push(() => client.destroy());
  }
}, 60_000);
const redisCommand = (url: string, ...args: string[]): Promise<unknown> => nodes.get(url)!.sendCommand(args);
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await cluster?.stop();
});

const hex = (id: Uint8Array): string => Buffer.from(id).toString('hex');
const carried = (f: Frame): unknown => decodeBody(decodeFrame(parseRouted(decodeBody(f)).frame));

async function relay(relayId: string): Promise<{ server: RelayServer; bridge: RedisBridge }> {
  const server = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
  const bridge = await bridgeRedis(server.relay, { cluster: { nodes: cluster.urls.slice(0, 1) }, prefix: 'k', relayId, heartbeatMs: 100 });
  cleanups.push(() => server.close(), () => bridge.close());
  return { server, bridge };
}

async function peer(wsUrl: string) {
  const session: Session = await connectSession(() => connectWebSocket(wsUrl), { heartbeatIntervalMs: 0, reconnect: false });
  cleanups.push(() => session.close());
  const inbox: Frame[] = [];
  session.on('frame', (f) => inbox.push({ ...f, payload: f.payload.slice() }));
  return { session, inbox };
}

/** The URL of the shard that owns `key`'s hash slot. */
async function shardOf(key: string): Promise<string> {
  const slot = Number(await redisCommand(cluster.urls[0]!, 'CLUSTER', 'KEYSLOT', key));
  const slots = (await redisCommand(cluster.urls[0]!, 'CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
  const [, , [, port]] = slots.find(([from, to]) => slot >= from && slot <= to)!;
  return `redis://127.0.0.1:${port}`;
}

describe('relays bridged through a Redis Cluster', () => {
  it('carries acked and best-effort frames to nodes on every shard, each node on its own shard only', async () => {
    const a = await relay('A');
    const b = await relay('B');
    const alice = await peer(a.server.wsUrl);
    const bobs = await Promise.all([...Array(8)].map(() => peer(b.server.wsUrl)));
    const tags = bobs.map((bob) => `{k:${hex(bob.session.nodeId)}}`);
    const shards = await Promise.all(tags.map((tag) => shardOf(`${tag}:s`)));
    expect(new Set(shards).size).toBeGreaterThan(1); // 8 random ids: on more than one of the 3 shards

    // Each bob's channel is subscribed on its shard (sharded), nowhere else, and never as a classic channel.
    for (const [i, tag] of tags.entries()) {
      for (let n = 0; ; n++) {
        const counts = await Promise.all(cluster.urls.map(async (u) => ((await redisCommand(u, 'PUBSUB', 'SHARDNUMSUB', `${tag}:ch`)) as [string, number])[1]));
        const owner = cluster.urls.indexOf(shards[i]!);
        if (counts[owner] === 1) {
          expect(counts.filter((c, j) => j !== owner && c > 0)).toEqual([]);
          break;
        }
        if (n > 200) throw new Error(`${tag}:ch is not subscribed on its shard`);
        await new Promise((r) => setTimeout(r, 10));
      }
      for (const u of cluster.urls) expect(((await redisCommand(u, 'PUBSUB', 'NUMSUB', `${tag}:ch`)) as [string, number])[1]).toBe(0);
    }

    for (const [i, bob] of bobs.entries()) {
      for (let n = 0; n < 10; n++) {
        alice.session.send({ type: MessageType.Routed, ack: n % 2 === 0, body: routedBody(bob.session.nodeId, encodeFrame({ type: MessageType.Event, body: i * 100 + n })) });
      }
    }
    await until(() => bobs.every((bob) => bob.inbox.length === 10) && alice.session.unacked === 0, 10_000);
    for (const [i, bob] of bobs.entries()) {
      const got = bob.inbox.map(carried) as number[];
      expect(got.filter((n) => n % 2 === 0)).toEqual([0, 2, 4, 6, 8].map((n) => i * 100 + n)); // acked: in order
      expect(got.filter((n) => n % 2 === 1).sort((x, y) => x - y)).toEqual([1, 3, 5, 7, 9].map((n) => i * 100 + n));
    }
    // Each stream lives on its node's shard (its cursor moved past everything, so it is trimmed empty by now).
    for (const [i, tag] of tags.entries()) {
      const slot = String(await redisCommand(shards[i]!, 'CLUSTER', 'KEYSLOT', `${tag}:s`));
      expect(Number(await redisCommand(shards[i]!, 'CLUSTER', 'COUNTKEYSINSLOT', slot))).toBeGreaterThan(0);
    }
  });

  it('keeps broadcasts and relay heartbeats global', async () => {
    const a = await relay('C');
    const b = await relay('D');
    await until(() => a.bridge.relays().includes('D') && b.bridge.relays().includes('C'));
    const alice = await peer(a.server.wsUrl);
    const bob = await peer(b.server.wsUrl);
    alice.session.send({ type: MessageType.Broadcast, body: { data: 'everyone' } });
    await until(() => bob.inbox.some((f) => f.type === MessageType.Broadcast));
    expect(decodeBody<{ data: string }>(bob.inbox.find((f) => f.type === MessageType.Broadcast)!).data).toBe('everyone');
  });
});
