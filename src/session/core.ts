// The session core on the wire layer's frames: the rules of session/core-rules.ts (SessionCoreBase: control frames,
// violations, heartbeats) reading and writing src/wire/frame.ts's Frames, plus the pieces a session that resumes
// needs: acked replay's receiving half (the duplicate filter, held Acks, the stream positions a dialling node
// follows) and links that can damage bytes (CRC-32C trailers required; damage suspends instead of ending). Session
// and the Durable Object relay's peers drive it; swarmwire/lite, which resumes nothing and never offers CHECKSUM,
// drives the base on its own frames: pieces it leaves out cost it no bytes.
export * from './core-rules.js';
import { type CoreHost, type CoreOptions, CoreState, type FrameCodec, SessionCoreBase, closeCodeOf, errorBody, requireChecksum } from './core-rules.js';
import type { SwarmwireError } from '../wire/errors.js';
import { type Frame, decodeFrames, encodeFrame } from '../wire/frame.js';
import { StreamPositions } from './stream-positions.js';
import { ReplayWindow } from './replay-window.js';
import { MessageType } from '../wire/constants.js';

/** The wire layer's frames: whole Frames, CRC-32C trailers checked and written, trace blocks read. */
const WIRE_CODEC: FrameCodec<Frame> = { decode: decodeFrames, encode: encodeFrame };
/** The same, refusing a frame without a CRC-32C trailer (requireChecksum). */
const CHECKED_CODEC: FrameCodec<Frame> = {
  decode: (bytes, options) => {
    const frames = decodeFrames(bytes, options);
    for (const f of frames) requireChecksum(f);
    return frames;
  },
  encode: encodeFrame,
};

/** The session's rules on the wire layer's frames: the core of Session and of the Durable Object relay's peers. */
export class SessionCore extends SessionCoreBase<Frame> {
  readonly #host: CoreHost;
  /** The duplicate filter: made on the first acked frame (most of a relay's peers never send one), null with dedupe off. */
  #replay: ReplayWindow | null | undefined;
  readonly #floor: number;
  /** Ids of acked frames delivered whose Ack the host holds (holdAck), until release(). */
  #held: Set<number> | undefined; // made on the first held Ack: most peers never hold one
  /** Positions of Routed frames from this node's stream, once followPositions() is called. */
  #positions: StreamPositions | undefined;

  constructor(host: CoreHost, maxPayload: number, options: Readonly<Partial<CoreOptions>> = {}) {
    super(options.requireChecksum ? CHECKED_CODEC : WIRE_CODEC, host, maxPayload, options);
    this.#host = host;
    this.#replay = options.dedupe === false ? null : options.replay;
    this.#floor = options.floor ?? 0;
  }

  /** The duplicate filter, to hand to the next core of the same session. */
  get replay(): ReplayWindow | undefined {
    return this.#replay === null ? undefined : (this.#replay ??= new ReplayWindow());
  }

  /**
   * The duplicate filter to use from now on: the session's peer changed (a node moved to another relay), and the
   * new peer numbers its frames from its own counter, so it needs a filter of its own (see Session).
   */
  useReplay(replay: ReplayWindow): void {
    if (this.#replay !== null) this.#replay = replay;
  }

  /** Sends the Ack of an acked frame whose Ack was held (CoreHost.holdAck). Does nothing for any other id. */
  release(id: number): void {
    if (this.#held?.delete(id)) this.control({ type: MessageType.Ack, requestId: id });
  }

  /** One transport message, for hosts that never negotiate COMPRESSED (a compressed frame is a violation). */
  receive(bytes: Uint8Array): void {
    const frames = this.decode(bytes);
    if (!frames) return;
    for (const frame of frames) if (!this.handleUncompressed(frame)) return;
  }

  /**
   * On a link declared able to damage bytes (requireChecksum), any undecodable message is damage (a corrupted length
   * field cannot be told from a lie); elsewhere it is the peer breaking the protocol.
   */
  protected override undecodable(error: SwarmwireError): void {
    if (this.always) this.damaged(error);
    else this.violation(error);
  }

  /**
   * Bytes that are not frames arrived on a link that requires checksums: damage. The transport goes (after an
   * Error saying why) but the session waits for the next one, where acked frames are sent again.
   */
  damaged(error: SwarmwireError): void {
    if (this.state !== CoreState.Open) return;
    this.suspend();
    this.tell(MessageType.Error, errorBody(error));
    this.#host.error?.(error);
    const info = { code: closeCodeOf(error), reason: error.code, error };
    if (this.#host.suspend) this.#host.suspend(info);
    else this.#host.drop(info.code, info.reason);
  }

  /** Delivers each stream position of a Routed frame once, from whichever relay it comes (a node that dials relays). */
  followPositions(): void {
    this.#positions ??= new StreamPositions();
  }

  /** An acked frame through the duplicate filter and the stream positions, its Ack held where the host says (see the base). */
  protected override deliverAcked(frame: Frame, id: number): void {
    const replay = this.#replay === null ? undefined : (this.#replay ??= new ReplayWindow());
    if (replay && (id <= this.#floor || !replay.accept(id))) {
      // A repeat is acked again — unless the first copy's Ack is still held: that Ack says it is safe, not this one.
      if (!this.#held?.has(id)) this.control({ type: MessageType.Ack, requestId: frame.requestId });
      return;
    }
    const hold = this.#host.holdAck?.(frame) === true;
    if (hold) (this.#held ??= new Set()).add(id);
    try {
      if (!this.#positions?.repeat(frame)) this.#host.deliver(frame);
    } finally {
      if (!hold) this.control({ type: MessageType.Ack, requestId: frame.requestId });
    }
  }
}
