// Property names that dist/lite-browser.js shortens (esbuild's mangleProps), for lite's size budget: names of
// objects that live and die inside that one file — header fields, the session core's methods and its driver's
// callbacks, the MessagePack policies' hooks, lite's own records. A bundler must keep every property name, since it
// cannot know who else reads it; only we can say that these never leave the file.
//
// A name may be listed only if it crosses no border (test/lite-mangle.test.ts holds each rule):
// - not a MessagePack key on the wire (a key in backticks in docs/protocol.md): bodies are objects whose names are the bytes;
// - not a member of anything lite exports or takes (options, Identity, CloseInfo, errors, LiteConnection);
// - not a member of a built-in or a platform object (any name TypeScript's lib files declare): a renamed `.done`
//   or `.open` would miss the runtime's own property.
// Only this file is built so: the other files share their chunks with the full SDK, whose names are its API.
export const LITE_MANGLED = [
  // wire/header.ts HeaderFields, which lite's frames spread (requestId stays: a DOM type declares it)
  'requestHi', 'requestLo', 'moduleHi', 'moduleLo', 'methodHash', 'payloadLength',
  // session/core-rules.ts: SessionCoreBase's methods and its driver's callbacks
  // (tick and pong stay: Node's types declare them; so does `short` of the decode policy, and `generate`)
  'handleUncompressed', 'deliverAcked', 'undecodable', 'tell', 'goodbye', 'transmit', 'deliver',
  // session/handshake.ts InitiatorHandshake
  'reply',
  // wire/msgpack: the encode and decode policies' hooks
  'omitUndefined', 'special', 'refuse', 'views',
  // lite/connection.ts and lite/rpc.ts: a served module's limits, a call's route, a remote's connection
  'limits', 'route', 'conn',
];

/** esbuild's mangleProps for dist/lite-browser.js: exactly the names above. */
export const LITE_MANGLE_PROPS = new RegExp(`^(${LITE_MANGLED.join('|')})$`);
