// The rules of an open session, without I/O: one object per session, fed the messages that arrive and the ticks of
// a clock, telling its host what to send, what to deliver, and when a transport must go. Every host of a session
// drives one — Session (src/session/session.ts: a transport, timers, resume), the Durable Object relay's peers
// (src/edge/durable-peer.ts: a hibernatable socket, no timers) and swarmwire/lite (src/lite/connection.ts: a
// WebSocket) — so each rule below is written once:
//   - control frames: Ping is answered with Pong (the same id and payload), a Pong measures the round trip, an Ack
//     settles an acked frame, Goodbye ends the session, a handshake frame on an open session is a violation, an
//     Error with request_id 0 is about the session itself;
//   - an ACK_REQUIRED frame is acked every time it arrives and delivered once (the duplicate filter) — or, when the
//     host holds its Ack (holdAck: a relay that first hands the frame to something durable), acked on release(),
//     and a copy arriving meanwhile is not acked before the first; the Ack goes after the delivery;
//   - a Routed frame delivered from the destination's stream (relays bridged through Redis) carries its position
//     there; a session that follows positions (a dialling one) delivers each position once, whichever relay sends it;
//   - what is not a frame, or a control payload that is not what the protocol says, is a violation: an Error frame
//     saying why, then the transport closes (1002, 1009 for too big) and the session ends — or, on a link declared
//     able to damage bytes (requireChecksum), the transport goes and the session waits for the next one;
//   - heartbeats: the host ticks the core every interval; silence for more than `missedHeartbeats` ticks drops the
//     transport (1006), and otherwise a tick sends a Ping.
// States are explicit (CoreState). Sending application frames — ids, acked frames kept for re-sending, queues,
// compression, batching — is the host's, through `transmit`.
import { Feature, MessageType, Status } from '../wire/constants.js';
import { SwarmwireError, WireErrorCode, wireError } from '../wire/errors.js';
import { type Frame, type FrameInit, decodeFrames, encodeFrame } from '../wire/frame.js';
import { CloseCode, type CloseInfo, Priority } from '../transport/transport.js';
import { readErrorBody, readGoodbyeBody, readPingBody } from './bodies.js';
import { SessionError, SessionErrorCode, sessionError } from './errors.js';
import type { ErrorBody } from './messages.js';
import { ReplayWindow } from './replay-window.js';
import { StreamPositions } from './stream-positions.js';
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

/** What a core asks of the host that drives it. */
export interface CoreHost {
  /** Puts a frame on the current transport. May throw (a full or closed transport): control frames are best effort. */
  transmit(bytes: Uint8Array, priority: Priority): void;
  /** An application frame, once (a repeat of an acked frame is acked and not delivered again). */
  deliver(frame: Frame): void;
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
  holdAck?(frame: Frame): boolean;
  /** A Pong answered this side's Ping `id`; `rtt` in ms. */
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
  /** The duplicate filter, to carry one over from an earlier core of the same session. Default: a new one. */
  replay: ReplayWindow;
  /** Acked ids at or below this are repeats (a filter lost to hibernation, with the highest id it had seen). Default: 0. */
  floor: number;
  /** Whether acked frames are delivered through the duplicate filter. False for a peer that never asks for acks. Default: true. */
  dedupe: boolean;
  /** Where a Ping's timestamp and a Pong's round trip are read. Default: the real clock. */
  clock: Clock;
}

export class SessionCore {
  #state: CoreState = CoreState.Handshaking;
  readonly #host: CoreHost;
  /** Feature bits every frame this core sends carries (CHECKSUM when required). */
  readonly always: number;
  #maxPayload: number;
  #decodeOptions: { maxPayload: number };
  #silent = 0;
  readonly #missed: number;
  #replay: ReplayWindow | undefined;
  readonly #floor: number;
  /** Ids of acked frames delivered whose Ack the host holds (holdAck), until release(). */
  #held: Set<number> | undefined; // made on the first held Ack: most peers never hold one
  /** Positions of Routed frames from this node's stream, once followPositions() is called. */
  #positions: StreamPositions | undefined;
  readonly #clock: Clock;

  constructor(host: CoreHost, maxPayload: number, options: Readonly<Partial<CoreOptions>> = {}) {
    this.#host = host;
    this.always = options.requireChecksum ? Feature.CHECKSUM : 0;
    this.#maxPayload = maxPayload;
    this.#decodeOptions = { maxPayload };
    this.#missed = options.missedHeartbeats ?? 3;
    this.#replay = options.dedupe === false ? undefined : options.replay ?? new ReplayWindow();
    this.#floor = options.floor ?? 0;
    this.#clock = options.clock ?? realClock;
  }

  get state(): CoreState {
    return this.#state;
  }

  /** The duplicate filter, to hand to the next core of the same session. */
  get replay(): ReplayWindow | undefined {
    return this.#replay;
  }

  /**
   * The duplicate filter to use from now on: the session's peer changed (a node moved to another relay), and the
   * new peer numbers its frames from its own counter, so it needs a filter of its own (see Session).
   */
  useReplay(replay: ReplayWindow): void {
    if (this.#replay) this.#replay = replay;
  }

  /** Delivers each stream position of a Routed frame once, from whichever relay it comes (a node that dials relays). */
  followPositions(): void {
    this.#positions ??= new StreamPositions();
  }

  /** Sends the Ack of an acked frame whose Ack was held (CoreHost.holdAck). Does nothing for any other id. */
  release(id: number): void {
    if (this.#held?.delete(id)) this.control({ type: MessageType.Ack, requestId: id });
  }

  /** The handshake is through on a new transport: frames flow, with payloads up to `maxPayload` (the agreed limit). */
  open(maxPayload: number): void {
    if (this.#state === CoreState.Closed) return;
    if (maxPayload !== this.#maxPayload) this.#decodeOptions = { maxPayload };
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
   * compressed frames). A message that is not frames is a violation (or damage, see requireChecksum): undefined.
   */
  decode(bytes: Uint8Array): Frame[] | undefined {
    this.#silent = 0;
    try {
      const frames = decodeFrames(bytes, this.#decodeOptions);
      if (this.always) for (const f of frames) requireChecksum(f);
      return frames;
    } catch (error) {
      // On a link declared able to damage bytes, any undecodable message is damage (a corrupted length field cannot
      // be told from a lie); elsewhere it is the peer breaking the protocol.
      if (this.always) this.damaged(error as SwarmwireError);
      else this.violation(error as SwarmwireError);
      return undefined;
    }
  }

  /** One transport message, for hosts that never negotiate COMPRESSED (a compressed frame is a violation). */
  receive(bytes: Uint8Array): void {
    const frames = this.decode(bytes);
    if (!frames) return;
    for (const frame of frames) {
      if (frame.features & Feature.COMPRESSED) return this.violation(sessionError(SessionErrorCode.PROTOCOL, 'COMPRESSED was not negotiated'));
      this.handle(frame);
    }
  }

  /** One frame, decoded (and inflated): a control frame is handled here, anything else delivered. */
  handle(frame: Frame): void {
    if (this.#state !== CoreState.Open) return;
    const id = Number(frame.requestId);
    switch (frame.type) {
      case MessageType.Ping:
        return this.control({ type: MessageType.Pong, requestId: frame.requestId, payload: frame.payload });
      case MessageType.Pong: {
        const body = this.#body(frame, readPingBody);
        if (body) this.#host.pong?.(id, this.#clock.now() - body.timestamp);
        return;
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
      if (this.#replay && (id <= this.#floor || !this.#replay.accept(id))) {
        // A repeat is acked again — unless the first copy's Ack is still held: that Ack says it is safe, not this one.
        if (!this.#held?.has(id)) this.control({ type: MessageType.Ack, requestId: frame.requestId });
        return;
      }
      const hold = this.#host.holdAck?.(frame) === true;
      if (hold) (this.#held ??= new Set()).add(id);
      // Delivered before the Ack goes: a host that keeps what it takes (a Durable Object writes it to storage) has
      // started doing so by then, and the object's output gate holds the Ack until that is durable — an Ack must
      // not outlive an eviction that lost the frame.
      try {
        if (!this.#positions?.repeat(frame)) this.#host.deliver(frame);
      } finally {
        if (!hold) this.control({ type: MessageType.Ack, requestId: frame.requestId });
      }
      return;
    }
    this.#host.deliver(frame);
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

  /** Sends a Ping with this side's clock; its Pong comes back through host.pong(). */
  ping(id: number): void {
    this.control({ type: MessageType.Ping, requestId: id, body: { timestamp: this.#clock.now() } });
  }

  /**
   * Sends a control frame (Ping, Pong, Ack) best effort: a full or closing transport just loses it. High priority,
   * like default traffic, so acks ride in the same batches as the frames around them.
   */
  control(init: FrameInit): void {
    try {
      this.#host.transmit(encodeFrame(this.always ? { ...init, features: (init.features ?? 0) | this.always } : init), Priority.High);
    } catch {
      // the transport is full or going; a lost control frame is what heartbeats and re-sends exist for
    }
  }

  /** Says Goodbye and ends the session. Idempotent. */
  goodbye(code: number, reason: string): void {
    if (this.#state === CoreState.Closed) return;
    const open = this.#state === CoreState.Open;
    this.#state = CoreState.Closed;
    if (open) this.#tell(MessageType.Goodbye, { code, reason });
    this.#host.drop(code, reason);
    this.#host.ended({ code, reason });
  }

  /** The peer broke the protocol: an Error saying why, a close with 1002 (1009 for too big), and the end. */
  violation(error: SwarmwireError): void {
    if (this.#state === CoreState.Closed) return;
    this.#state = CoreState.Closed;
    this.#tell(MessageType.Error, errorBody(error));
    const code = closeCodeOf(error);
    this.#host.drop(code, error.code);
    this.#host.ended({ code, reason: error.code, error });
  }

  /**
   * Bytes that are not frames arrived on a link that requires checksums: damage. The transport goes (after an
   * Error saying why) but the session waits for the next one, where acked frames are sent again.
   */
  damaged(error: SwarmwireError): void {
    if (this.#state !== CoreState.Open) return;
    this.#state = CoreState.Suspended;
    this.#tell(MessageType.Error, errorBody(error));
    this.#host.error?.(error);
    const info = { code: closeCodeOf(error), reason: error.code, error };
    if (this.#host.suspend) this.#host.suspend(info);
    else this.#host.drop(info.code, info.reason);
  }

  /** An Error or Goodbye ahead of everything queued (Critical), best effort. */
  #tell(type: MessageType, body: unknown): void {
    try {
      this.#host.transmit(encodeFrame({ type, body, features: this.always }), Priority.Critical);
    } catch {
      // nothing more to tell a transport that cannot take it
    }
  }

  /** The checked body of a control frame, or undefined after treating a malformed one as a violation. */
  #body<T>(frame: Frame, read: (frame: Frame) => T): T | undefined {
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
export function requireChecksum(frame: Frame): void {
  if (!(frame.features & Feature.CHECKSUM)) throw wireError(WireErrorCode.CHECKSUM, `a frame of type ${frame.type} without the checksum this session requires`);
}
