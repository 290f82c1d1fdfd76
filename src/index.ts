// swarmwire's public API. Layers, lowest first: core (wasm) → wire → transport → session → rpc → mesh.

// Loading the wasm core
export { init } from './core/wasm.js';
export type { CoreHandle, InitOptions, WasmSource } from './core/wasm.js';

// Wire contract: constants and errors
export { CHECKSUM_SIZE, Feature, HEADER_SIZE, MAGIC, MAX_PAYLOAD, MIN_VERSION, MessageType, Status, VERSION } from './wire/constants.js';
export type { Role } from './wire/constants.js';
export { SwarmwireError, WireError, WireErrorCode } from './wire/errors.js';

// Checksums and hashes
export { crc32c } from './wire/crc32c.js';
export { fnv1a32, fnv1a64 } from './wire/fnv.js';

// Headers: the friendly form, and the allocation-free form for hot paths
export { decodeHeader, encodeHeader, headerFields, isKnownType, readHeader, writeHeader } from './wire/header.js';
export type { FrameHeader, HeaderFields, HeaderInit } from './wire/header.js';

// Frames, payloads, byte streams
export { decodeBody, decodeFrame, decodeFrames, encodeFrame, frameSize } from './wire/frame.js';
export type { CodecOptions, Frame, FrameInit } from './wire/frame.js';
export { pack, unpack } from './wire/payload.js';
export { FrameReader } from './wire/framer.js';
export type { FrameReaderOptions } from './wire/framer.js';

// Handshake
export { negotiate, parseHello } from './wire/hello.js';
export type { Hello, Negotiated } from './wire/hello.js';
