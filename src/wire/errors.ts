import { Status } from './constants.js';

/**
 * The base of every error swarmwire raises on purpose. `code` is stable and searchable ("SW_ERR_…"); `status` is
 * the wire status an Error frame would carry for it.
 */
export class SwarmwireError extends Error {
  readonly code: string;
  readonly status: Status;

  constructor(code: string, status: Status, message: string, options?: { cause?: unknown }) {
    super(`[swarmwire] ${message}`, options);
    this.code = code;
    this.status = status;
  }
}
SwarmwireError.prototype.name = 'SwarmwireError';

/**
 * Sets a class's prototype name, as an expression: under `/* @__PURE__ *\/` bundlers drop it, with the class, when
 * nothing uses the class (a top-level prototype write would keep both). For error classes of optional layers. @internal
 */
export function named<C extends abstract new (...args: never[]) => Error>(cls: C, name: string): C {
  cls.prototype.name = name;
  return cls;
}

/** Bytes that do not form a valid frame or payload. */
export class WireError extends SwarmwireError {}
WireError.prototype.name = 'WireError';

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

const STATUS_OF: Record<string, Status> = {
  [WireErrorCode.TRUNCATED]: Status.InvalidFrame,
  [WireErrorCode.BAD_MAGIC]: Status.InvalidFrame,
  [WireErrorCode.BAD_VERSION]: Status.UnsupportedVersion,
  [WireErrorCode.UNKNOWN_TYPE]: Status.InvalidFrame,
  [WireErrorCode.TOO_LARGE]: Status.PayloadTooLarge,
  [WireErrorCode.CHECKSUM]: Status.ChecksumMismatch,
  [WireErrorCode.TRAILING]: Status.InvalidFrame,
  [WireErrorCode.BAD_FIELD]: Status.InvalidFrame,
  [WireErrorCode.BAD_PAYLOAD]: Status.InvalidFrame,
  [WireErrorCode.NEGOTIATION]: Status.UnsupportedVersion,
  [WireErrorCode.TRACE]: Status.InvalidFrame,
};

/** @internal */
export function wireError(code: (typeof WireErrorCode)[keyof typeof WireErrorCode], message: string, cause?: unknown): WireError {
  return new WireError(code, STATUS_OF[code]!, message, cause === undefined ? undefined : { cause });
}
