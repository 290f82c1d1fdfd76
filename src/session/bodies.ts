// Checked readers for the payloads of the session's own frames. They come from the peer, so nothing about their
// shape is trusted: a body that is not what the protocol says is a WireError BAD_PAYLOAD (status InvalidFrame),
// never a TypeError thrown out of a transport's message listener (found by the fuzzer: test/fixtures/fuzz/session/).
import { Status } from '../wire/constants.js';
import { WireErrorCode, wireError } from '../wire/errors.js';
import type { Frame } from '../wire/frame.js';
import { unpackPlain } from '../wire/msgpack/plain.js';
import { CloseCode } from '../transport/codes.js';
import type { ErrorBody, GoodbyeBody, PingBody } from './messages.js';

type Body = Pick<Frame, 'payload'>;

function mapOf(frame: Body, what: string): Record<string, unknown> {
  // Plain values (an Error's optional `data` may hold extension values: they read as undefined), so the slim client
  // reads control payloads with the same code and the same verdicts as everyone.
  const value = unpackPlain(frame.payload, true);
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw wireError(WireErrorCode.BAD_PAYLOAD, `invalid ${what}: the payload must be a map`);
  }
  return value as Record<string, unknown>;
}

/** A wire status as the peer sent it, if it is one (u16 > 0); else ExecutionError. */
function statusOf(value: unknown): Status {
  return (typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 0xffff ? value : Status.ExecutionError) as Status;
}

/** An Error frame's body: status (ExecutionError when missing or not a status) and message (a string). */
export function readErrorBody(frame: Body): ErrorBody {
  const v = mapOf(frame, 'Error');
  return { status: statusOf(v.status), message: typeof v.message === 'string' ? v.message : '(no message)' };
}

/**
 * A Goodbye's code and reason; an empty payload means 1000. Codes a transport could not pass on (outside 1000–4999,
 * or 1005/1006/1015, which are never sent) become 1000: a hostile code must not make close() throw.
 */
export function readGoodbyeBody(frame: Body): GoodbyeBody {
  if (frame.payload.length === 0) return { code: CloseCode.Normal, reason: 'goodbye' };
  const v = mapOf(frame, 'Goodbye');
  const c = v.code;
  const sendable = typeof c === 'number' && Number.isInteger(c) && c >= 1000 && c <= 4999 && c !== 1005 && c !== 1006 && c !== 1015;
  return { code: sendable ? c : CloseCode.Normal, reason: typeof v.reason === 'string' ? v.reason.slice(0, 120) : 'goodbye' };
}

/** A Pong's timestamp (a finite number). */
export function readPingBody(frame: Body): PingBody {
  const v = mapOf(frame, 'Pong');
  if (typeof v.timestamp !== 'number' || !Number.isFinite(v.timestamp)) throw wireError(WireErrorCode.BAD_PAYLOAD, 'invalid Pong: timestamp must be a number');
  return { timestamp: v.timestamp };
}
