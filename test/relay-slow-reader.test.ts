// Issue 13, hole 9, over a real WebSocket: a peer that stops reading is dropped by the relay, and what it reads
// when it reads again ends with the Error (BackpressureRejection) and the Goodbye (1008) the docs promise, then the
// close — ahead of the backlog it did not take, which the relay throws away. The relay runs in its own process;
// the slow peer is a bare TCP socket that simply stops reading.
import { afterEach, describe, expect, it } from 'vitest';
import { Feature, MAX_PAYLOAD, MIN_VERSION, VERSION, decodeFrames, encodeFrame, routedBody } from 'swarmwire/wire';
import { MessageType, Status, connectSession, connectWebSocket, decodeBody, type Frame, type Session } from 'swarmwire';
import { type RawWs, rawWs } from './fixtures/raw-ws.js';
import { type RelayProcess, relayProcess } from './fixtures/relay-process.js';
import { within } from './fixtures/ws-helpers.js';
import { rawWsHandshake } from './fixtures/raw-handshake.js';

let relay: RelayProcess | undefined;
let peer: RawWs | undefined;
let sender: Session | undefined;
afterEach(() => {
  sender?.close();
  peer?.socket.destroy();
  relay?.stop();
  relay = peer = sender = undefined;
});

describe('a slow reader dropped by the relay (real WebSocket)', () => {
  // With COMPRESSED the relay deflates what it forwards in an async pipeline, which the Error must not wait behind.
  it.for([
    { name: 'a plain session', features: 0 },
    { name: 'a session with compression and batching', features: Feature.COMPRESSED | Feature.BATCHING },
  ])('reads, once it reads again, the Error and the Goodbye before the close, and none of the backlog after them ($name)', async ({ features }) => {
    // The close waits long for the peer's answer here: the peer reads again only after the drop.
    relay = await relayProcess({ heartbeatIntervalMs: 0, webSocket: { maxBuffered: 1 << 20, highWaterMark: 256 << 10, closeTimeoutMs: 30_000 } });
    peer = rawWs(relay.wsUrl);
    expect(await peer.status).toBe(101);
    const { id: nodeId } = await rawWsHandshake(peer, undefined, features);
    peer.socket.pause(); // from now on it reads nothing

    sender = await connectSession(() => connectWebSocket(relay!.wsUrl), { heartbeatIntervalMs: 0, reconnect: false, compressThreshold: 1 << 30 });
    const refused: Frame[] = [];
    sender.on('frame', (f) => {
      if (f.type === MessageType.Error) refused.push(f);
    });
    const chunk = crypto.getRandomValues(new Uint8Array(16 * 1024)); // random: deflate must not shrink it
    let sent = 0;
    await within((async () => {
      while (refused.length === 0) {
        await sender!.ready();
        sender!.send({ type: MessageType.Routed, body: routedBody(nodeId, encodeFrame({ type: MessageType.Event, payload: chunk })) });
        if (++sent % 16 === 0) await new Promise((r) => setTimeout(r, 1));
      }
    })(), 30_000, 'the relay to refuse a frame for the slow peer');
    expect(decodeBody<{ status: number }>(refused[0]!).status).toBe(Status.BackpressureRejection);
    expect((await relay.stats()).stats.slowPeersDropped).toBe(1);

    peer.socket.resume();
    await within((async () => {
      while (peer!.frames.at(-1)?.opcode !== 8) await new Promise((r) => setTimeout(r, 5));
    })(), 10_000, 'the slow peer to read everything up to the Close');
    peer.socket.end(peer.frame(peer.frames.at(-1)!.payload, 8)); // answers it, as a WebSocket client does
    await within(peer.closed, 5_000, 'the connection to end');
    const close = peer.frames.at(-1)!;
    expect(close.opcode).toBe(8);
    expect(close.payload.readUInt16BE(0)).toBe(1008);
    const frames = peer.frames.slice(0, -1).flatMap((f) => decodeFrames(new Uint8Array(f.payload)));
    const types = frames.map((f) => f.type);
    const error = types.indexOf(MessageType.Error);
    expect(error).toBeGreaterThan(0);
    expect(decodeBody<{ status: number }>(frames[error]!).status).toBe(Status.BackpressureRejection);
    expect(types.slice(error + 1)).toEqual([MessageType.Goodbye]);
    expect(decodeBody<{ code: number; reason: string }>(frames.at(-1)!)).toMatchObject({ code: 1008, reason: expect.stringMatching(/SW_ERR_BACKPRESSURE/) });
    // It got fewer frames than were routed to it: the backlog behind the Error was dropped, not delivered after it.
    expect(types.filter((t) => t === MessageType.Routed).length).toBeLessThan(sent);
  });
});
