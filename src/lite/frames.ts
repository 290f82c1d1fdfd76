// Frames for swarmwire/lite: the 32-byte header of docs/protocol.md and the payload. Header checks come from the
// wire layer (readHeaderBytes: magic, version, type, length against the limit), so lite and the full SDK reject the
// same bytes with the same codes; u64 fields stay u32 halves (no BigInt per frame). Lite never offers CHECKSUM (its
// WebSocket has TCP's and TLS's own checks), so no frame may carry a CRC-32C trailer to it. These are the frames
// lite's session core reads and writes (liteCodec): the core's rules are the full SDK's, its codec is not.
import { Feature, HEADER_SIZE, VERSION } from '../wire/constants.js';
import { WireErrorCode, wireError } from '../wire/errors.js';
import { headerFields, readHeaderBytes, writeHeader } from '../wire/header.js';
import type { FrameCodec } from '../session/core-rules.js';
import { pack } from './msgpack.js';

const EMPTY = /* @__PURE__ */ new Uint8Array(0);

/**
 * A decoded frame. `requestId` is a number (ids stay below 2^53); `payload` is a view into the message. The other
 * fields are named as the header's (wire/header.ts HeaderFields), so a header becomes a frame and a frame a header
 * by spreading one into the other: lite's size budget has no room for the field-by-field copies.
 */
export interface LiteFrame {
  type: number;
  features: number;
  requestId: number;
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
  writeHeader(v, 0, { ...f, version: VERSION, requestHi: Math.floor(f.requestId / 0x100000000), requestLo: f.requestId >>> 0, payloadLength: n });
  out.set(f.payload, HEADER_SIZE);
  return out;
}

/**
 * The frames of one transport message (one, or several back to back when BATCHING was negotiated). Throws
 * WireError: SW_ERR_FRAME_TRUNCATED, _MAGIC, _VERSION, _TYPE, _TOO_LARGE (payload_len over `maxPayload`, checked
 * before anything else is read), and _CHECKSUM for a frame with a trailer (CHECKSUM was never negotiated).
 */
export function readFrames(bytes: Uint8Array, { maxPayload }: { maxPayload: number }): LiteFrame[] {
  const frames: LiteFrame[] = [];
  const h = headerFields();
  for (let at = 0; at < bytes.length; ) {
    if (bytes.length - at < HEADER_SIZE) throw wireError(WireErrorCode.TRUNCATED, `a header needs ${HEADER_SIZE} bytes, got ${bytes.length - at}`);
    readHeaderBytes(bytes, at, h, maxPayload);
    if (h.features & Feature.CHECKSUM) throw wireError(WireErrorCode.CHECKSUM, 'a CRC-32C trailer, which swarmwire/lite never asks for');
    const end = at + HEADER_SIZE + h.payloadLength;
    if (end > bytes.length) throw wireError(WireErrorCode.TRUNCATED, `frame announces ${end - at} bytes, got ${bytes.length - at}`);
    frames.push({ ...h, requestId: h.requestHi * 0x100000000 + h.requestLo, payload: bytes.subarray(at + HEADER_SIZE, end) });
    at = end;
  }
  return frames;
}

/** A frame of lite's with no module, method or features: the session's own (Hello, Ping, Ack…). */
export const controlFrame = (type: number, requestId: number | bigint = 0, payload: Uint8Array = EMPTY): Uint8Array =>
  frameBytes({ type, features: 0, requestId: Number(requestId), moduleHi: 0, moduleLo: 0, methodHash: 0, payload });

/** Lite's frames for the session core (the core writes control frames only: no module, no features but CHECKSUM, which lite never requires). */
export const liteCodec: FrameCodec<LiteFrame> = {
  decode: readFrames,
  encode: ({ type, requestId, payload, body }) => controlFrame(type, requestId, payload ?? (body === undefined ? EMPTY : pack(body))),
};
