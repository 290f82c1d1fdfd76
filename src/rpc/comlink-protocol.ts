// The wire shapes of comlinkEndpoint() (docs/protocol.md, "Comlink interop"). Constants only: no behaviour lives here.
//
//   Event (96)  module_id = fnv1a64("comlink:" + name)
//               method_hash = 0: a message posted on the endpoint itself
//               method_hash = port · 2 + owner: a message posted on a port that crossed this endpoint; owner 0 when
//                 the frame's sender numbered the port (it sent the port), 1 when the frame's receiver did
//               payload: the message, as MessagePack with the extension types below; empty: the port was closed

/**
 * MessagePack extension types in Comlink payloads: structured-clone values. 3–7 mean what they mean in RPC values
 * (messages.ts ExtType); 9–12 are Comlink's own (RPC values never carry them), numbered after RPC's (1–8) so the two
 * tables never disagree about a number.
 */
export const CloneExt = {
  /** An Error: data = the RPC layer's error map (SerializedError), stack included. */
  Error: 3,
  /** A bigint: data = its decimal digits. */
  BigInt: 4,
  /** An ArrayBuffer: data = its bytes. */
  ArrayBuffer: 5,
  /** A Map: data = [[key, value]…]. */
  Map: 6,
  /** A Set: data = [value…]. */
  Set: 7,
  /** A typed array other than Uint8Array, or a DataView: data = one ViewKind byte, then the view's bytes (little-endian elements). */
  TypedArray: 9,
  /** A RegExp: data = [source, flags]. */
  RegExp: 10,
  /** A value MessagePack has no form for: data = one Constant byte. */
  Constant: 11,
  /** A MessagePort: data = its port number (uint, 1 to 2^31 − 1), chosen by the sender of the message. */
  Port: 12,
} as const;

/** Which view a TypedArray extension holds (a Uint8Array travels as MessagePack bin). */
export const ViewKind = {
  Int8: 1, Uint8Clamped: 2, Int16: 3, Uint16: 4, Int32: 5, Uint32: 6, Float32: 7, Float64: 8, BigInt64: 9, BigUint64: 10,
  DataView: 11, Float16: 12,
} as const;

/** The Constant extension's byte. */
export const Constant = {
  /** `undefined` (MessagePack's nil is `null`). */
  Undefined: 0,
  /** −0 (MessagePack integers have no sign for zero). */
  NegativeZero: 1,
  /** A Date whose time is NaN (the timestamp extension has no form for it). */
  InvalidDate: 2,
} as const;

/** method_hash of a frame for the endpoint itself; port frames carry port · 2 + owner. */
export const ENDPOINT_HASH = 0;
/** The highest port number: method_hash is a u32 and keeps a bit for the owner. */
export const MAX_PORT_NUMBER = 0x7fff_ffff;
