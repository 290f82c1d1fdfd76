// The session core on the wire layer's frames: the rules of session/core-rules.ts (SessionCoreBase: control frames,
// acked delivery, violations, heartbeats) reading and writing src/wire/frame.ts's Frames, plus the stream positions
// a dialling node follows. Session and the Durable Object relay's peers drive it; swarmwire/lite drives the base on
// its own frames.
export * from './core-rules.js';
import { type CoreHost, type CoreOptions, type FrameCodec, SessionCoreBase } from './core-rules.js';
import { type Frame, decodeFrames, encodeFrame } from '../wire/frame.js';
import { StreamPositions } from './stream-positions.js';

/** The wire layer's frames: whole Frames, CRC-32C trailers checked and written, trace blocks read. */
const WIRE_CODEC: FrameCodec<Frame> = { decode: decodeFrames, encode: encodeFrame };

/** The session's rules on the wire layer's frames: the core of Session and of the Durable Object relay's peers. */
export class SessionCore extends SessionCoreBase<Frame> {
  /** Positions of Routed frames from this node's stream, once followPositions() is called. */
  #positions: StreamPositions | undefined;

  constructor(host: CoreHost, maxPayload: number, options: Readonly<Partial<CoreOptions>> = {}) {
    super(WIRE_CODEC, host, maxPayload, options);
  }

  /** Delivers each stream position of a Routed frame once, from whichever relay it comes (a node that dials relays). */
  followPositions(): void {
    this.#positions ??= new StreamPositions();
  }

  protected override repeat(frame: Frame): boolean {
    return this.#positions?.repeat(frame) === true;
  }
}

