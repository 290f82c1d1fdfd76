// Attack 11: the Durable Object room bridge (src/edge/bridge.ts) in workerd through Miniflare, attacked at the
// Worker's public address while a node in room east calls a counter in room west through the bridge. Pushes signed
// with the rooms' secret stand for traffic an attacker captured (or a room gone rogue): one replayed into a room it
// was not for, sequence numbers that are not integers (NaN, Infinity, negative, unsafe). Without the secret: a flood
// of pushes with a MAC header that is no HMAC, each with a 1 MiB body, and bodies past the limit with or without a length.
// Expected: each refused with its status and nothing changed — no bridge adopted from a misdirected push, east's
// bridge to west still working, every honest call answered.
import { describe, expect, it } from 'vitest';
import { pack } from '../../src/wire/payload.js';
import { createIdentity } from '../../src/session/identity.js';
import { BRIDGE_SECRET, useRooms } from '../fixtures/room-nodes.js';
import { Counter } from '../fixtures/counter-agent.js';
import { keepCalling } from '../fixtures/calls.js';

const rooms = useRooms();

const get = async <T>(path: string): Promise<T> => {
  const response = await rooms.workerd.mf.dispatchFetch(`http://x${path}`);
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<T>;
};
const whoami = (name: string) => get<{ room: string; relay: string }>(`/whoami?room=${name}`);

async function sign(body: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(BRIDGE_SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return Buffer.from(await crypto.subtle.sign('HMAC', key, new Uint8Array(body))).toString('hex');
}
type Init = Parameters<typeof rooms.workerd.mf.dispatchFetch>[1];
const post = (room: string, body: Uint8Array | ReadableStream<Uint8Array>, mac: string) =>
  rooms.workerd.mf.dispatchFetch(`http://x/?room=${room}`, { method: 'POST', headers: { 'x-swarmwire-bridge': mac }, body, duplex: 'half' } as Init);

describe('adversarial: the room bridge', () => {
  it('misdirected, non-integer and flooding pushes are refused and change nothing; honest calls across the bridge all answered', { timeout: 90_000 }, async () => {
    const [east, west, north] = [await whoami('east-9'), await whoami('west-9'), await whoami('north-9')];
    await get(`/bridge?room=east-9&to=west-9`);
    const x = await rooms.join('east-9');
    const y = await rooms.join('west-9');
    y.expose('counter', new Counter());
    for (const end = Date.now() + 10_000; !x.node.peers().some((p) => p.id === y.node.idHex); ) {
      if (Date.now() > end) throw new Error('west not reachable from east');
      await x.node.discover(undefined, 1_000).catch(() => {});
    }
    const calls = keepCalling(() => x.call('counter', 'increment'), 1);

    // Pushes as east's relay would sign them (east's relay id in the Hello; the key is a stranger's: the bridge
    // trusts the HMAC, not the Hello).
    const stranger = await createIdentity();
    const hello = { version: 2, minVersion: 2, nodeId: Uint8Array.from(Buffer.from(east.relay, 'hex')), role: 'relay', capabilities: ['relay'], features: 0, maxPayload: 1 << 20, metadata: {}, alg: 1, key: stranger.publicKey, nonce: new Uint8Array(32) };
    const envelope = (fields: Record<string, unknown>) => pack({ room: east.room, to: west.room, hello, seq: Date.now() * 4000, frames: new Uint8Array(0), ...fields });
    const signed = async (room: string, body: Uint8Array) => (await post(room, body, await sign(body))).status;
    const statuses: Record<string, number> = {};
    statuses['signed for west, replayed into north'] = await signed('north-9', envelope({}));
    for (const [what, seq] of [['NaN', NaN], ['negative', -5], ['unsafe (2^60)', 2 ** 60], ['a string', '99'], ['Infinity', Infinity]] as const) {
      statuses[`seq ${what}`] = await signed('west-9', envelope({ seq }));
    }

    // Without the secret: 100 pushes, 10 at a time, whose MAC header is no HMAC-SHA256, each with a 1 MiB body.
    const mib = new Uint8Array(1024 * 1024);
    const t0 = performance.now();
    const flood: number[] = [];
    await Promise.all(Array.from({ length: 10 }, async () => {
      while (flood.length < 100) flood.push((await post('west-9', mib, 'zz')).status);
    }));
    const floodMs = performance.now() - t0;
    // Past the limit, with a length and without one (a stream: the count is kept while reading).
    statuses['7 MiB with a length'] = (await post('west-9', new Uint8Array(7 * 1024 * 1024), await sign(new Uint8Array(0)))).status;
    const stream = new ReadableStream({ start(c) { for (let i = 0; i < 8; i++) c.enqueue(new Uint8Array(1024 * 1024)); c.close(); } });
    statuses['8 MiB streamed without a length'] = (await post('west-9', stream, '00'.repeat(32))).status;

    await new Promise((r) => setTimeout(r, 1_000)); // honest calls keep going after the attack too
    await calls.stop();
    const after = await x.call('counter', 'increment').catch((e: Error) => e.message);
    const bridgedNorth = await get<string[]>('/bridged?room=north-9');
    const bridgedWest = await get<string[]>('/bridged?room=west-9');
    console.log(`[attack] room bridge: ${JSON.stringify(statuses)}; ${flood.length} unsigned 1 MiB pushes in ${floodMs.toFixed(0)} ms (statuses ${[...new Set(flood)].join(', ')}); honest calls ${calls.results.length} answered, ${calls.errors.length} failed; after: ${after}`);
    expect(statuses).toEqual({
      'signed for west, replayed into north': 403,
      'seq NaN': 400, 'seq negative': 400, 'seq unsafe (2^60)': 400, 'seq a string': 400, 'seq Infinity': 400,
      '7 MiB with a length': 413, '8 MiB streamed without a length': 413,
    });
    expect(new Set(flood)).toEqual(new Set([403]));
    expect(bridgedNorth).toEqual([]);
    expect(bridgedWest).toEqual([east.relay]);
    expect(calls.errors).toEqual([]);
    expect(after).toBe(calls.results.length + 1); // every call during the attack counted once, then this one
    expect(north.relay).not.toBe(east.relay);
  });
});
