import { Status } from './constants.js';
import { isRecoverable } from './recoverable.js';

/**
 * The base of every error swarmwire raises on purpose. `code` is stable and searchable ("SW_ERR_…"); `status` is
 * the wire status an Error frame would carry for it; `recoverable` says whether trying again can help.
 */
export class SwarmwireError extends Error {
  readonly code: string;
  readonly status: Status;

  constructor(code: string, status: Status, message: string, options?: { cause?: unknown }) {
    super(`[swarmwire] ${message}`, options);
    this.code = code;
    this.status = status;
  }

  /**
   * Whether trying the same thing again, after a backoff, can succeed: true for timeouts, full quotas and queues,
   * and transports that went away; false for malformed frames, refusals, unsupported versions and keys, missing
   * modules or methods, and payloads over a limit (docs/protocol.md, "Status codes"). Errors rebuilt from an Error
   * frame answer from their status and code too. connectSession stops retrying at the first error that says false.
   * A thrower that knows better than the code and status says so on the instance (withVerdict).
   */
  get recoverable(): boolean {
    return isRecoverable(this.code, this.status, this.cause);
  }
}
named(SwarmwireError, 'SwarmwireError');

/**
 * Names an error class: its instances' `name` and the class's own `name`, which bundlers rename when it clashes
 * (`MeshError2`) and minifiers shorten. An expression: under `/* @__PURE__ *\/` bundlers drop it, with the class,
 * when nothing uses the class (a top-level prototype write would keep both). @internal
 */
export function named<C extends abstract new (...args: never[]) => Error>(cls: C, name: string): C {
  cls.prototype.name = name;
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

/**
 * Gives `error` its own verdict, where the thrower knows better than the code and status (an HTTP 404 answering a
 * WebSocket upgrade will answer every try): an own property, not enumerable, so it does not travel in Error frames
 * (the receiver derives its own from the status and code). @internal
 */
export function withVerdict<E extends SwarmwireError>(error: E, recoverable: boolean | undefined): E {
  if (recoverable !== undefined) Object.defineProperty(error, 'recoverable', { value: recoverable, configurable: true });
  return error;
}

/** Bytes that do not form a valid frame or payload. */
export class WireError extends SwarmwireError {}
named(WireError, 'WireError');

/** Stable codes of WireError, with the status each maps to. */
export const WireErrorCode = {
  TRUNCATED: 'SW_ERR_FRAME_TRUNCATED',
  BAD_MAGIC: 'SW_ERR_FRAME_MAGIC',
  BAD_VERSION: 'SW_ERR_FRAME_VERSION',
  UNKNOWN_TYPE: 'SW_ERR_FRAME_TYPE',
  TOO_LARGE: 'SW_ERR_FRAME_TOO_LARGE',
  CHECKSUM: 'SW_ERR_FRAME_CHECKSUM',
  TRAILING: 'SW_ERR_FRAME_TRAILING_BYTES',
  BAD_FIELD: 'SW_ERR_FRAME_FIELD',
  BAD_PAYLOAD: 'SW_ERR_PAYLOAD',
  NEGOTIATION: 'SW_ERR_VERSION_NEGOTIATION',
  /** A TRACE frame whose trace block is malformed (docs/protocol.md, "Trace context"). */
  TRACE: 'SW_ERR_FRAME_TRACE',
} as const;

// The status of each code that is not InvalidFrame (every other one is): the exceptions only, which is the most of
// what this table would say (bytes in swarmwire/lite's size budget).
// Keyed by the codes' values, typed so that a key that is no WireErrorCode does not compile.
const STATUS_OF: Readonly<Partial<Record<(typeof WireErrorCode)[keyof typeof WireErrorCode], Status>>> = {
  SW_ERR_FRAME_VERSION: Status.UnsupportedVersion,
  SW_ERR_FRAME_TOO_LARGE: Status.PayloadTooLarge,
  SW_ERR_FRAME_CHECKSUM: Status.ChecksumMismatch,
  SW_ERR_VERSION_NEGOTIATION: Status.UnsupportedVersion,
};

/** @internal */
export function wireError(code: (typeof WireErrorCode)[keyof typeof WireErrorCode], message: string, cause?: unknown): WireError {
  return new WireError(code, STATUS_OF[code] ?? Status.InvalidFrame, message, cause === undefined ? undefined : { cause });
}
