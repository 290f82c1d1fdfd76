// The fuzz targets: each takes one input (bytes, plus a few seeded choices) and either returns normally or throws a
// Finding. Returning normally means the code under test behaved: it gave a result that passes the target's oracle,
// or it rejected the input with a typed SwarmwireError carrying a stable code and a wire status. Anything else —
// a TypeError, a RangeError, a thrown non-error, an escaped exception from an event listener, a reject without an
// Error frame and a close — is a Finding.
import * as root from 'swarmwire';
import * as wire from 'swarmwire/wire';
import * as transport from 'swarmwire/transport';
import { acceptHandshake } from '../src/session/accept.ts';
// One namespace for the targets: the public entries, and the internals a fuzzer reaches for (run from the source:
// vitest, or scripts/run-source.mjs for `npm run fuzz`).
const sw = { ...root, ...wire, ...transport, acceptHandshake };

/** Something a target did that it must not do. */
export class Finding extends Error {}

/** Checks that `error` is a typed rejection: a SwarmwireError with an SW_ERR_ code and a non-zero status. */
export function assertTyped(error, where) {
  if (!(error instanceof sw.SwarmwireError)) {
    throw new Finding(`${where}: threw ${error?.constructor?.name ?? typeof error} instead of a SwarmwireError: ${error?.message ?? String(error)}`, { cause: error });
  }
  if (!/^SW_ERR_[A-Z0-9_]+$/.test(error.code)) throw new Finding(`${where}: error code ${error.code} is not an SW_ERR_ code`);
  if (!Number.isInteger(error.status) || error.status <= 0) throw new Finding(`${where}: error ${error.code} has status ${error.status}`);
  return error;
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Nothing a decoder did may change Object.prototype (a __proto__ or constructor key that leaked). */
function assertNoPollution(where) {
  const probe = {};
  for (const key in probe) throw new Finding(`${where}: Object.prototype gained the enumerable key ${key}`);
  if (Object.getPrototypeOf(probe) !== Object.prototype || Object.keys(Object.prototype).length) {
    throw new Finding(`${where}: Object.prototype was modified`);
  }
}

/** decodeFrame / decodeFrames: a frame that re-encodes to the same bytes, or a typed error. */
function frame(bytes) {
  let decoded;
  try {
    decoded = sw.decodeFrame(bytes);
  } catch (error) {
    assertTyped(error, 'decodeFrame');
  }
  if (decoded) {
    if (decoded.payload.length !== decoded.payloadLength) throw new Finding('decodeFrame: payload length disagrees with payloadLength');
    // The header is canonical: encoding what was decoded gives back the same bytes (checksum recomputed).
    const again = sw.encodeFrame(decoded);
    if (!sameBytes(again, bytes)) throw new Finding('decodeFrame: re-encoding the decoded frame gives different bytes');
  }
  try {
    const frames = sw.decodeFrames(bytes);
    let total = 0;
    for (const f of frames) total += sw.frameSize(f.payloadLength, f.features);
    if (total !== bytes.length) throw new Finding(`decodeFrames: frames cover ${total} of ${bytes.length} bytes`);
  } catch (error) {
    if (error instanceof Finding) throw error;
    assertTyped(error, 'decodeFrames');
  }
}

/** FrameReader over random chunking: frames until a typed error, after which every read rethrows the same error. */
function framer(bytes, rand) {
  const reader = new sw.FrameReader({ maxPayload: rand() < 0.5 ? sw.MAX_PAYLOAD : 1 + Math.floor(rand() * 4096) });
  let failed;
  let frames = 0;
  for (let at = 0; at < bytes.length && !failed; ) {
    const size = 1 + Math.floor(rand() * (rand() < 0.3 ? 8 : 300));
    reader.push(bytes.subarray(at, at + size));
    at += size;
    try {
      for (let f = reader.read(); f; f = reader.read()) {
        if (f.payload.length !== f.payloadLength) throw new Finding('FrameReader: payload length disagrees with payloadLength');
        frames++;
      }
    } catch (error) {
      if (error instanceof Finding) throw error;
      failed = assertTyped(error, 'FrameReader.read');
    }
    if (reader.buffered < 0) throw new Finding(`FrameReader: buffered went negative (${reader.buffered})`);
  }
  if (failed) {
    try {
      reader.read();
      throw new Finding('FrameReader: read() after a failure returned instead of rethrowing');
    } catch (error) {
      if (error instanceof Finding) throw error;
      if (error !== failed) throw new Finding('FrameReader: read() after a failure threw a different error');
    }
  }
  return frames;
}

/** unpack: one value or WireError BAD_PAYLOAD; never a polluted prototype. */
function payload(bytes) {
  try {
    const value = sw.unpack(bytes);
    // Walk what came out the way application code would: reading properties must not reach a polluted prototype.
    if (value && typeof value === 'object') for (const key of Object.keys(value)) void value[key];
  } catch (error) {
    const e = assertTyped(error, 'unpack');
    if (e.code !== sw.WireErrorCode.BAD_PAYLOAD) throw new Finding(`unpack: code ${e.code}, expected ${sw.WireErrorCode.BAD_PAYLOAD}`);
  }
  assertNoPollution('unpack');
}

/** A Transport that records what it is sent and delivers whatever the test pushes, synchronously. */
export class StubTransport {
  kind = 'memory';
  state = 'open';
  bufferedAmount = 0;
  sent = [];
  closed;
  #listeners = { open: [], message: [], close: [], error: [] };
  send(frame) {
    if (this.state === 'closed') throw new sw.TransportError(sw.TransportErrorCode.CLOSED, sw.Status.ExecutionError, 'stub closed');
    this.sent.push(frame.slice());
  }
  ready() {
    return Promise.resolve();
  }
  close(code = 1000, reason = '') {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closed = { code, reason };
    for (const l of this.#listeners.close.slice()) l(this.closed);
  }
  on(event, listener) {
    const list = this.#listeners[event];
    list.push(listener);
    return () => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    };
  }
  /** Delivers bytes as the peer would; an exception escaping a listener is a Finding. */
  deliver(bytes) {
    for (const l of this.#listeners.message.slice()) {
      try {
        l(bytes);
      } catch (error) {
        throw new Finding(`a message listener threw: ${error?.constructor?.name}: ${error?.message}`, { cause: error });
      }
    }
  }
}

/** The frames a stub was sent, decoded; a node must only ever send well-formed frames. */
function sentFrames(stub, where) {
  try {
    return stub.sent.flatMap((bytes) => sw.decodeFrames(bytes));
  } catch (error) {
    throw new Finding(`${where}: sent bytes that do not decode: ${error.message}`);
  }
}

const LOCAL = { role: 'relay', capabilities: [], features: 0x2b, maxPayload: 1 << 20, metadata: {} };
const HOST_IDENTITY = await sw.createIdentity();

/**
 * acceptHandshake: a typed reject after exactly one Error frame (with a status) and a close; or — a Hello whose id
 * is its key's — a HelloAck and then, when the link closes before any proof, a typed reject too. Never an open
 * session: no input here proves a key.
 */
async function handshake(bytes) {
  const stub = new StubTransport();
  const accepting = sw.acceptHandshake(stub, HOST_IDENTITY, LOCAL, { handshakeTimeoutMs: 1000 });
  accepting.catch(() => {}); // awaited below, after the link is ended: a refusal before then is not unhandled
  stub.deliver(bytes);
  // Checking a key and signing the answer are asynchronous (WebCrypto, on Node's thread pool: slow on a loaded
  // machine): wait for the answer, within the handshake's own deadline, then end the link.
  const until = Date.now() + 900;
  while (!stub.sent.length && !stub.closed && Date.now() < until) await new Promise((r) => setImmediate(r));
  const answered = sentFrames(stub, 'acceptHandshake');
  if (!stub.closed && answered.length === 1 && answered[0].type === sw.MessageType.HelloAck) stub.close(1006, 'fuzz: gone before the proof');
  try {
    await accepting;
  } catch (error) {
    const e = assertTyped(error, 'acceptHandshake');
    const frames = sentFrames(stub, 'acceptHandshake');
    if (frames[0]?.type === sw.MessageType.HelloAck) {
      if (frames.length !== 1 || e.code !== sw.SessionErrorCode.CLOSED) throw new Finding(`acceptHandshake: after a HelloAck, ${e.code} and ${frames.length} frame(s)`);
      assertNoPollution('acceptHandshake');
      return;
    }
    if (frames.length !== 1 || frames[0].type !== sw.MessageType.Error) throw new Finding(`acceptHandshake: rejected ${e.code} but sent ${frames.length} frame(s) instead of one Error`);
    const body = sw.decodeBody(frames[0]);
    if (!Number.isInteger(body?.status) || body.status <= 0) throw new Finding('acceptHandshake: the Error frame carries no status');
    if (!stub.closed) throw new Finding(`acceptHandshake: rejected ${e.code} without closing the transport`);
    assertNoPollution('acceptHandshake');
    return;
  }
  throw new Finding('acceptHandshake: completed a handshake nobody proved');
}

/** parseHello over any decoded value: a Hello or WireError BAD_PAYLOAD. */
function hello(bytes) {
  let value;
  try {
    value = sw.unpack(bytes);
  } catch (error) {
    assertTyped(error, 'unpack');
    return;
  }
  try {
    sw.parseHello(value);
  } catch (error) {
    const e = assertTyped(error, 'parseHello');
    if (e.code !== sw.WireErrorCode.BAD_PAYLOAD) throw new Finding(`parseHello: code ${e.code}, expected ${sw.WireErrorCode.BAD_PAYLOAD}`);
  }
}

const PEER = await sw.createIdentity();
const PEER_HELLO = {
  version: 2, minVersion: 2, nodeId: PEER.id, role: 'edge', capabilities: [], features: 0x2b, maxPayload: 1 << 20, metadata: {},
  alg: 1, key: PEER.publicKey, nonce: new Uint8Array(32),
};

/**
 * An open session fed hostile messages: nothing escapes its listeners, every message it sends is a well-formed
 * frame, and if it gives up it does so by closing the transport (an Error frame before a protocol close).
 */
async function session(bytes) {
  const stub = new StubTransport();
  const s = new sw.Session({ heartbeatIntervalMs: 0, handshakeTimeoutMs: 1000 });
  const errors = [];
  s.on('error', (e) => errors.push(e));
  s.adopt(stub, PEER_HELLO); // as SessionHost does once the peer has proven its id
  stub.sent.length = 0;
  stub.deliver(bytes);
  // Compressed frames are inflated asynchronously: let that pipeline run.
  for (let i = 0; i < 4; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
  for (const e of errors) assertTyped(e, 'Session error event');
  sentFrames(stub, 'Session');
  // A 1002 of the session's own making is always explained by an Error frame first. (A Goodbye may ask for any
  // code, 1002 included: that close is the peer's word, not a violation found here.)
  const goodbye = (() => {
    try {
      return sw.decodeFrames(bytes).some((f) => f.type === sw.MessageType.Goodbye);
    } catch {
      return false;
    }
  })();
  if (stub.closed && stub.closed.code === 1002 && !stub.sent.length && !goodbye) throw new Finding('Session: closed with 1002 without telling the peer why');
  s.close();
}

/** An object served over RPC, with the shapes hostile requests can aim at. */
const CALC = {
  add: (a, b) => a + b,
  echo: (x) => x,
  fail() {
    throw new TypeError('no');
  },
  nested: { inner: { ping: () => 'pong' } },
  value: 7,
  async *three() {
    yield 1;
    yield 2;
  },
};

/**
 * RPC on a bare transport fed hostile messages: nothing escapes the listener, everything it sends is a well-formed
 * frame, and every Error it answers with carries a status.
 */
async function rpc(bytes) {
  const stub = new StubTransport();
  const stop = sw.expose(CALC, stub, { name: 'calc', maxArgBytes: 4096, maxDepth: 16 });
  stub.deliver(bytes);
  for (let i = 0; i < 4; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
  for (const f of sentFrames(stub, 'RPC')) {
    if (f.type !== sw.MessageType.Error) continue;
    const body = sw.decodeBody(f);
    if (!Number.isInteger(body?.status) || body.status <= 0) throw new Finding('RPC: an Error frame without a status');
  }
  assertNoPollution('RPC');
  stop();
}

/** Every target by name: the function and whether it is async. */
export const TARGETS = {
  frame: { run: frame, async: false },
  framer: { run: framer, async: false },
  payload: { run: payload, async: false },
  hello: { run: hello, async: false },
  handshake: { run: handshake, async: true },
  session: { run: session, async: true },
  rpc: { run: rpc, async: true },
  // The same exposed object, fed RPC values built from extension types nested in each other, with collection
  // headers announcing more than follows at every level (issue 13's bombs), as arguments and as stream chunks.
  rpcValue: { run: rpc, async: true },
};
