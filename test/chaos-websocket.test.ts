// Chaos over real WebSockets through the Node relay: 100,000 ACK_REQUIRED messages from alice to bob while one of
// their sockets is terminated (TCP destroyed, no close handshake) about every 200 ms. Exactly once, in order.
import { afterAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startRelay } from '../src/relay/node.js';
import { connectSession } from '../src/session/connect.js';
import { connectWebSocket, type WebSocketConstructor } from '../src/transport/websocket.js';
import { decodeBody, decodeFrame, encodeFrame } from '../src/wire/frame.js';
import { MessageType } from '../src/wire/constants.js';
import { parseRouted, routedBody } from '../src/wire/routed.js';
import type { Session } from '../src/session/session.js';

const TOTAL = 100_000;
const cleanup: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** A client whose live socket the test can kill. */
async function peer(url: string, name: string): Promise<{ session: Session; kill: () => void }> {
  let live: WebSocket | undefined;
  const Tracked = class extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      live = this;
    }
  } as unknown as WebSocketConstructor;
  const session = await connectSession(() => connectWebSocket(url, { WebSocket: Tracked }), {
    metadata: { name }, heartbeatIntervalMs: 0, maxUnacked: 20_000, reconnect: { initialDelayMs: 5, maxDelayMs: 50 },
  });
  cleanup.push(() => session.close());
  return { session, kill: () => live?.terminate() };
}

it(`delivers ${TOTAL.toLocaleString('en')} acked messages exactly once and in order while sockets die every ~200 ms`, async () => {
  const server = await startRelay({ port: 0, heartbeatIntervalMs: 0, maxUnacked: 50_000, resumeTimeoutMs: 60_000 });
  cleanup.push(() => server.close());
  const alice = await peer(server.wsUrl, 'alice');
  const bob = await peer(server.wsUrl, 'bob');

  let received = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  let expected = 0;
  bob.session.on('frame', (frame) => {
    const n = decodeBody<number>(decodeFrame(parseRouted(decodeBody(frame)).frame));
    received++;
    if (n < expected) duplicates++;
    else if (n > expected) outOfOrder++;
    expected = Math.max(expected, n + 1);
  });

  let kills = 0;
  const killer = setInterval(() => {
    (kills % 2 === 0 ? alice : bob).kill();
    kills++;
  }, 200);
  cleanup.push(() => clearInterval(killer));

  const started = performance.now();
  for (let i = 0; i < TOTAL; ) {
    try {
      alice.session.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.session.nodeId, encodeFrame({ type: MessageType.Event, body: i })) });
      i++;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SW_ERR_SESSION_FULL' && (error as { code?: string }).code !== 'SW_ERR_TRANSPORT_FULL') throw error;
      await new Promise((r) => setTimeout(r, 5));
    }
    if (i % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  const deadline = Date.now() + 120_000;
  while (received - duplicates < TOTAL && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  clearInterval(killer);
  const seconds = (performance.now() - started) / 1000;
  console.log(`[chaos] ${TOTAL} acked messages in ${seconds.toFixed(1)} s with ${kills} sockets killed: ` +
    `delivered ${received - duplicates}, lost ${TOTAL - (received - duplicates)}, duplicated ${duplicates}, out of order ${outOfOrder}`);
  expect(kills).toBeGreaterThanOrEqual(5);
  expect({ delivered: received, duplicates, outOfOrder, last: expected }).toEqual({ delivered: TOTAL, duplicates: 0, outOfOrder: 0, last: TOTAL });
}, 180_000);
