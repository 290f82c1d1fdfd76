// Whether trying again can help: the one table every SwarmwireError's `recoverable` reads (docs/protocol.md,
// "Status codes"). memlink's classification: a timeout, a full quota or queue, a transport that went away are worth
// another try after a backoff; a frame that does not parse, a version or a key the peer does not speak, a refusal,
// a module or method that does not exist, a payload over the limit are not — the same request meets the same answer.
// Codes are written out as strings: the table sits below the layers that define them, and codes are stable.
import { Status } from './constants.js';

/**
 * Codes whose status says too little (ExecutionError and ModuleNotFound cover both kinds), with their own verdict:
 * a connection that could not be made or was lost under a session, a route that is not there yet, an agent that
 * moved (the SDK follows it) can all come good.
 */
const BY_CODE: Readonly<Record<string, boolean>> = {
  SW_ERR_CONNECT_FAILED: true,
  SW_ERR_SESSION_CLOSED: true,
  SW_ERR_MESH_NO_ROUTE: true,
  SW_ERR_AGENT_MOVED: true,
};
/**
 * Wrappers — a connect that gave up, a connection or a transport closed by an error: when they carry a swarmwire
 * error as `cause`, its verdict is theirs.
 */
const WRAPPERS = ['SW_ERR_CONNECT_FAILED', 'SW_ERR_RPC_CLOSED', 'SW_ERR_TRANSPORT_CLOSED'];

/**
 * The verdict for an error of `code` and `status` that wraps `cause`. By status: Timeout, QuotaExceeded and
 * BackpressureRejection (4–6) are worth another try after a backoff; every other status is not. @internal
 */
export function isRecoverable(code: string, status: number, cause: unknown): boolean {
  const inner = (cause as { recoverable?: unknown } | null | undefined)?.recoverable;
  if (typeof inner === 'boolean' && WRAPPERS.includes(code)) return inner;
  return BY_CODE[code] ?? (status >= Status.Timeout && status <= Status.BackpressureRejection);
}
