// Frames for swarmwire/lite: the 32-byte header of docs/protocol.md and the payload. Header checks come from the
// wire layer (readHeaderBytes: magic, version, type, length against the limit), so lite and the full SDK reject the
// same bytes with the same codes; u64 fields stay u32 halves (no BigInt per frame). Lite never offers CHECKSUM (its
// WebSocket has TCP's and TLS's own checks), so no frame may carry a CRC-32C trailer to it.
import { Feature, HEADER_SIZE, VERSION } from '../wire/constants.js';
import { WireErrorCode, wireError } from '../wire/errors.js';
import { headerFields, readHeaderBytes, writeHeader } from '../wire/header.js';

/**
 * A decoded frame. `id` is the request id (ids stay below 2^53); `payload` is a view into the message. The other
 * fields are named as the header's (wire/header.ts HeaderFields), so a header becomes a frame and a frame a header
 * by spreading one into the other: lite's size budget has no room for the field-by-field copies.
 */
export interface LiteFrame {
  type: number;
  features: number;
  id: number;
  moduleHi: number;
  moduleLo: number;
  methodHash: number;
  payload: Uint8Array;
}

/** A frame's bytes. */
export function frameBytes(f: Readonly<LiteFrame>): Uint8Array {
  const n = f.payload.length;
  const out = new Uint8Array(HEADER_SIZE + n);
  const v = new DataView(out.buffer);
  writeHeader(v, 0, { ...f, version: VERSION, requestHi: Math.floor(f.id / 0x100000000), requestLo: f.id >>> 0, payloadLength: n });
  out.set(f.payload, HEADER_SIZE);
  return out;
}

/**
 * The frames of one transport message (one, or several back to back when BATCHING was negotiated). Throws
 * WireError: SW_ERR_FRAME_TRUNCATED, _MAGIC, _VERSION, _TYPE, _TOO_LARGE (payload_len over `maxPayload`, checked
 * before anything else is read), and _CHECKSUM for a frame with a trailer (CHECKSUM was never negotiated).
 */
export function readFrames(bytes: Uint8Array, maxPayload: number): LiteFrame[] {
  const frames: LiteFrame[] = [];
  const h = headerFields();
  for (let at = 0; at < bytes.length; ) {
    if (bytes.length - at < HEADER_SIZE) throw wireError(WireErrorCode.TRUNCATED, `a header needs ${HEADER_SIZE} bytes, got ${bytes.length - at}`);
    readHeaderBytes(bytes, at, h, maxPayload);
    if (h.features & Feature.CHECKSUM) throw wireError(WireErrorCode.CHECKSUM, 'a CRC-32C trailer, which swarmwire/lite never asks for');
    const end = at + HEADER_SIZE + h.payloadLength;
    if (end > bytes.length) throw wireError(WireErrorCode.TRUNCATED, `frame announces ${end - at} bytes, got ${bytes.length - at}`);
    frames.push({ ...h, id: h.requestHi * 0x100000000 + h.requestLo, payload: bytes.subarray(at + HEADER_SIZE, end) });
    at = end;
  }
  return frames;
}
