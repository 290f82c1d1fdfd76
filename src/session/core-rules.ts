// The rules of an open session, without I/O: one object per session, fed the messages that arrive and the ticks of
// a clock, telling its host what to send, what to deliver, and when a transport must go. Every host of a session
// drives one — Session (src/session/session.ts: a transport, timers, resume), the Durable Object relay's peers
// (src/edge/durable-peer.ts: a hibernatable socket, no timers) and swarmwire/lite (src/lite/connection.ts: a
// WebSocket) — so each rule below is written once:
//   - control frames: Ping is answered with Pong (the same id and payload), a Pong measures the round trip, an Ack
//     settles an acked frame, Goodbye ends the session, a handshake frame on an open session is a violation, an
//     Error with request_id 0 is about the session itself;
//   - an ACK_REQUIRED frame is acked every time it arrives, the Ack after the delivery; SessionCore (session/core.ts)
//     delivers it once (the duplicate filter) — or, when the host holds its Ack (holdAck: a relay that first hands
//     the frame to something durable), acks it on release(), and a copy arriving meanwhile is not acked before the
//     first;
//   - a Routed frame delivered from the destination's stream (relays bridged through Redis) carries its position
//     there; a session that follows positions (a dialling one: SessionCore.followPositions) delivers each position
//     once, whichever relay sends it;
//   - what is not a frame, or a control payload that is not what the protocol says, is a violation: an Error frame
//     saying why, then the transport closes (1002, 1009 for too big) and the session ends — or, on a link declared
//     able to damage bytes (requireChecksum: SessionCore's piece), the transport goes and the session waits for the
//     next one;
//   - heartbeats: the host ticks the core every interval; silence for more than `missedHeartbeats` ticks drops the
//     transport (1006), and otherwise a tick sends a Ping.
// States are explicit (CoreState). Sending application frames — ids, acked frames kept for re-sending, queues,
// compression, batching — is the host's, through `transmit`.
// This file is SessionCoreBase, the rules over whatever frame codec it is given. SessionCore (session/core.ts) is
// that with the wire layer's codec (bigint ids, CRC-32C trailers, trace blocks) and stream positions; swarmwire/lite
// drives the base with its own lean frames (u32 halves, no trailers: src/lite/frames.ts), which its size budget
// needs. Two files, so that lite's module graph does not reach the wire layer's codec: a build with shared chunks
// (dist/lite.js) puts every module an entry reaches in the chunks that entry loads, used or not (+4.3 KB gzipped).
import { Feature, MessageType, Status } from '../wire/constants.js';
import { SwarmwireError, WireErrorCode, wireError } from '../wire/errors.js';
import type { Frame, FrameInit } from '../wire/frame.js';
import { CloseCode, Priority } from '../transport/codes.js';
import type { CloseInfo } from '../transport/transport.js';
import { readErrorBody, readGoodbyeBody, readPingBody } from './bodies.js';
import { SessionError, SessionErrorCode, sessionError } from './errors.js';
import type { ErrorBody } from './messages.js';
import { type ReplayWindow, isRequestId } from './replay-window.js';
import { type Clock, realClock } from '../core/clock.js';

/** Where a session core is in its life. */
export const CoreState = {
  /** The handshake runs: nothing but its frames may arrive (the host's handshake code reads them). */
  Handshaking: 0,
  /** A transport is open and the handshake through. */
  Open: 1,
  /** The transport went away; a new one may resume the session. */
  Suspended: 2,
  /** Ended for good. */
  Closed: 3,
} as const;
export type CoreState = (typeof CoreState)[keyof typeof CoreState];

/** What the core reads of a frame: the wire layer's Frame has it, and so have lite's frames. */
export interface CoreFrame {
  type: number;
  features: number;
  requestId: number | bigint;
  payload: Uint8Array;
}

/** The control frames a core writes: a type, features, a request id, and raw bytes or a MessagePack body. */
export type ControlInit = Pick<FrameInit, 'type' | 'features' | 'requestId' | 'payload' | 'body'>;

/** How a core reads and writes frames. */
export interface FrameCodec<F extends CoreFrame> {
  /** The frames of one transport message, each checked (payloads up to maxPayload). Throws WireError. */
  decode(bytes: Uint8Array, options: { maxPayload: number }): F[];
  /** One control frame's bytes. */
  encode(init: ControlInit): Uint8Array;
}

/** What a core asks of the host that drives it. */
export interface CoreHost<F extends CoreFrame = Frame> {
  /** Puts a frame on the current transport. May throw (a full or closed transport): control frames are best effort. */
  transmit(bytes: Uint8Array, priority: Priority): void;
  /** An application frame, once (a repeat of an acked frame is acked and not delivered again). */
  deliver(frame: F): void;
  /** The current transport must close with `code`; the core has said why already (an Error, a Goodbye). */
  drop(code: number, reason: string): void;
  /** The session ended for good (a Goodbye either way, a violation). Called once. */
  ended(info: CloseInfo): void;
  /** The transport must go but the session lives on, for a resume (damage on a requireChecksum link). */
  suspend?(info: CloseInfo): void;
  /** Acked frame `id` was acknowledged. */
  acked?(id: number): void;
  /**
   * True when the host sends this acked frame's Ack itself, later, through the core's release(id): a relay does for
   * a frame it must first hand to something durable, so that an Ack means the frame cannot be lost any more.
   */
  holdAck?(frame: F): boolean;
  /**
   * A Pong answered this side's Ping `id`: the heartbeat's (id 0), with its round trip `rtt` in ms, or another id,
   * with NaN (the host checks that it sent that id, and times it from its own record).
   */
  pong?(id: number, rtt: number): void;
  /** Something the host should hear of: the peer's Error about the session, a damaged frame. */
  error?(error: SwarmwireError): void;
}

/** Options of a session core. */
export interface CoreOptions {
  /**
   * The link can damage bytes: every frame sent carries a CRC-32C trailer, a frame without one is refused, and a
   * message that does not decode suspends the session (its acked frames are sent again on the next transport)
   * instead of ending it. Default: false.
   */
  requireChecksum: boolean;
  /** Ticks of silence after which the transport is declared dead. Default: 3. */
  missedHeartbeats: number;
  /** SessionCore's duplicate filter, to carry one over from an earlier core of the same session. Default: a new one. */
  replay: ReplayWindow;
  /** SessionCore: acked ids at or below this are repeats (a filter lost to hibernation, with the highest id it had seen). Default: 0. */
  floor: number;
  /** SessionCore: whether acked frames are delivered through the duplicate filter. False for a peer that never asks for acks. Default: true. */
  dedupe: boolean;
  /** Where a Ping's timestamp and a Pong's round trip are read. Default: the real clock. */
  clock: Clock;
}

/**
 * The last options object made for decode(), frozen and shared by every core with that payload limit: a relay's peers
 * mostly agree on one, and an object each cost ~30 B per peer (issue 17).
 */
let lastDecodeOptions: { readonly maxPayload: number } = { maxPayload: -1 };

const decodeOptions = (maxPayload: number): { readonly maxPayload: number } =>
  lastDecodeOptions.maxPayload === maxPayload ? lastDecodeOptions : (lastDecodeOptions = Object.freeze({ maxPayload }));

/** The session's rules over the frame codec it is given (see SessionCore for the wire layer's). */
export class SessionCoreBase<F extends CoreFrame> {
  #state: CoreState = CoreState.Handshaking;
  readonly #host: CoreHost<F>;
  readonly #codec: FrameCodec<F>;
  /** Feature bits every frame this core sends carries (CHECKSUM when required). */
  readonly always: number;
  #maxPayload: number;
  #decodeOptions: { readonly maxPayload: number };
  #silent = 0;
  /** When the heartbeat's Ping (id 0) went out, on this side's clock; -1: none is waiting for its Pong. */
  #beatAt = -1;
  readonly #missed: number;
  readonly #clock: Clock;

  constructor(codec: FrameCodec<F>, host: CoreHost<F>, maxPayload: number, options: Readonly<Partial<CoreOptions>> = {}) {
    this.#codec = codec;
    this.#host = host;
    this.always = options.requireChecksum ? Feature.CHECKSUM : 0;
    this.#maxPayload = maxPayload;
    this.#decodeOptions = decodeOptions(maxPayload);
    this.#missed = options.missedHeartbeats ?? 3;
    this.#clock = options.clock ?? realClock;
  }

  get state(): CoreState {
    return this.#state;
  }

  /** The handshake is through on a new transport: frames flow, with payloads up to `maxPayload` (the agreed limit). */
  open(maxPayload: number): void {
    if (this.#state === CoreState.Closed) return;
    if (maxPayload !== this.#maxPayload) this.#decodeOptions = decodeOptions(maxPayload);
    this.#maxPayload = maxPayload;
    this.#silent = 0;
    this.#state = CoreState.Open;
  }

  /** The transport went away (or was replaced): the session waits for the next one. */
  suspend(): void {
    if (this.#state !== CoreState.Closed) this.#state = CoreState.Suspended;
  }

  /**
   * One transport message's frames, checked (decoded against the payload limit; CRC-32C trailers when required),
   * for the host to pass to handle() in order — after an async step of its own where it has one (inflating
   * compressed frames). A message that is not frames is a violation (or damage, see SessionCore): undefined.
   */
  decode(bytes: Uint8Array): F[] | undefined {
    this.#silent = 0;
    try {
      return this.#codec.decode(bytes, this.#decodeOptions);
    } catch (error) {
      this.undecodable(error as SwarmwireError);
      return undefined;
    }
  }

  /** Bytes that are not frames: the peer broke the protocol. (SessionCore: damage, on a link that requires checksums.) */
  protected undecodable(error: SwarmwireError): void {
    this.violation(error);
  }

  /** One decoded frame, for hosts that never negotiate COMPRESSED: handled, or (compressed) a violation, then false. */
  handleUncompressed(frame: F): boolean {
    if (frame.features & Feature.COMPRESSED) {
      this.violation(sessionError(SessionErrorCode.PROTOCOL, 'COMPRESSED was not negotiated'));
      return false;
    }
    this.handle(frame);
    return true;
  }

  /** One frame, decoded (and inflated): a control frame is handled here, anything else delivered. */
  handle(frame: F): void {
    if (this.#state !== CoreState.Open) return;
    const id = Number(frame.requestId);
    switch (frame.type) {
      case MessageType.Ping:
        return this.control({ type: MessageType.Pong, requestId: frame.requestId, payload: frame.payload });
      case MessageType.Pong: {
        if (!this.#body(frame, readPingBody)) return;
        // Timed from this side's own record, never from the timestamp the peer echoes (it could say anything), and
        // only for a Ping that is waiting: a heartbeat's here; another id's the host checks (Session.ping()'s).
        if (id !== 0) return this.#host.pong?.(id, NaN);
        if (this.#beatAt < 0) return; // a Pong nobody asked for measures nothing
        const rtt = this.#clock.now() - this.#beatAt;
        this.#beatAt = -1;
        return this.#host.pong?.(0, rtt);
      }
      case MessageType.Ack:
        return this.#host.acked?.(id);
      case MessageType.Goodbye: {
        const info = this.#body(frame, readGoodbyeBody);
        if (!info) return;
        this.#state = CoreState.Closed;
        this.#host.drop(info.code, info.reason);
        return this.#host.ended(info);
      }
      case MessageType.Hello:
      case MessageType.HelloAck:
      case MessageType.HelloProof:
      case MessageType.HelloDone:
        return this.violation(sessionError(SessionErrorCode.PROTOCOL, `unexpected handshake frame (type ${frame.type}) on an open session`));
      case MessageType.Error:
        if (id === 0) {
          const body = this.#body(frame, readErrorBody);
          if (body) this.#host.error?.(new SessionError(SessionErrorCode.REMOTE, body.status as Status, `the peer reported: ${body.message}`));
          return;
        }
    }
    if (frame.features & Feature.ACK_REQUIRED) {
      // The duplicate filter counts acked ids as numbers: one past 2^53 is a lie about the sender's counter.
      if (!isRequestId(id)) return this.violation(sessionError(SessionErrorCode.PROTOCOL, `an acked frame's request_id ${frame.requestId} is not below 2^53`));
      return this.deliverAcked(frame, id);
    }
    this.#host.deliver(frame);
  }

  /**
   * An ACK_REQUIRED frame: delivered, then acked, every copy. Delivered before the Ack goes: a host that keeps what
   * it takes (a Durable Object writes it to storage) has started doing so by then, and the object's output gate
   * holds the Ack until that is durable — an Ack must not outlive an eviction that lost the frame. SessionCore adds
   * acked replay's receiving half (the duplicate filter, held Acks, stream positions); a host with no resume (lite)
   * meets no repeats, since a peer re-sends acked frames only to the session that resumes.
   */
  protected deliverAcked(frame: F, _id: number): void {
    try {
      this.#host.deliver(frame);
    } finally {
      this.control({ type: MessageType.Ack, requestId: frame.requestId });
    }
  }

  /** One clock tick of the heartbeat: the transport is dropped after too many silent ones, else a Ping goes out. */
  tick(pingId: number): void {
    if (this.#state !== CoreState.Open) return;
    // Counted in ticks, not timestamps: reading the clock for every message cost more than this whole check.
    if (++this.#silent > this.#missed) {
      // Half-open link: the socket looks fine but nothing arrives. Drop it; a reconnect may follow.
      this.#state = CoreState.Suspended;
      return this.#host.drop(CloseCode.Abnormal, 'heartbeat lost');
    }
    this.ping(pingId);
  }

  /**
   * Sends a Ping with this side's clock; its Pong comes back through host.pong(). Id 0 is the heartbeat's, timed
   * here; the host times any other id it sends (host.pong gets NaN for those).
   */
  ping(id: number): void {
    const now = this.#clock.now();
    if (id === 0) this.#beatAt = now;
    this.control({ type: MessageType.Ping, requestId: id, body: { timestamp: now } });
  }

  /**
   * Sends a control frame (Ping, Pong, Ack) best effort: a full or closing transport just loses it. High priority,
   * like default traffic, so acks ride in the same batches as the frames around them.
   */
  control(init: ControlInit): void {
    try {
      const features = (init.features ?? 0) | this.always; // written out, not spread: "Hot paths" in docs/architecture.md
      this.#host.transmit(this.#codec.encode(this.always ? { type: init.type, features, requestId: init.requestId, payload: init.payload, body: init.body } : init), Priority.High);
    } catch {
      // the transport is full or going; a lost control frame is what heartbeats and re-sends exist for
    }
  }

  /** Says Goodbye and ends the session. Idempotent. */
  goodbye(code: number, reason: string): void {
    if (this.#state === CoreState.Closed) return;
    const open = this.#state === CoreState.Open;
    this.#state = CoreState.Closed;
    if (open) this.tell(MessageType.Goodbye, { code, reason });
    this.#host.drop(code, reason);
    this.#host.ended({ code, reason });
  }

  /**
   * The peer broke the protocol: an Error saying why, a close with 1002 (1009 for too big; `code` where the host's
   * rule names another: 1008 for a peer that cannot prove its id, 1003 for a WebSocket text message), and the end.
   */
  violation(error: SwarmwireError, code = closeCodeOf(error)): void {
    if (this.#state === CoreState.Closed) return;
    this.#state = CoreState.Closed;
    this.tell(MessageType.Error, errorBody(error));
    this.#host.drop(code, error.code);
    this.#host.ended({ code, reason: error.code, error });
  }

  /** An Error or Goodbye ahead of everything queued (Critical), best effort. */
  protected tell(type: MessageType, body: unknown): void {
    try {
      this.#host.transmit(this.#codec.encode({ type, body, features: this.always }), Priority.Critical);
    } catch {
      // nothing more to tell a transport that cannot take it
    }
  }

  /** The checked body of a control frame, or undefined after treating a malformed one as a violation. */
  #body<T>(frame: F, read: (frame: F) => T): T | undefined {
    try {
      return read(frame);
    } catch (error) {
      this.violation(error as SwarmwireError);
      return undefined;
    }
  }
}

/** The Error body that tells a peer why: the error's status, message and class name. */
export function errorBody(error: SwarmwireError): ErrorBody {
  return { status: error.status, message: error.message, name: error.name };
}

/** The close code a protocol error ends a transport with: 1009 for a payload too large, else 1002. */
export function closeCodeOf(error: { status: number }): number {
  return error.status === Status.PayloadTooLarge ? CloseCode.TooBig : CloseCode.ProtocolError;
}

/** Throws WireError CHECKSUM for a frame without a CRC-32C trailer (a damaged features field looks like this too). */
export function requireChecksum(frame: Pick<CoreFrame, 'type' | 'features'>): void {
  if (!(frame.features & Feature.CHECKSUM)) throw wireError(WireErrorCode.CHECKSUM, `a frame of type ${frame.type} without the checksum this session requires`);
}
