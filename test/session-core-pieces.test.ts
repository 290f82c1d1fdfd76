// The session core's rules and its pieces (session/core-rules.ts, session/core.ts): SessionCoreBase is what every
// driver shares — swarmwire/lite drives it bare, on its own frames — and SessionCore composes in the pieces a session
// that resumes needs: acked replay's receiving half (each acked frame delivered once) and links that can damage
// bytes (a frame without its CRC-32C trailer suspends rather than ends). The same messages go to both here.
import { describe, expect, it } from 'vitest';
import { type CoreHost, type CoreOptions, CoreState, type CoreFrame, SessionCore, SessionCoreBase } from '../src/session/core.js';
import { liteCodec } from '../src/lite/frames.js';
import { Feature, MessageType, Status } from '../src/wire/constants.js';
import { decodeFrames, encodeFrame } from '../src/wire/frame.js';
import type { CloseInfo } from '../src/transport/transport.js';

interface Recorded {
  delivered: number[];
  sent: Array<[type: number, id: number]>;
  dropped: number[];
  ended: CloseInfo[];
  suspended: CloseInfo[];
}

function recorder(): { host: CoreHost<CoreFrame>; seen: Recorded } {
  const seen: Recorded = { delivered: [], sent: [], dropped: [], ended: [], suspended: [] };
  const host: CoreHost<CoreFrame> = {
    transmit: (bytes) => void seen.sent.push(...decodeFrames(bytes).map((f) => [f.type, Number(f.requestId)] as [number, number])),
    deliver: (frame) => void seen.delivered.push(Number(frame.requestId)),
    drop: (code) => void seen.dropped.push(code),
    ended: (info) => void seen.ended.push(info),
    suspend: (info) => void seen.suspended.push(info),
  };
  return { host, seen };
}

/** The bare rules on lite's frames (lite's core), and SessionCore, both opened and fed the same messages. */
function cores(options: Readonly<Partial<CoreOptions>> = {}) {
  const lite = recorder();
  const full = recorder();
  const bare = new SessionCoreBase(liteCodec, lite.host, 1024, options);
  const session = new SessionCore(full.host, 1024, options);
  bare.open(1024);
  session.open(1024);
  const feed = (bytes: Uint8Array): void => {
    // The base has no receive(): lite decodes and hands the frames over itself, as here.
    for (const f of bare.decode(bytes) ?? []) bare.handleUncompressed(f);
    session.receive(bytes);
  };
  return { bare, session, lite: lite.seen, full: full.seen, feed };
}

const acked = (id: number, features = 0): Uint8Array => encodeFrame({ type: MessageType.Event, requestId: id, features: Feature.ACK_REQUIRED | features, body: 'x' });

describe('session core: the rules, and the pieces SessionCore adds', () => {
  it('an acked frame that comes twice: both ack every copy; SessionCore delivers it once, the bare rules each time', () => {
    const { lite, full, feed } = cores();
    feed(acked(5));
    feed(acked(5));
    expect(full.delivered).toEqual([5]);
    expect(lite.delivered).toEqual([5, 5]);
    for (const seen of [lite, full]) expect(seen.sent).toEqual([[MessageType.Ack, 5], [MessageType.Ack, 5]]);
  });

  it("requireChecksum (SessionCore's piece): a frame without its trailer suspends the session (damage, an Error saying why) instead of ending it", () => {
    const { host, seen: full } = recorder();
    const session = new SessionCore(host, 1024, { requireChecksum: true });
    session.open(1024);
    session.receive(acked(7)); // no CRC-32C trailer
    expect([session.state, full.suspended.map((i) => [i.code, i.reason]), full.ended, full.delivered]).toEqual([CoreState.Suspended, [[1002, 'SW_ERR_FRAME_CHECKSUM']], [], []]);
    expect(full.sent).toEqual([[MessageType.Error, 0]]);
    // With its trailer the same frame is delivered, and the Ack carries one too.
    session.open(1024);
    session.receive(acked(8, Feature.CHECKSUM));
    expect(full.delivered).toEqual([8]);
  });

  it('an acked frame whose request_id is not below 2^53: a violation for both (SW_ERR_PROTOCOL, 1002), nothing delivered or acked', () => {
    const { bare, session, lite, full, feed } = cores();
    feed(acked(3));
    // 2^60, then 2^60 + 4096: as numbers the duplicate filter could not count between them, and looped for ever.
    feed(encodeFrame({ type: MessageType.Event, requestId: 2n ** 60n, features: Feature.ACK_REQUIRED, body: 'x' }));
    feed(encodeFrame({ type: MessageType.Event, requestId: 2n ** 60n + 4096n, features: Feature.ACK_REQUIRED, body: 'x' }));
    for (const [core, seen] of [[bare, lite], [session, full]] as const) {
      expect(core.state).toBe(CoreState.Closed);
      expect(seen.delivered).toEqual([3]);
      expect(seen.sent).toEqual([[MessageType.Ack, 3], [MessageType.Error, 0]]);
      expect(seen.ended.map((i) => [i.code, i.reason, (i.error as { status: number }).status])).toEqual([[1002, 'SW_ERR_PROTOCOL', Status.InvalidFrame]]);
    }
  });

  it('bytes that are not frames: a violation for both (Error, 1002, the end) when no checksum is required', () => {
    const { bare, session, lite, full, feed } = cores();
    feed(new Uint8Array(40));
    for (const [core, seen] of [[bare, lite], [session, full]] as const) {
      expect(core.state).toBe(CoreState.Closed);
      expect(seen.sent).toEqual([[MessageType.Error, 0]]);
      expect(seen.ended.map((i) => [i.code, i.reason, (i.error as { status: number }).status])).toEqual([[1002, 'SW_ERR_FRAME_MAGIC', Status.InvalidFrame]]);
    }
  });
});
