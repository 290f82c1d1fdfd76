// The frame bodies whose shape the protocol fixes (docs/protocol.md, "Message types"), as known maps: decodeBody reads
// them by their shape, and reads anything else a frame of that type carries as it reads any payload.
import { MessageType } from './constants.js';
import { type KnownMap, knownMap } from './msgpack/known.js';

/** Ping's `{ timestamp }` (ms), which Pong echoes. */
const TIMESTAMP = /* @__PURE__ */ knownMap((next) => ({ timestamp: next() }));

/** The known map of a body of message `type`, or undefined when the protocol does not fix its shape. @internal */
export function knownBody(type: number): KnownMap | undefined {
  return type === MessageType.Ping || type === MessageType.Pong ? TIMESTAMP : undefined;
}
