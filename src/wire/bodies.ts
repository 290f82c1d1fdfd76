// The frame bodies whose shape the protocol fixes (docs/protocol.md, "Message types"), as known maps: decodeBody reads
// them by their shape, and reads anything else a frame of that type carries as it reads any payload.
import { MessageType } from './constants.js';
import { knownMap } from './msgpack/known.js';

/** Ping's `{ timestamp }` (ms), which Pong echoes. */
const TIMESTAMP = /* @__PURE__ */ knownMap((next) => ({ timestamp: next() }));

/** The reader of a body of message `type` whose shape the protocol fixes, or undefined. @internal */
export function knownBody(type: number | undefined): ((depth: number) => unknown) | undefined {
  return type === MessageType.Ping || type === MessageType.Pong ? TIMESTAMP : undefined;
}
