// comlinkEndpoint() hands messages on in the order the link delivered them, across the endpoint and the ports that
// crossed it (src/rpc/comlink-arrival.ts). The link is held while the sender posts, so everything arrives in one
// task, as after a ring reader slept or in one socket read: the interleaving under which Comlink's "will proxy
// deeply nested values" failed over rings in CI (got 5, expected 9). Each test failed before the fix.
import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { type ComlinkEndpoint, type ComlinkMessageEvent, type Session, SessionHost, comlinkEndpoint, connectSession, memoryPair } from 'swarmwire';
import type { MemoryTransport } from 'swarmwire/transport';
import { until } from './fixtures/until.js';

interface Held {
  client: ComlinkEndpoint;
  server: ComlinkEndpoint;
  /** The client's side of the in-process pair: its faults hold and release what the client sends. */
  link: MemoryTransport;
  serverSession: Session;
}

let close: (() => void) | undefined;
const opened: MessagePort[] = [];
afterEach(() => {
  for (const p of opened.splice(0)) p.close();
  close?.();
  close = undefined;
});

/** Endpoints on a session over the in-process pair, the client's sends holdable. */
async function held(): Promise<Held> {
  const host = new SessionHost({ heartbeatIntervalMs: 0 });
  let link!: MemoryTransport;
  let accepted!: Promise<Session>;
  const clientSession = await connectSession(async () => {
    const [a, b] = memoryPair();
    link = a;
    accepted = host.accept(b);
    return a;
  }, { heartbeatIntervalMs: 0, reconnect: false });
  const server = await accepted;
  close = () => (clientSession.close(), host.close());
  return { client: comlinkEndpoint(clientSession), server: comlinkEndpoint(server), link, serverSession: server };
}

/** A port crossed from client to server: the client keeps `local`, the server's listeners got `remote`. */
async function crossed(h: Held): Promise<{ local: MessagePort; remote: MessagePort }> {
  const { port1, port2 } = new MessageChannel();
  opened.push(port1);
  const got = new Promise<ComlinkMessageEvent>((resolve) => h.server.addEventListener('message', (e) => resolve(e as unknown as ComlinkMessageEvent), { once: true }));
  h.client.postMessage(port2, [port2]);
  const remote = (await got).data as MessagePort;
  opened.push(remote);
  return { local: port1, remote };
}

/**
 * Posts, and waits until what was posted is in the held link: a message posted on a port crosses a MessageChannel
 * to the end bridged here before it goes out. Waiting each time makes the link's order the order of the posts.
 */
async function onTheWire(h: Held, post: () => void): Promise<void> {
  const before = h.link.bufferedAmount;
  post();
  await until(() => h.link.bufferedAmount > before);
}

/** One task later than anything posted on a MessageChannel before. */
function aTaskLater(): Promise<void> {
  const { port1, port2 } = new MessageChannel();
  return new Promise((resolve) => {
    port2.onmessage = () => (port1.close(), port2.close(), resolve());
    port1.postMessage(null);
  });
}

describe('delivery in arrival order across the endpoint and its ports', () => {
  it('Comlink: a SET through a proxy\'s port, then a GET through the endpoint, arriving in one task (the CI failure)', async () => {
    const h = await held();
    const thing = Comlink.wrap<{ b: { v: number } }>(h.client);
    Comlink.expose({ b: Comlink.proxy({ v: 5 }) }, h.server);
    const b = await thing.b;
    expect(await b.v).toBe(5);
    h.link.faults.hold();
    // As the test does: `b.v = 9` (Comlink's set trap posts SET on b's port; nobody awaits its answer), then a GET of
    // the same field through the endpoint.
    await onTheWire(h, () => Reflect.set(b, 'v', 9));
    let get: Promise<number> | undefined;
    await onTheWire(h, () => (get = (thing.b as unknown as { v: Promise<number> }).v.then((v) => v))); // a Comlink GET goes out when awaited
    h.link.faults.release();
    expect(await get).toBe(9);
  });

  it('a port message, then an endpoint message: the port\'s listeners run first', async () => {
    const h = await held();
    const { local, remote } = await crossed(h);
    const seen: string[] = [];
    remote.onmessage = (e) => seen.push(`port:${e.data}`);
    h.server.addEventListener('message', (e) => seen.push(`endpoint:${(e as MessageEvent).data}`));
    h.link.faults.hold();
    await onTheWire(h, () => local.postMessage('a'));
    await onTheWire(h, () => h.client.postMessage('b'));
    h.link.faults.release();
    await until(() => seen.length === 2);
    expect(seen).toEqual(['port:a', 'endpoint:b']);
  });

  it('interleaved messages on two ports and the endpoint keep the order they were sent in', async () => {
    const h = await held();
    const one = await crossed(h);
    const two = await crossed(h);
    const seen: string[] = [];
    one.remote.onmessage = (e) => seen.push(`one:${e.data}`);
    two.remote.onmessage = (e) => seen.push(`two:${e.data}`);
    h.server.addEventListener('message', (e) => seen.push(`endpoint:${(e as MessageEvent).data}`));
    h.link.faults.hold();
    const order: Array<[string, (m: string) => void]> = [
      ['one', (m) => one.local.postMessage(m)], ['one', (m) => one.local.postMessage(m)], ['two', (m) => two.local.postMessage(m)],
      ['endpoint', (m) => h.client.postMessage(m)], ['one', (m) => one.local.postMessage(m)], ['endpoint', (m) => h.client.postMessage(m)],
      ['two', (m) => two.local.postMessage(m)], ['two', (m) => two.local.postMessage(m)], ['one', (m) => one.local.postMessage(m)],
    ];
    const expected: string[] = [];
    for (const [i, [where, post]] of order.entries()) {
      await onTheWire(h, () => post(String(i)));
      expected.push(`${where}:${i}`);
    }
    h.link.faults.release();
    await until(() => seen.length === expected.length);
    expect(seen).toEqual(expected);
  });

  it('drops what waits when the link closes: nothing is delivered after', async () => {
    const h = await held();
    const { local, remote } = await crossed(h);
    const seen: unknown[] = [];
    // The port's listener closes the link: the endpoint message behind it was waiting for its fence, and goes.
    remote.onmessage = (e) => (seen.push(e.data), h.serverSession.close());
    h.server.addEventListener('message', (e) => seen.push((e as MessageEvent).data));
    h.link.faults.hold();
    await onTheWire(h, () => local.postMessage('port'));
    await onTheWire(h, () => h.client.postMessage('endpoint'));
    h.link.faults.release();
    await until(() => h.serverSession.state === 'closed');
    await aTaskLater();
    expect(seen).toEqual(['port']);
  });
});
