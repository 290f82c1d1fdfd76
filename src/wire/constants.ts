// The wire contract's numbers (docs/protocol.md). Constants and types only: no behaviour lives here.

/** Size of the fixed frame header in bytes. */
export const HEADER_SIZE = 32;
/** Size of the CRC-32C trailer present when Feature.CHECKSUM is set. */
export const CHECKSUM_SIZE = 4;
/** "MLNK", the first four header bytes (big endian). */
export const MAGIC = 0x4d4c4e4b;
/** The frame format version, the header's `version` byte (memlink-protocol's: 1). */
export const VERSION = 1;
/** The oldest frame format version this implementation accepts. */
export const MIN_VERSION = 1;
/**
 * The session protocol version a Hello announces and negotiates. 2: node ids are derived from keys and proven in
 * the handshake (Hello → HelloAck with the responder's proof → HelloProof → HelloDone). Version 1 (no proofs) is refused.
 */
export const PROTOCOL_VERSION = 2;
/** The oldest session protocol version this implementation accepts in a Hello. */
export const MIN_PROTOCOL_VERSION = 2;
/** Default and hard cap of payload_len: 64 MiB. Peers negotiate lower limits in Hello. */
export const MAX_PAYLOAD = 64 * 1024 * 1024;
/**
 * Largest Hello / HelloAck / handshake Error payload. The handshake runs before any limit is negotiated, so it has
 * its own: small enough that unauthenticated peers cannot make a node buffer much.
 */
export const HANDSHAKE_MAX_PAYLOAD = 64 * 1024;

/** msg_type values. 0–48 and 96 are memlink-protocol's; 112–118 follow mielin-mesh-wire. */
export const MessageType = {
  Request: 0,
  Response: 1,
  Error: 2,
  StreamHandle: 3,
  HealthCheck: 16,
  Ping: 17,
  Pong: 18,
  /** Cancels the call with the same request_id (payload: optional reason string). */
  Cancel: 19,
  LoadModule: 32,
  UnloadModule: 33,
  Stats: 48,
  Hello: 64,
  HelloAck: 65,
  Goodbye: 66,
  Ack: 67,
  /** The initiator's proof of its key, answering the HelloAck's challenge (payload: { proof: bin }). */
  HelloProof: 68,
  /** The responder checked the HelloProof: the session is open (payload: empty). */
  HelloDone: 69,
  /** A chunk of the stream named by module_id (request_id is left to the session's acked delivery). */
  StreamData: 80,
  /** The stream named by module_id ended (payload: empty, or an Error body). */
  StreamEnd: 81,
  /** The reader no longer wants the stream named by module_id (payload: optional reason string). */
  StreamCancel: 82,
  /** The reader grants more chunks to the stream named by module_id (payload: u32 count). */
  StreamCredit: 83,
  Event: 96,
  Broadcast: 97,
  Subscribe: 98,
  Unsubscribe: 99,
  Discovery: 112,
  DiscoveryResponse: 113,
  LoadInfo: 114,
  AgentQuery: 115,
  AgentMigration: 116,
  MigrationAck: 117,
  Routed: 118,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** features bit flags. Bits 7–15 are reserved: sent as 0, ignored on receipt. */
export const Feature = {
  STREAMING: 1 << 0,
  /** One transport message may carry several frames back to back. */
  BATCHING: 1 << 1,
  PRIORITY_DEGRADATION: 1 << 2,
  /** A 4-byte big-endian CRC-32C of header + payload follows the payload. */
  CHECKSUM: 1 << 3,
  /** The payload is deflate-raw; payload_len counts compressed bytes. */
  COMPRESSED: 1 << 4,
  /** The receiver answers with an Ack carrying the same request_id. */
  ACK_REQUIRED: 1 << 5,
  /**
   * The payload starts with a W3C Trace Context block (wire/trace.ts), outside any compression; payload_len counts
   * it. Sent only to peers whose Hello offered it.
   */
  TRACE: 1 << 6,
} as const;
export type Feature = (typeof Feature)[keyof typeof Feature];

/** Error payload `status` codes. 0–6 are memlink-protocol's. */
export const Status = {
  Success: 0,
  ModuleNotFound: 1,
  MethodNotFound: 2,
  ExecutionError: 3,
  Timeout: 4,
  QuotaExceeded: 5,
  BackpressureRejection: 6,
  InvalidFrame: 7,
  ChecksumMismatch: 8,
  PayloadTooLarge: 9,
  UnsupportedVersion: 10,
  Unauthorized: 11,
  Cancelled: 12,
} as const;
export type Status = (typeof Status)[keyof typeof Status];

/** Node roles announced in Hello. */
export type Role = 'edge' | 'relay' | 'core';
