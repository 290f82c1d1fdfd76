// A transport with a small frame limit (a ring: half a lane) under a session that compresses: a frame too big for
// it must be refused at send(), where the caller can be told, not inside the compression chain where the error
// could reach no caller (found migrating a 1 MiB agent over a ring: the migration waited for its deadline).
import { afterEach, beforeAll, expect, it } from 'vitest';
import { Feature, pack } from 'swarmwire/wire';
import { type Frame, MessageType, Session, SessionHost, Status, SwarmwireError, TransportError, connectSession, init, memoryPair } from 'swarmwire';
import { MemoryTransport, ringPair } from 'swarmwire/transport';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
beforeAll(async () => {
  await init();
});

async function sessionsOverRing(laneBytes: number): Promise<{ client: Session; received: Frame[]; limit: number }> {
  const [a, b] = ringPair({ laneBytes });
  const host = new SessionHost({ heartbeatIntervalMs: 0 });
  const received: Frame[] = [];
  const accepted = host.accept(b).then((s) => {
    s.on('frame', (f) => received.push({ ...f, payload: f.payload.slice() }));
    return s;
  });
  const client = await connectSession(() => a, { heartbeatIntervalMs: 0, compressThreshold: 1024 });
  await accepted;
  cleanups.push(() => client.close(), () => host.close());
  return { client, received, limit: a.maxFrameBytes };
}

it('refuses at send() a compressible frame larger than the ring carries, and the session stays usable', async () => {
  const { client, received, limit } = await sessionsOverRing(64 * 1024);
  expect(client.peer!.negotiated.features & Feature.COMPRESSED).toBe(Feature.COMPRESSED);
  const big = new Uint8Array(limit + 1); // zeros: deflate would shrink it far below the limit
  let thrown: unknown;
  try {
    client.send({ type: MessageType.Event, payload: big, ack: true });
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(TransportError);
  expect((thrown as TransportError).code).toBe('SW_ERR_TRANSPORT_TOO_LARGE');
  expect((thrown as TransportError).status).toBe(Status.PayloadTooLarge);

  // Compressed frames below the limit still go, in order, after the refusal.
  const ok = new Uint8Array(limit >> 1).fill(7);
  client.send({ type: MessageType.Event, payload: ok, ack: true });
  client.send({ type: MessageType.Event, body: 'after', ack: true });
  const deadline = Date.now() + 5_000;
  while (received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  expect(received.map((f) => f.payload.length)).toEqual([ok.length, pack('after').length]);
  expect(received[0]!.payload.every((b) => b === 7)).toBe(true);
  expect(client.state).toBe('open');
});

it('drops with an error a frame queued while disconnected that the next transport cannot carry; the rest go', async () => {
  // First a memory link (no frame limit), then, after a cut, a ring of 64 KiB lanes (frames up to ~32 KiB).
  const host = new SessionHost({ heartbeatIntervalMs: 0 });
  const received: number[] = [];
  host.onSession((s) => void s.on('frame', (f) => received.push(f.payload.length)));
  let reconnect!: () => void;
  const allowed = new Promise<void>((resolve) => (reconnect = resolve));
  let firstLink: MemoryTransport | undefined;
  let ringLimit = 0;
  const client = await connectSession(async () => {
    if (!firstLink) {
      const [a, b] = memoryPair();
      firstLink = a;
      void host.accept(b).catch(() => {});
      return a;
    }
    await allowed; // hold the reconnect until the frames below are queued
    const [a, b] = ringPair({ laneBytes: 64 * 1024 });
    ringLimit = a.maxFrameBytes;
    void host.accept(b).catch(() => {});
    return a;
  }, { heartbeatIntervalMs: 0, reconnect: { initialDelayMs: 1 }, compressThreshold: 1 << 30 }); // sent as they are
  cleanups.push(() => client.close(), () => host.close());
  const errors: SwarmwireError[] = [];
  client.on('error', (e) => errors.push(e));

  const disconnected = new Promise((resolve) => client.on('disconnect', resolve));
  firstLink!.faults.disconnect('test cut');
  await disconnected;
  const big = crypto.getRandomValues(new Uint8Array(48 * 1024)); // fits the memory link, not the ring (nor deflated)
  const small = pack('after');
  client.send({ type: MessageType.Event, payload: big }); // best effort: queued while disconnected
  client.send({ type: MessageType.Event, payload: small });
  const reopened = new Promise((resolve) => client.on('open', resolve));
  reconnect();
  await reopened;
  expect(client.state).toBe('open');
  expect(big.length).toBeGreaterThan(ringLimit);
  const deadline = Date.now() + 5_000;
  while (received.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  expect(received).toEqual([small.length]);
  expect(errors.map((e) => e.code)).toEqual(['SW_ERR_TRANSPORT_TOO_LARGE']);
  expect(errors[0]!.message).toMatch(/queued frame of \d+ bytes is dropped/);
});
