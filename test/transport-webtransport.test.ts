// The WebTransport transport on an in-memory WebTransport pair (test/fixtures/fake-webtransport.ts): framing on one
// stream, coalesced writes, backpressure, close codes, protocol violations, datagrams, connect failures. The real
// thing runs in test/relay-deno.test.ts (Deno ↔ Deno) and e2e/webtransport.e2e.test.ts (Chromium ↔ Deno).
import { afterEach, describe, expect, it } from 'vitest';
import { acceptWebTransport, connectWebTransport, type WebTransportTransport } from '../src/transport/webtransport.js';
import { connectFallback } from '../src/transport/fallback.js';
import { Priority, TransportErrorCode, type CloseInfo } from '../src/transport/transport.js';
import { Feature, HEADER_SIZE, MessageType, Status } from '../src/wire/constants.js';
import { decodeBody, decodeFrame, encodeFrame } from '../src/wire/frame.js';
import { fakeWebTransportPair, type FakeSide } from './fixtures/fake-webtransport.js';

const open: WebTransportTransport[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

function pair(options: Parameters<typeof connectWebTransport>[1] = {}, fake = fakeWebTransportPair()) {
  const FakeWT = function () {
    return fake.client;
  } as unknown as NonNullable<typeof options.WebTransport>;
  const client = connectWebTransport('https://127.0.0.1:1/wt', { ...options, WebTransport: FakeWT });
  const server = acceptWebTransport(fake.server, options);
  open.push(client, server);
  return { client, server, fake };
}

function record(t: WebTransportTransport) {
  const frames: Uint8Array[] = [];
  const closes: CloseInfo[] = [];
  t.on('message', (m) => frames.push(m.slice()));
  t.on('close', (info) => closes.push(info));
  return { frames, closes };
}

async function until(test: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const event = (i: number, size: number, features = 0): Uint8Array =>
  encodeFrame({ type: MessageType.Event, requestId: i, features, payload: new Uint8Array(size).fill(i & 0xff) });

describe('webtransport transport (in-memory session)', () => {
  it('frames of 0 B to 1 MiB arrive whole and in order both ways; frames sent while connecting go first', async () => {
    const { client, server } = pair();
    const atServer = record(server);
    const atClient = record(client);
    const sizes = [0, 1, 100, 4096, 65_536, 1 << 20, 7];
    sizes.forEach((size, i) => client.send(event(i + 1, size, i % 2 ? Feature.CHECKSUM : 0)));
    expect(client.state).toBe('connecting');
    await until(() => atServer.frames.length === sizes.length, 'frames at the server');
    expect(atServer.frames.map((f) => decodeFrame(f).payloadLength)).toEqual(sizes);
    expect(atServer.frames.map((f) => Number(decodeFrame(f).requestId))).toEqual(sizes.map((_, i) => i + 1));
    sizes.forEach((size, i) => server.send(event(100 + i, size)));
    await until(() => atClient.frames.length === sizes.length, 'frames at the client');
    expect(atClient.frames.map((f) => decodeFrame(f).payloadLength)).toEqual(sizes);
    expect(client.kind).toBe('webtransport');
    expect(server.state).toBe('open');
  });

  it('coalesces frames sent in one turn into few stream writes, highest priority first', async () => {
    const { client, server, fake } = pair();
    const atServer = record(server);
    await until(() => client.state === 'open', 'open');
    const before = fake.client.chunks.length;
    for (let i = 1; i <= 1000; i++) client.send(event(i, 20), i === 1000 ? Priority.Critical : Priority.High);
    expect(client.bufferedAmount).toBeGreaterThan(0);
    await until(() => atServer.frames.length === 1000, '1000 frames');
    const ids = atServer.frames.map((f) => Number(decodeFrame(f).requestId));
    // Frame 1 went out at once; the critical frame overtook the other queued ones.
    expect(ids.slice(0, 2)).toEqual([1, 1000]);
    expect(ids.slice(2)).toEqual(Array.from({ length: 998 }, (_, i) => i + 2));
    // One write for the first frame, then a few coalesced chunks (each up to maxChunkBytes) for the other 999.
    const chunks = fake.client.chunks.slice(before);
    expect(chunks.length).toBeLessThanOrEqual(5);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(1000 * (HEADER_SIZE + 20));
    expect(client.bufferedAmount).toBe(0);
  });

  it('backpressure: bufferedAmount stays within maxBuffered, FULL beyond it, ready() once the peer reads', async () => {
    const fake = fakeWebTransportPair();
    const client = connectWebTransport('https://x/wt', { WebTransport: function () { return fake.client; } as never, highWaterMark: 16_384, maxBuffered: 65_536 });
    open.push(client);
    await until(() => client.state === 'open', 'open');
    // Nobody reads the server's end yet, so the stream fills.
    let accepted = 0;
    let full: unknown;
    for (let i = 1; i <= 64 && !full; i++) {
      try {
        client.send(event(i, 8000));
        accepted++;
      } catch (e) {
        full = e;
      }
      expect(client.bufferedAmount).toBeLessThanOrEqual(65_536);
    }
    expect(full).toMatchObject({ code: TransportErrorCode.FULL, status: Status.BackpressureRejection });
    let ready = false;
    void client.ready().then(() => (ready = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(ready).toBe(false);
    const server = acceptWebTransport(fake.server);
    open.push(server);
    const atServer = record(server);
    await until(() => ready, 'ready() after the peer reads');
    expect(client.bufferedAmount).toBeLessThan(16_384);
    await until(() => atServer.frames.length === accepted, 'accepted frames');
    expect(atServer.frames.map((f) => Number(decodeFrame(f).requestId))).toEqual(Array.from({ length: accepted }, (_, i) => i + 1));
  });

  it('close(code, reason): frames before it arrive first, the peer hears code and reason, both sides end once', async () => {
    const { client, server } = pair();
    const atServer = record(server);
    const atClient = record(client);
    await until(() => server.state === 'open' || client.state === 'open', 'open');
    for (let i = 1; i <= 50; i++) client.send(event(i, 1000));
    client.close(4001, 'done here');
    client.close(4002, 'again');
    expect(client.state).toBe('closed');
    await until(() => atServer.closes.length === 1, 'close at the server');
    expect(atServer.frames.length).toBe(50);
    expect(atServer.closes[0]).toEqual({ code: 4001, reason: 'done here' });
    expect(atClient.closes).toEqual([{ code: 4001, reason: 'done here' }]);
    expect(() => client.send(event(1, 1))).toThrow(expect.objectContaining({ code: TransportErrorCode.CLOSED }));
  });

  it('a lost session closes with 1006 and PEER_GONE', async () => {
    const { client, server, fake } = pair();
    const atClient = record(client);
    client.send(event(1, 1));
    await until(() => server.state === 'open', 'open');
    fake.client.lose();
    await until(() => atClient.closes.length === 1, 'close');
    expect(atClient.closes[0]).toMatchObject({ code: 1006, error: { code: TransportErrorCode.PEER_GONE } });
  });

  it.each([
    ['bad magic', (f: Uint8Array): void => void (f[0] = 0x58), 1002, Status.InvalidFrame, TransportErrorCode.PROTOCOL, 'SW_ERR_FRAME_MAGIC'],
    ['unknown type', (f: Uint8Array): void => void (f[5] = 0xee), 1002, Status.InvalidFrame, TransportErrorCode.PROTOCOL, 'SW_ERR_FRAME_TYPE'],
    ['oversized', (f: Uint8Array): void => new DataView(f.buffer, f.byteOffset).setUint32(28, 5000), 1009, Status.PayloadTooLarge, TransportErrorCode.TOO_LARGE, 'SW_ERR_FRAME_TOO_LARGE'],
  ] as const)('a stream that breaks the framing (%s): an Error frame with the status, then the close', async (_name, corrupt, code, status, errorCode, wireCode) => {
    const { client, server } = pair({ maxPayload: 4096 });
    const atServer = record(server);
    const atClient = record(client);
    client.send(event(1, 10));
    const bad = event(2, 10);
    corrupt(bad);
    client.send(bad.subarray(0, HEADER_SIZE));
    await until(() => atClient.closes.length === 1 && atServer.closes.length === 1, 'closes');
    expect(atServer.frames.length).toBe(1);
    expect(atServer.closes[0]).toMatchObject({ code, reason: wireCode, error: { code: errorCode, status: status === Status.PayloadTooLarge ? status : Status.InvalidFrame } });
    expect(atClient.frames.length).toBe(1);
    const error = decodeFrame(atClient.frames[0]!);
    expect(error.type).toBe(MessageType.Error);
    expect(decodeBody(error)).toMatchObject({ status, message: expect.stringContaining('[swarmwire]') });
    expect(atClient.closes[0]).toMatchObject({ code, reason: wireCode });
  });

  it('datagrams (opt-in): a small best-effort Low frame goes as a datagram; acked, batched, big or High frames use the stream', async () => {
    const { client, server, fake } = pair({ datagrams: true });
    const atServer = record(server);
    client.send(event(1, 10));
    await until(() => client.state === 'open' && server.state === 'open', 'open');
    const small = event(2, 10);
    const acked = event(3, 10, Feature.ACK_REQUIRED);
    const big = event(4, 2000);
    const batch = new Uint8Array([...event(5, 1), ...event(6, 1)]);
    client.send(small, Priority.Low);
    client.send(acked, Priority.Low);
    client.send(big, Priority.Low);
    client.send(batch, Priority.Low);
    client.send(event(7, 10), Priority.High);
    await until(() => atServer.frames.length === 7, 'frames');
    expect(fake.client.sentDatagrams).toEqual([small]);
    expect(atServer.frames.map((f) => Number(decodeFrame(f).requestId)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('datagrams: only the sender opts in — a receiver that did not (the stock relay) still reads them, and sends none itself', async () => {
    const fake = fakeWebTransportPair();
    const FakeWT = function () {
      return fake.client;
    } as never;
    const client = connectWebTransport('https://127.0.0.1:1/wt', { datagrams: true, WebTransport: FakeWT });
    const server = acceptWebTransport(fake.server, {});
    open.push(client, server);
    const atServer = record(server);
    const atClient = record(client);
    client.send(event(1, 10));
    await until(() => client.state === 'open' && server.state === 'open', 'open');
    for (let i = 2; i <= 21; i++) {
      client.send(event(i, 10), Priority.Low); // one at a time: a full datagram queue drops what does not fit
      await until(() => atServer.frames.length === i, `datagram ${i}`);
    }
    expect(fake.client.sentDatagrams.length).toBe(20);
    server.send(event(30, 10), Priority.Low);
    await until(() => atClient.frames.length === 1, 'the reply');
    expect(fake.server.sentDatagrams).toEqual([]); // it went on the stream
  });

  it('connect failures: no WebTransport class, a refused session, a deadline', async () => {
    const none = connectWebTransport('https://127.0.0.1:1/wt', { WebTransport: undefined });
    (globalThis as { WebTransport?: unknown }).WebTransport === undefined || expect.fail('Node has no WebTransport');
    const closes: CloseInfo[] = [];
    none.on('close', (i) => closes.push(i));
    await until(() => closes.length === 1, 'close');
    expect(closes[0]).toMatchObject({ code: 1006, error: { code: TransportErrorCode.CONNECT_FAILED, message: expect.stringContaining('no WebTransport') } });

    const refusedFake = fakeWebTransportPair({ refuse: new Error('certificate refused') });
    const refused = connectWebTransport('https://x/wt', { WebTransport: function () { return refusedFake.client; } as never });
    const r: CloseInfo[] = [];
    refused.on('close', (i) => r.push(i));
    await until(() => r.length === 1, 'close');
    expect(r[0]).toMatchObject({ code: 1006, error: { code: TransportErrorCode.CONNECT_FAILED, message: expect.stringContaining('certificate refused') } });

    const silent: FakeSide = { ...fakeWebTransportPair().client, ready: new Promise(() => {}) };
    const slow = connectWebTransport('https://x/wt', { WebTransport: function () { return silent; } as never, connectTimeoutMs: 50 });
    const s: CloseInfo[] = [];
    slow.on('close', (i) => s.push(i));
    await until(() => s.length === 1, 'close');
    expect(s[0]).toMatchObject({ code: 1006, error: { code: TransportErrorCode.CONNECT_FAILED, message: expect.stringContaining('50 ms') } });
  });

  it('connectFallback: without WebTransport it dials WebSocket and says why', async () => {
    const reasons: unknown[] = [];
    const made: string[] = [];
    const FakeWS = function (url: string) {
      made.push(url);
      return { readyState: 0, bufferedAmount: 0, binaryType: '', send() {}, close() {}, addEventListener() {}, removeEventListener() {} };
    } as never;
    const t = await connectFallback({ webtransport: 'https://127.0.0.1:1/wt', websocket: 'ws://127.0.0.1:1/ws', websocketOptions: { WebSocket: FakeWS }, onFallback: (e) => reasons.push(e) });
    expect(t.kind).toBe('websocket');
    await until(() => made.length === 1, 'websocket dialled');
    expect(made).toEqual(['ws://127.0.0.1:1/ws']);
    expect(String(reasons[0])).toContain('no WebTransport');
    t.close();
  });
});
