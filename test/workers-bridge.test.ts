// Rooms bridged (workerd, through Miniflare): two Durable Object relays linked with stub fetch, so a node in room
// east calls agents in room west — on a Node there and in west's Durable Object — and moves an agent across while
// calls flow; the bridge outlives an eviction of either room; pushes not signed with the rooms' secret, replayed or
// too large are refused and change nothing.
import { describe, expect, it } from 'vitest';
import { AgentHost, connectSession, connectWebSocket, decodeBody, MeshNode, MessageType } from 'swarmwire';
import { pack } from '../src/wire/payload.js';
import { decodeFrame, encodeFrame } from '../src/wire/frame.js';
import { parseRouted, routedBody } from '../src/wire/routed.js';
import { createIdentity } from '../src/session/identity.js';
import { BRIDGE_SECRET, useRooms } from './fixtures/room-nodes.js';
import { until } from './fixtures/until.js';
import { keepCalling, oneToN } from './fixtures/calls.js';
import { Counter } from './fixtures/counter-agent.js';
import { readmeBlock } from './fixtures/readme.js';
import { startWorkerd } from './fixtures/workerd.js';

const rooms = useRooms();
const { join, evict } = rooms;

const get = async <T>(path: string): Promise<T> => {
  const response = await rooms.workerd.mf.dispatchFetch(`http://x${path}`);
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<T>;
};
type Whoami = { room: string; relay: string; agents: string };
const whoami = (name: string) => get<Whoami>(`/whoami?room=${name}`);
const bridge = (from: string, to: string) => get<{ relay: string; to: string }>(`/bridge?room=${from}&to=${to}`);
const bridged = (name: string) => get<string[]>(`/bridged?room=${name}`);

/** Discovers until `host` knows node `id` (through both relays), within 10 s. */
async function reach(host: AgentHost, id: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!host.node.peers().some((p) => p.id === id)) {
    if (Date.now() > end) throw new Error(`node ${id} not reachable from ${host.node.idHex}`);
    await host.node.discover(undefined, 1_000).catch(() => {});
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A push to room `to` through the Worker's public address, as a room sends it: `body` signed with `secret`. */
async function push(to: string, body: Uint8Array, secret = BRIDGE_SECRET): ReturnType<typeof rooms.workerd.mf.dispatchFetch> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = Buffer.from(await crypto.subtle.sign('HMAC', key, new Uint8Array(body))).toString('hex');
  return rooms.workerd.mf.dispatchFetch(`http://x/?room=${to}`, { method: 'POST', headers: { 'x-swarmwire-bridge': mac }, body });
}

describe('rooms bridged', () => {
  it('as README shows them: every room bridged to the lobby, agents spawned in a Durable Object and called from every room', { timeout: 60_000 }, async () => {
    const readme = await startWorkerd({ code: readmeBlock('worker-rooms') }, { ROOMS: 'Room' }, { BRIDGE_SECRET });
    const hosts: AgentHost[] = [];
    try {
      const joinReadme = async (name: string): Promise<AgentHost> => {
        const host = new AgentHost(await MeshNode.create({ role: 'core', heartbeatIntervalMs: 0, loadIntervalMs: 0 }), { queryTimeoutMs: 2_000 });
        hosts.push(host);
        await host.node.connect(() => connectWebSocket(`ws://${readme.base.host}/ws?room=${name}`), { reconnect: false });
        return host;
      };
      const [a, b] = [await joinReadme('east'), await joinReadme('west')];
      await reach(a, b.node.idHex); // east → lobby → west
      const objects = () => a.node.peers().filter((p) => p.capabilities.includes('durable-object')).length;
      const end = Date.now() + 10_000;
      while (objects() < 3) { // the objects of east, west and the lobby
        if (Date.now() > end) throw new Error(`${objects()} Durable Object nodes reachable, not 3`);
        await a.node.discover(undefined, 1_000);
      }
      await a.spawn('Counter', 'c', { capabilities: ['durable-object'] });
      expect(await a.call('c', 'increment')).toBe(1);
      expect(await b.call('c', 'increment', [2])).toBe(3);
    } finally {
      for (const h of hosts) {
        h.close();
        h.node.close();
      }
      await readme.stop();
    }
  });

  it('a node in one room calls agents in the other, on a Node and in the Durable Object, and moves one across under calls', { timeout: 60_000 }, async () => {
    const [east, west] = [await whoami('east-1'), await whoami('west-1')];
    expect(await bridge('east-1', 'west-1')).toEqual({ relay: east.relay, to: west.relay });
    // The other room bridged back on the first push; linking again changes nothing.
    expect(await bridged('west-1')).toEqual([east.relay]);
    expect(await bridge('east-1', 'west-1')).toEqual({ relay: east.relay, to: west.relay });
    expect(await bridged('east-1')).toEqual([west.relay]);

    const x = await join('east-1');
    const y = await join('west-1');
    y.expose('counter', new Counter());
    await reach(x, y.node.idHex);
    await reach(y, x.node.idHex);
    for (let i = 1; i <= 10; i++) expect(await x.call('counter', 'increment')).toBe(i);

    // Broadcasts stay in their room.
    const dial = (name: string) => connectSession(() => connectWebSocket(`ws://${rooms.workerd.base.host}/ws?room=${name}`), { heartbeatIntervalMs: 0, reconnect: false });
    const [sender, sameRoom, otherRoom] = [await dial('east-1'), await dial('east-1'), await dial('west-1')];
    const heard = { sameRoom: 0, otherRoom: 0 };
    sameRoom.on('frame', (f) => void (f.type === MessageType.Broadcast && heard.sameRoom++));
    otherRoom.on('frame', (f) => void (f.type === MessageType.Broadcast && heard.otherRoom++));
    sender.send({ type: MessageType.Broadcast, ack: true, body: { data: 'east only' } });
    await until(() => heard.sameRoom === 1);
    // A call that crosses after it, answered: pushes keep their order, so a broadcast that crossed would be there.
    expect(await x.call('counter', 'increment')).toBe(11);
    expect(heard.otherRoom).toBe(0);
    for (const s of [sender, sameRoom, otherRoom]) s.close();

    // An agent spawned from the east room into a Durable Object (placement picks the least loaded of the two rooms').
    await reach(x, west.agents);
    expect(await x.spawn('Counter', 'kept', { capabilities: ['durable-object'] })).toMatch(new RegExp(`^(${east.agents}|${west.agents})$`));
    expect(await x.call('kept', 'increment', [3])).toBe(3);

    // east's Node → west's Durable Object, while calls flow from both rooms.
    x.expose('roamer', new Counter());
    await reach(y, x.node.idHex);
    const fromWest = keepCalling(() => y.call('roamer', 'increment'), 2);
    const fromEast = keepCalling(() => x.call('roamer', 'increment'), 1);
    await until(() => fromWest.results.length + fromEast.results.length >= 30, 20_000);
    expect(await x.migrate('roamer', west.agents)).toBe(west.agents);
    const moved = fromWest.results.length + fromEast.results.length;
    await until(() => fromWest.results.length + fromEast.results.length >= moved + 30, 20_000);
    await Promise.all([fromWest.stop(), fromEast.stop()]);
    expect([...fromWest.errors, ...fromEast.errors]).toEqual([]);
    const all = [...fromWest.results, ...fromEast.results].sort((a, b) => a - b);
    expect(all).toEqual(oneToN(all.length));
    expect(await y.call('roamer', 'get')).toBe(all.length);
    expect(x.agents()).toEqual([]);
  });

  it('outlives an eviction of either room: rebuilt from storage, nothing answered is lost', { timeout: 60_000 }, async () => {
    const [east, west] = [await whoami('east-2'), await whoami('west-2')];
    await bridge('east-2', 'west-2');
    const x = await join('east-2');
    const y = await join('west-2');
    y.expose('counter', new Counter());
    await reach(x, y.node.idHex);
    for (let i = 1; i <= 5; i++) expect(await x.call('counter', 'increment')).toBe(i);
    await evict('west-2', y.node);
    expect(await bridged('west-2')).toEqual([east.relay]);
    await reach(x, y.node.idHex);
    expect(await x.call('counter', 'increment')).toBe(6);
    await evict('east-2', x.node);
    expect(await bridged('east-2')).toEqual([west.relay]);
    await reach(x, y.node.idHex);
    expect(await x.call('counter', 'increment')).toBe(7);
    expect(await y.call('counter', 'get')).toBe(7);
  });

  it('pushes again, oldest first, the acked frames a failed push carried: each delivered once, in order', { timeout: 60_000 }, async () => {
    await bridge('east-4', 'west-4');
    const dial = async (name: string) => connectSession(() => connectWebSocket(`ws://${rooms.workerd.base.host}/ws?room=${name}`), { heartbeatIntervalMs: 0, reconnect: false, role: 'core', identity: await createIdentity() });
    const receiver = await dial('west-4');
    const got: unknown[] = [];
    receiver.on('frame', (f) => void (f.type === MessageType.Routed && got.push(decodeBody(decodeFrame(parseRouted(decodeBody(f)).frame)))));
    await reach(await join('east-4'), receiver.identity!.idHex); // east's relay has the route
    const sender = await dial('east-4');
    // The next pushes each way fail (503): east's frames wait in storage and go again, oldest first, after the back-off.
    expect(await get('/fail-pushes?room=west-4&n=3')).toEqual({ left: 0 });
    expect(await get('/fail-pushes?room=east-4&n=3')).toEqual({ left: 0 });
    for (let i = 0; i < 50; i++) {
      sender.send({ type: MessageType.Routed, ack: true, body: routedBody(receiver.identity!.id, encodeFrame({ type: MessageType.Event, body: i })) });
    }
    await until(() => got.length >= 50, 20_000);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(await get('/fail-pushes?room=west-4&n=0')).toEqual({ left: 0 }); // every failure was met, and got past
    for (const s of [sender, receiver]) s.close();
  });

  it('refuses pushes not signed with the rooms\' secret, replayed or too large, and they change nothing', { timeout: 60_000 }, async () => {
    const [east, west] = [await whoami('east-3'), await whoami('west-3')];
    await bridge('east-3', 'west-3');
    const x = await join('east-3');
    const y = await join('west-3');
    y.expose('counter', new Counter());
    await reach(x, y.node.idHex);
    expect(await x.call('counter', 'increment')).toBe(1);

    const stranger = await createIdentity();
    const envelope = (seq: number, nodeId = stranger.id) => pack({
      room: east.room, to: west.room, seq, frames: new Uint8Array(0),
      hello: { version: 2, minVersion: 2, nodeId, role: 'relay', capabilities: ['relay'], features: 0, maxPayload: 1 << 20, metadata: {}, alg: 1, key: stranger.publicKey, nonce: new Uint8Array(32) },
    });
    const forged = await push('west-3', envelope(Date.now() * 2000), 'not the secret, but long enough');
    expect(forged.status).toBe(403);
    expect(await forged.text()).toBe('[swarmwire] bridge: the push is not signed with the bridge secret');
    const unsigned = await rooms.workerd.mf.dispatchFetch('http://x/?room=west-3', { method: 'POST', headers: { 'x-swarmwire-bridge': 'zz' }, body: envelope(Date.now() * 2000) });
    expect(unsigned.status).toBe(403);
    // Signed, but from east's room with a number east has already gone past: a replay.
    const replay = await push('west-3', envelope(1, Uint8Array.from(Buffer.from(east.relay, 'hex'))));
    expect(replay.status).toBe(409);
    const tooLarge = await push('west-3', new Uint8Array(7 * 1024 * 1024));
    expect(tooLarge.status).toBe(413);
    const garbage = await push('west-3', new Uint8Array([0xc1, 1, 2]));
    expect(garbage.status).toBe(400);
    expect(await bridged('west-3')).toEqual([east.relay]);
    expect(await x.call('counter', 'increment')).toBe(2);
    expect(west.relay).not.toBe(stranger.idHex);
  });
});
