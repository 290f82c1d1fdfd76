import { Status } from '../wire/constants.js';
import { SwarmwireError, named } from '../wire/errors.js';

/** A session failed: handshake, heartbeat, protocol, or the peer reported an error. */
export class SessionError extends SwarmwireError {}
named(SessionError, 'SessionError');

export const SessionErrorCode = {
  /** No HelloAck (or Hello) within the handshake deadline. */
  HANDSHAKE_TIMEOUT: 'SW_ERR_HANDSHAKE_TIMEOUT',
  /** The accepting side refused the Hello (token, origin, policy). */
  REJECTED: 'SW_ERR_HANDSHAKE_REJECTED',
  /** The peer broke the protocol (bad frame, anything but Hello first, …). */
  PROTOCOL: 'SW_ERR_PROTOCOL',
  /** The session is closed; nothing more can be sent. */
  CLOSED: 'SW_ERR_SESSION_CLOSED',
  /** Too many frames wait for acks or for a connection. */
  FULL: 'SW_ERR_SESSION_FULL',
  /** A ping got no pong in time. */
  PING_TIMEOUT: 'SW_ERR_PING_TIMEOUT',
  /** The peer sent an Error frame. */
  REMOTE: 'SW_ERR_REMOTE',
  /** The peer could not prove the node id it claims (its key does not match, or its proof does not verify). */
  IDENTITY: 'SW_ERR_IDENTITY',
  /** The peer's key algorithm is one this runtime cannot verify. */
  UNSUPPORTED_KEY: 'SW_ERR_UNSUPPORTED_KEY',
  /** The accepting side holds its maximum of peers from the remote address this one came from (maxSessionsPerAddress). */
  ADDRESS_FULL: 'SW_ERR_ADDRESS_FULL',
} as const;
export type SessionErrorCode = (typeof SessionErrorCode)[keyof typeof SessionErrorCode];

const STATUS_OF: Record<Exclude<SessionErrorCode, 'SW_ERR_REMOTE'>, Status> = {
  SW_ERR_HANDSHAKE_TIMEOUT: Status.Timeout,
  SW_ERR_HANDSHAKE_REJECTED: Status.Unauthorized,
  SW_ERR_PROTOCOL: Status.InvalidFrame,
  SW_ERR_SESSION_CLOSED: Status.ExecutionError,
  SW_ERR_SESSION_FULL: Status.BackpressureRejection,
  SW_ERR_PING_TIMEOUT: Status.Timeout,
  SW_ERR_IDENTITY: Status.Unauthorized,
  SW_ERR_UNSUPPORTED_KEY: Status.UnsupportedVersion,
  // "Later": a place frees when one of that address's peers leaves, so the dialling side tries again.
  SW_ERR_ADDRESS_FULL: Status.QuotaExceeded,
};

/** @internal */
export function sessionError(code: Exclude<SessionErrorCode, 'SW_ERR_REMOTE'>, message: string, status: Status = STATUS_OF[code]): SessionError {
  return new SessionError(code, status, message);
}
