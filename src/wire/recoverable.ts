// Whether trying again can help: the one table every SwarmwireError's `recoverable` reads (docs/protocol.md,
// "Status codes"). memlink's classification: a timeout, a full quota or queue, a transport that went away are worth
// another try after a backoff; a frame that does not parse, a version or a key the peer does not speak, a refusal,
// a module or method that does not exist, a payload over the limit are not — the same request meets the same answer.
// Codes are written out as strings: the table sits below the layers that define them, and codes are stable.
import { Status } from './constants.js';

/** Statuses after which the same request, tried again later, may succeed. Every other status: it will not. */
const RECOVERABLE_STATUSES: ReadonlySet<number> = /* @__PURE__ */ new Set([Status.Timeout, Status.QuotaExceeded, Status.BackpressureRejection]);

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
 * Codes that only wrap what happened (a connect that gave up, a connection or transport closed by an error): the
 * verdict of the swarmwire error they carry as `cause`, when they carry one.
 */
const WRAPPERS: ReadonlySet<string> = /* @__PURE__ */ new Set(['SW_ERR_CONNECT_FAILED', 'SW_ERR_RPC_CLOSED', 'SW_ERR_TRANSPORT_CLOSED']);

/** The verdict for an error of `code` and `status` that wraps `cause`. @internal */
export function isRecoverable(code: string, status: number, cause: unknown): boolean {
  const inner = (cause as { recoverable?: unknown } | null | undefined)?.recoverable;
  if (WRAPPERS.has(code) && typeof inner === 'boolean') return inner;
  return BY_CODE[code] ?? RECOVERABLE_STATUSES.has(status);
}
