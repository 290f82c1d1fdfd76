// swarmwire/wire: the wire contract (docs/protocol.md) as code — for tools, other implementations and anyone who
// handles frames by hand. Nothing here does I/O or keeps state beyond a FrameReader's buffer.

// Constants: sizes, versions, message types, feature bits, status codes
export { CHECKSUM_SIZE, Feature, HEADER_SIZE, MAGIC, MAX_PAYLOAD, MIN_PROTOCOL_VERSION, MIN_VERSION, MessageType, PROTOCOL_VERSION, Status, VERSION } from './constants.js';
export type { Role } from './constants.js';
export { SwarmwireError, WireError, WireErrorCode } from './errors.js';

// Frames: whole, as bodies, and out of byte streams ("need more bytes" is a value)
export { decodeBody, decodeFrame, decodeFrames, encodeFrame, frameSize } from './frame.js';
export type { CodecOptions, Frame, FrameInit } from './frame.js';
export { FrameReader } from './framer.js';
export type { FrameReaderOptions } from './framer.js';

// Headers: the friendly form, and the allocation-free form for hot paths
export { decodeHeader, encodeHeader, headerFields, isKnownType, readHeader, writeHeader } from './header.js';
export type { FrameHeader, HeaderFields, HeaderInit } from './header.js';

// Payloads: MessagePack with swarmwire's extension types
export { pack, unpack } from './payload.js';

// Checksums and hashes: CRC-32C trailers, FNV-1a module and method hashes
export { crc32c } from './crc32c.js';
export { fnv1a32, fnv1a64 } from './fnv.js';

// Hello bodies and their negotiation; Routed envelopes; node ids as text
export { negotiate, parseHello, parseHelloProof } from './hello.js';
export type { Hello, HelloProofBody, Negotiated } from './hello.js';
export { DEFAULT_TTL, parseRouted, routedBody } from './routed.js';
export type { RoutedBody } from './routed.js';
export { idHex } from './node-id.js';

// W3C Trace Context: the trace block of a TRACE frame, and traceparent as HTTP carries it
export { TRACE_BLOCK_MIN, TRACE_STATE_MAX, TRACE_VERSION, formatTraceparent, parseTraceparent, readTrace, traceSize, writeTrace } from './trace.js';
export type { TraceContext } from './trace.js';
