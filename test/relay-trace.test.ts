// Trace context through a relay: a Routed envelope carries its inner frame's trace block untouched to a peer that
// offered TRACE, and without it to one that did not (for which the bit is reserved).
import { afterEach, expect, it } from 'vitest';
import { Feature, MessageType, decodeBody, decodeFrame, encodeFrame, parseRouted, routedBody } from 'swarmwire/wire';
import { type Frame, type Session, connectSession, connectWebSocket } from 'swarmwire';
import { type RelayServer, startRelay } from 'swarmwire/node';
import { until } from './fixtures/until.js';

const TRACE = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 1, state: 'congo=t61rcWkgMzE' };
let server: RelayServer | undefined;
const sessions: Session[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) s.close();
  await server?.close();
});

async function peer(features?: number): Promise<{ session: Session; inbox: Frame[] }> {
  const session = await connectSession(() => connectWebSocket(server!.wsUrl), { heartbeatIntervalMs: 0, ...(features === undefined ? {} : { features }) });
  sessions.push(session);
  const inbox: Frame[] = [];
  session.on('frame', (f) => void inbox.push({ ...f, payload: f.payload.slice() }));
  return { session, inbox };
}

it('a Routed frame keeps its trace block for a peer that reads TRACE and loses it for one that does not', async () => {
  server = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
  const alice = await peer();
  const reads = await peer();
  const plain = await peer(Feature.BATCHING | Feature.ACK_REQUIRED);
  const inner = encodeFrame({ type: MessageType.Event, requestId: 9, body: { n: 1 }, trace: TRACE });
  for (const to of [reads, plain]) alice.session.send({ type: MessageType.Routed, body: routedBody(to.session.nodeId, inner) });
  await until(() => reads.inbox.length === 1 && plain.inbox.length === 1);
  const kept = decodeFrame(parseRouted(decodeBody(reads.inbox[0]!)).frame);
  expect(kept.trace).toEqual(TRACE);
  const stripped = decodeFrame(parseRouted(decodeBody(plain.inbox[0]!)).frame);
  expect(stripped.features & Feature.TRACE).toBe(0);
  expect(stripped.trace).toBeUndefined();
  expect([stripped.requestId, decodeBody(stripped)]).toEqual([9n, { n: 1 }]);
});
