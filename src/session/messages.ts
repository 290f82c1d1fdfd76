// Payload shapes of the session's own frames. Types only.
import type { Negotiated, Hello } from '../wire/hello.js';

/** Ping payload; Pong echoes it. */
export interface PingBody {
  /** Sender's clock, ms (its Clock's now(): only the sender reads it back, from the Pong, for the round trip). */
  timestamp: number;
}

/** Goodbye payload: why the sender is leaving. */
export interface GoodbyeBody {
  code: number;
  reason: string;
}

/** Error payload (docs/protocol.md). */
export interface ErrorBody {
  status: number;
  message: string;
  name?: string;
  data?: unknown;
}

/** What both sides know once the handshake is through. */
export interface Peer {
  /**
   * The peer's Hello (or HelloAck, its `session` the one HelloDone named). On the accepting side (SessionHost, a
   * relay) its `key` and `nonce` are empty: they served the proof, and a relay holding ten thousand peers keeps no
   * more of each Hello than it reads (issue 17). The node id, proven, is the peer's identity.
   */
  hello: Hello;
  /** The agreed version, capabilities, features and payload limit. */
  negotiated: Negotiated;
  /** The peer's node id as 32 hex digits. */
  id: string;
}
