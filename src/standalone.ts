// The files that carry the wasm inside (the script tag's globalThis.swarmwire, the CDN's one ESM file, and
// swarmwire/inline): the root entry, with the two layer entries as namespaces (`swarmwire.wire.encodeFrame`), since
// these files have no subpaths beside them that would share the one core init() loads.
export * from './index.js';
export * as wire from './wire/index.js';
export * as transport from './transport/index.js';
