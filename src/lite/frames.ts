// Frames for swarmwire/lite: the 32-byte header of docs/protocol.md, the payload and the optional CRC-32C trailer.
// Header checks come from the wire layer (readHeaderBytes: magic, version, type, length against the limit), so
// lite and the full SDK reject the same bytes with the same codes; u64 fields stay u32 halves (no BigInt per frame).
import { Feature, HEADER_SIZE, VERSION } from '../wire/constants.js';
import { WireErrorCode, wireError } from '../wire/errors.js';
import { headerFields, readHeaderBytes, u32, writeHeader } from '../wire/header.js';
import { crcRange } from './crc.js';

/** A decoded frame. `id` is the request id (ids stay below 2^53); `payload` is a view into the message. */
export interface LiteFrame {
  type: number;
  features: number;
  id: number;
  moduleHi: number;
  moduleLo: number;
  hash: number;
  payload: Uint8Array;
}

/** A frame's bytes. With Feature.CHECKSUM in `features`, the CRC-32C trailer is added. */
export function frameBytes(f: Readonly<LiteFrame>): Uint8Array {
  const n = f.payload.length;
  const end = HEADER_SIZE + n;
  const out = new Uint8Array(end + (f.features & Feature.CHECKSUM ? 4 : 0));
  const v = new DataView(out.buffer);
  writeHeader(v, 0, {
    version: VERSION, type: f.type, features: f.features, requestHi: Math.floor(f.id / 0x100000000), requestLo: f.id >>> 0,
    moduleHi: f.moduleHi, moduleLo: f.moduleLo, methodHash: f.hash, payloadLength: n,
  });
  out.set(f.payload, HEADER_SIZE);
  if (out.length > end) v.setUint32(end, crcRange(out, 0, end));
  return out;
}

/**
 * The frames of one transport message (one, or several back to back when BATCHING was negotiated). Throws
 * WireError: SW_ERR_FRAME_TRUNCATED, _MAGIC, _VERSION, _TYPE, _TOO_LARGE (payload_len over `maxPayload`, checked
 * before anything else is read) and _CHECKSUM.
 */
export function readFrames(bytes: Uint8Array, maxPayload: number): LiteFrame[] {
  const frames: LiteFrame[] = [];
  const h = headerFields();
  for (let at = 0; at < bytes.length; ) {
    if (bytes.length - at < HEADER_SIZE) throw wireError(WireErrorCode.TRUNCATED, `a header needs ${HEADER_SIZE} bytes, got ${bytes.length - at}`);
    readHeaderBytes(bytes, at, h, maxPayload);
    const end = at + HEADER_SIZE + h.payloadLength;
    const next = end + (h.features & Feature.CHECKSUM ? 4 : 0);
    if (next > bytes.length) throw wireError(WireErrorCode.TRUNCATED, `frame announces ${next - at} bytes, got ${bytes.length - at}`);
    if (next > end) {
      const want = u32(bytes, end);
      const got = crcRange(bytes, at, end);
      if (want !== got) throw wireError(WireErrorCode.CHECKSUM, `checksum mismatch: frame says 0x${want.toString(16)}, bytes give 0x${got.toString(16)}`);
    }
    frames.push({
      type: h.type, features: h.features, id: h.requestHi * 0x100000000 + h.requestLo,
      moduleHi: h.moduleHi, moduleLo: h.moduleLo, hash: h.methodHash, payload: bytes.subarray(at + HEADER_SIZE, end),
    });
    at = next;
  }
  return frames;
}
