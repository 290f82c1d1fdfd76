// The session core on the wire layer's frames: the rules of session/core-rules.ts (SessionCoreBase: control frames,
// violations, heartbeats) reading and writing src/wire/frame.ts's Frames, plus the pieces of acked replay a
// receiver keeps — the duplicate filter, held Acks, the stream positions a dialling node follows. Session and the
// Durable Object relay's peers drive it; swarmwire/lite, which resumes nothing, drives the base on its own frames.
export * from './core-rules.js';
import { type CoreHost, type CoreOptions, type FrameCodec, SessionCoreBase } from './core-rules.js';
import { type Frame, decodeFrames, encodeFrame } from '../wire/frame.js';
import { StreamPositions } from './stream-positions.js';
import { ReplayWindow } from './replay-window.js';
import { MessageType } from '../wire/constants.js';

/** The wire layer's frames: whole Frames, CRC-32C trailers checked and written, trace blocks read. */
const WIRE_CODEC: FrameCodec<Frame> = { decode: decodeFrames, encode: encodeFrame };

/** The session's rules on the wire layer's frames: the core of Session and of the Durable Object relay's peers. */
export class SessionCore extends SessionCoreBase<Frame> {
  readonly #host: CoreHost;
  #replay: ReplayWindow | undefined;
  readonly #floor: number;
  /** Ids of acked frames delivered whose Ack the host holds (holdAck), until release(). */
  readonly #held = new Set<number>();
  /** Positions of Routed frames from this node's stream, once followPositions() is called. */
  #positions: StreamPositions | undefined;

  constructor(host: CoreHost, maxPayload: number, options: Readonly<Partial<CoreOptions>> = {}) {
    super(WIRE_CODEC, host, maxPayload, options);
    this.#host = host;
    this.#replay = options.dedupe === false ? undefined : options.replay ?? new ReplayWindow();
    this.#floor = options.floor ?? 0;
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

  /** Sends the Ack of an acked frame whose Ack was held (CoreHost.holdAck). Does nothing for any other id. */
  release(id: number): void {
    if (this.#held.delete(id)) this.control({ type: MessageType.Ack, requestId: id });
  }

  /** Delivers each stream position of a Routed frame once, from whichever relay it comes (a node that dials relays). */
  followPositions(): void {
    this.#positions ??= new StreamPositions();
  }

  /** An acked frame through the duplicate filter and the stream positions, its Ack held where the host says (see the base). */
  protected override deliverAcked(frame: Frame, id: number): void {
    if (this.#replay && (id <= this.#floor || !this.#replay.accept(id))) {
      // A repeat is acked again — unless the first copy's Ack is still held: that Ack says it is safe, not this one.
      if (!this.#held.has(id)) this.control({ type: MessageType.Ack, requestId: frame.requestId });
      return;
    }
    const hold = this.#host.holdAck?.(frame) === true;
    if (hold) this.#held.add(id);
    try {
      if (!this.#positions?.repeat(frame)) this.#host.deliver(frame);
    } finally {
      if (!hold) this.control({ type: MessageType.Ack, requestId: frame.requestId });
    }
  }
}
