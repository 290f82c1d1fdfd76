// Frames built and read by hand, as an outsider with docs/protocol.md and a MessagePack library would: the suite's
// attackers do not use the SDK's encoders, so what they send is exactly the bytes written here (hostile ones too).
import { Decoder, ExtData, encode } from '@msgpack/msgpack';

export { ExtData };

/** Message types (docs/protocol.md, "Message types"). */
export const T = Object.freeze({
  Request: 0, Response: 1, Error: 2, StreamHandle: 3, HealthCheck: 16, Ping: 17, Pong: 18, Cancel: 19,
  Hello: 64, HelloAck: 65, Goodbye: 66, Ack: 67, StreamData: 80, StreamEnd: 81, StreamCancel: 82, StreamCredit: 83,
  Event: 96, Broadcast: 97, Subscribe: 98, Unsubscribe: 99, Discovery: 112, DiscoveryResponse: 113, LoadInfo: 114,
  AgentQuery: 115, AgentMigration: 116, MigrationAck: 117, Routed: 118,
});
/** Status codes carried in Error frames. */
export const S = Object.freeze({
  ModuleNotFound: 1, MethodNotFound: 2, ExecutionError: 3, Timeout: 4, QuotaExceeded: 5, BackpressureRejection: 6,
  InvalidFrame: 7, ChecksumMismatch: 8, PayloadTooLarge: 9, UnsupportedVersion: 10, Unauthorized: 11, Cancelled: 12,
});
export const F = Object.freeze({ BATCHING: 0x02, CHECKSUM: 0x08, COMPRESSED: 0x10, ACK_REQUIRED: 0x20 });
const KNOWN_TYPES = new Set(Object.values(T));
const MAGIC = 0x4d4c4e4b;
const HEADER = 32;

/** One frame: the 32-byte header and the payload as given. No checksum trailer is written, whatever `features` says. */
export function frame({ type, features = 0, requestId = 0, moduleId = 0, methodHash = 0, payload = new Uint8Array(0) }) {
  const out = new Uint8Array(HEADER + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, MAGIC);
  v.setUint8(4, 1);
  v.setUint8(5, type);
  v.setUint16(6, features);
  v.setBigUint64(8, BigInt(requestId));
  v.setBigUint64(16, BigInt(moduleId));
  v.setUint32(24, methodHash >>> 0);
  v.setUint32(28, payload.length);
  out.set(payload, HEADER);
  return out;
}

/**
 * The frames in one transport message (BATCHING puts several back to back). Lenient: what does not parse ends
 * the list, since the suite reads what a peer sent it and must not crash on it either.
 */
export function readFrames(bytes) {
  const out = [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + HEADER <= bytes.length; ) {
    if (v.getUint32(at) !== MAGIC) break;
    const features = v.getUint16(at + 6);
    const length = v.getUint32(at + 28);
    const end = at + HEADER + length + (features & F.CHECKSUM ? 4 : 0);
    if (end > bytes.length) break;
    out.push({
      type: v.getUint8(at + 5), features, requestId: v.getBigUint64(at + 8), moduleId: v.getBigUint64(at + 16),
      methodHash: v.getUint32(at + 24), payload: bytes.subarray(at + HEADER, at + HEADER + length), bytes: bytes.subarray(at, end),
    });
    at = end;
  }
  return out;
}

/** True for frame types today's table does not name (a new handshake step, say). */
export const isUnknownType = (type) => !KNOWN_TYPES.has(type);

// Replies are read with extension values left as ExtData: the suite only looks at them.
const decoder = new Decoder();
/** The MessagePack value of a payload, or `{ undecodable: message }`. */
export function body(payload) {
  if (payload.length === 0) return undefined;
  try {
    return decoder.decode(payload);
  } catch (error) {
    return { undecodable: String(error?.message ?? error) };
  }
}

/** MessagePack of a plain value (the library's encoder: maps, arrays, bin for Uint8Array). */
export const pack = (value) => encode(value);

/** A MessagePack ext value of `type` holding `data`, with the smallest header that fits. */
export function ext(type, data) {
  const t = type & 0xff;
  if (data.length < 0x100) return concat([Uint8Array.of(0xc7, data.length, t), data]);
  if (data.length < 0x10000) return concat([Uint8Array.of(0xc8, data.length >> 8, data.length & 0xff, t), data]);
  const h = new Uint8Array(6);
  h[0] = 0xc9;
  new DataView(h.buffer).setUint32(1, data.length);
  h[5] = t;
  return concat([h, data]);
}

/** An array32 header announcing 33,554,431 elements: five bytes that once allocated 256 MiB. */
export const HUGE_ARRAY = Uint8Array.of(0xdd, 0x01, 0xff, 0xff, 0xff);
/** A map32 header announcing 33,554,431 entries. */
export const HUGE_MAP = Uint8Array.of(0xdf, 0x01, 0xff, 0xff, 0xff);

export const concat = (parts) => new Uint8Array(Buffer.concat(parts));

/** A 16-byte id from 32 hex digits. */
export const idBytes = (hex) => Uint8Array.from(Buffer.from(hex, 'hex'));
export const idHex = (bytes) => Buffer.from(bytes).toString('hex');

/** A Routed envelope's payload (docs/protocol.md, "The relay"), `from` and `hops` as the caller says. */
export function routedPayload({ to, frame: inner, ttl = 16, hops = 0, from }) {
  return pack({ to: idBytes(to), ...(from ? { from: idBytes(from) } : {}), ttl, hops, frame: inner });
}

/** The envelope inside a Routed frame, or undefined. */
export function openRouted(f) {
  const b = body(f.payload);
  if (!b || !(b.frame instanceof Uint8Array)) return undefined;
  return { to: b.to instanceof Uint8Array ? idHex(b.to) : undefined, from: b.from instanceof Uint8Array ? idHex(b.from) : undefined, hops: b.hops, inner: readFrames(b.frame)[0] };
}

/**
 * A Hello payload of the version 1 wire contract for `nodeId` (hex), as a raw client would write it. A `version`
 * above the relay's makes it negotiate down to its own, whatever that is (its Hello may then want more fields).
 */
export function helloPayload(nodeId, { role = 'edge', token, features = 0x2a, version = 1 } = {}) {
  return pack({
    version, minVersion: 1, nodeId: idBytes(nodeId), role, capabilities: [], features, maxPayload: 64 * 1024 * 1024,
    metadata: { name: 'outsider' }, ...(token === undefined ? {} : { token }),
  });
}

/** True when `b` (a decoded Error payload) is the typed Error the protocol promises: `{ status: 1..12, message }`. */
export const isTypedErrorBody = (b) =>
  typeof b === 'object' && b !== null && Number.isInteger(b.status) && b.status >= 1 && b.status <= 12 && typeof b.message === 'string';
