// The RPC layer's wire shapes (docs/protocol.md, "RPC"). Constants and types only: no behaviour lives here.
//
//   Request (0)       payload: [args…] (any implementation), or an OpBody map (swarmwire's get/set/construct/paths)
//   Response (1)      payload: the result (empty = undefined)
//   Error (2)         payload: ErrorBody, `data` = RemoteErrorData
//   StreamHandle (3)  payload: StreamHandleBody, in place of a Response when the result is a stream
//   Cancel (19)       request_id = the call; payload: optional reason string
//   StreamData (80) / StreamEnd (81) / StreamCancel (82) / StreamCredit (83): module_id = the stream id

/** MessagePack extension types inside RPC payloads (values that MessagePack alone cannot carry). */
export const ExtType = {
  /** An object or function passed by reference (proxy()): data = its ref id (uint). Calls go to module_id = ref id. */
  Proxy: 1,
  /** A stream passed as a value: data = [stream id, StreamKind]. */
  Stream: 2,
  /** An Error as a value: data = SerializedError. */
  Error: 3,
  /** A bigint: data = its decimal digits (UTF-8). */
  BigInt: 4,
  /** An ArrayBuffer (bin alone would come back as a Uint8Array): data = its bytes. */
  ArrayBuffer: 5,
  /** A Map: data = [[key, value]…]. */
  Map: 6,
  /** A Set: data = [value…]. */
  Set: 7,
  /** A value a transfer handler wrote (transferHandlers): data = [handler name, what its serialize() returned]. */
  Handled: 8,
} as const;

/** Operations of the extended Request form. */
export const Op = {
  /** Read the member at `path`. */
  Get: 1,
  /** Write `value` to the member at `path`. */
  Set: 2,
  /** Call the function at `path` with `args` (path [] calls the module itself, for proxied functions). */
  Apply: 3,
  /** List the module's methods and properties (describe()). */
  Describe: 4,
  /** The caller drops its proxy: forget the ref (module_id) it named, and run its finalizer. */
  Release: 5,
  /** `new` the constructor at `path` with `args` (path [] constructs the module itself); answered by reference. */
  Construct: 6,
} as const;
export type Op = (typeof Op)[keyof typeof Op];

/** The extended Request payload: a map, where plain callers send an array of arguments. */
export interface OpBody {
  op: Op;
  path: string[];
  args?: unknown[];
  value?: unknown;
}

/** How a stream was produced, so the reader gets the same kind back. */
export const StreamKind = { AsyncIterable: 0, ReadableStream: 1 } as const;
export type StreamKind = (typeof StreamKind)[keyof typeof StreamKind];

/** StreamHandle payload. */
export interface StreamHandleBody {
  stream: number;
  kind: StreamKind;
}

/**
 * Chunks a producer may send before the first StreamCredit: every stream starts with this window, and the reader
 * grants more (StreamCredit, u32) as it consumes.
 */
export const INITIAL_STREAM_CREDIT = 16;

/** The Error payload's `data`: what the caller needs to rebuild the error. */
export interface RemoteErrorData {
  /** The error's `code`, when it has one. */
  code?: unknown;
  cause?: unknown;
  /** AggregateError's errors. */
  errors?: unknown[];
  /** Other own enumerable fields. */
  fields?: Record<string, unknown>;
  /** Only when the exposing side asked for stacks. */
  stack?: string;
  /** A thrown value that was not an Error. */
  value?: unknown;
}

/** An Error as a value (ExtType.Error), and an Error frame's body. */
export interface SerializedError extends RemoteErrorData {
  status: number;
  message: string;
  name: string;
}

/** One method, as describe() reports it. */
export interface MethodInfo {
  name: string;
  /** The function's declared parameters before the first default (`fn.length`): the least arguments it takes. */
  params: number;
}

/** describe()'s answer. */
export interface ModuleDescription {
  /** The module id, as 16 hex digits. */
  module: string;
  methods: MethodInfo[];
  properties: string[];
}
