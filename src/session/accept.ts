// The accepting side of the handshake over a Transport: read the Hello, check it (version, key, id), ask the
// authorize hook, answer HelloAck with this side's proof and verify the HelloProof that must follow — all within one
// deadline — then leave HelloDone to the caller, who names in it the session the proven peer gets. Nothing about the peer is trusted, and nothing is granted, before the proof holds: SessionHost
// (host.ts) hands the transport to a session only then, so a peer that claims another node's id takes over nothing.
import { idHex } from '../wire/node-id.js';
import { Feature, HANDSHAKE_MAX_PAYLOAD, MessageType, Status } from '../wire/constants.js';
import { SwarmwireError } from '../wire/errors.js';
import { encodeFrame } from '../wire/frame.js';
import type { Hello } from '../wire/hello.js';
import { CloseCode, Priority, type Transport } from '../transport/transport.js';
import { type Authorize, type Grant } from './auth.js';
import { sessionError, SessionErrorCode } from './errors.js';
import { handshakeErrorBody, helloDone, type LocalHello, REFUSALS, ResponderHandshake } from './handshake.js';
import type { Identity } from './identity.js';
import { readHandshakeFrame } from './session.js';
import { type Clock, realClock } from '../core/clock.js';

/** Options of acceptHandshake(). */
export interface AcceptHandshakeOptions {
  /** Deadline for the whole handshake (Hello to HelloProof), ms. Default: 10,000. */
  handshakeTimeoutMs: number;
  /** Require (and send) a CRC-32C trailer on the handshake frames. Default: false. */
  requireChecksum: boolean;
  /** Decides whether the peer may connect, and with what grant. Default: everyone, with every grant. */
  authorize: Authorize;
  /** Where the deadline's time comes from. Default: the real clock. */
  clock: Clock;
}

/**
 * A handshake whose proof held: the peer's Hello (its id proven) and what authorize granted (undefined: everything).
 * The caller ends it with done() or refuse(), in the same synchronous run as deciding which session the peer gets
 * (so nothing can change between the decision and the HelloDone that names it).
 */
export interface Accepted {
  hello: Hello;
  grant: Grant | undefined;
  /** Sends HelloDone naming `session`, this side's session the peer is handed to (docs/protocol.md, "Sessions"). */
  done(session: number | undefined): void;
  /** Answers the proven peer with an Error and a close instead (a full host); returns the error to throw. */
  refuse(error: unknown): SwarmwireError;
}

/**
 * Runs the accepting side of the handshake on `transport`, up to the proof. A failure is answered with an Error
 * frame and a close (1008 for refusals — Unauthorized, UnsupportedVersion, QuotaExceeded — else 1002, 1009 for too big) and the
 * promise rejects with the typed error: SessionError PROTOCOL, IDENTITY, UNSUPPORTED_KEY, REJECTED (authorize said
 * no), HANDSHAKE_TIMEOUT, or a WireError for bytes that are not frames.
 */
export async function acceptHandshake(transport: Transport, identity: Identity, local: Readonly<LocalHello>, options: Readonly<Partial<AcceptHandshakeOptions>> = {}): Promise<Accepted> {
  const timeoutMs = options.handshakeTimeoutMs ?? 10_000;
  const clock = options.clock ?? realClock;
  const deadline = clock.now() + timeoutMs;
  const checksum = options.requireChecksum ?? false;
  const features = checksum ? Feature.CHECKSUM : 0;
  const next = () => readHandshakeFrame(transport, Math.max(0, deadline - clock.now()), HANDSHAKE_MAX_PAYLOAD, checksum, clock);
  const responder = new ResponderHandshake(identity, local);
  const first = await next();
  let grant: Grant | undefined;
  try {
    const hello = await responder.hello(first.type, first.payload);
    const verdict = options.authorize ? await options.authorize({ id: idHex(hello.nodeId), hello }) : true;
    if (verdict === false) throw sessionError(SessionErrorCode.REJECTED, 'not authorized');
    if (verdict !== true) grant = verdict;
    transport.send(encodeFrame({ type: MessageType.HelloAck, payload: await responder.ack(), features }), Priority.Critical);
  } catch (error) {
    throw refuse(transport, error, features);
  }
  const second = await next();
  let hello: Hello;
  try {
    hello = await responder.proof(second.type, second.payload);
  } catch (error) {
    throw refuse(transport, error, features);
  }
  return {
    hello: kept(hello), grant,
    done: (session) => transport.send(encodeFrame({ type: MessageType.HelloDone, payload: helloDone(session), features }), Priority.Critical),
    refuse: (error) => refuse(transport, error, features),
  };
}

/** The key and nonce of every kept Hello: spent once the proof holds. */
const SPENT = /* @__PURE__ */ new Uint8Array(0);
/** The capabilities and metadata of every kept Hello that has none: most peers (frozen, since they are shared). */
const NO_CAPABILITIES: string[] = /* @__PURE__ */ Object.freeze([]) as unknown as string[];
const NO_METADATA: Record<string, string> = /* @__PURE__ */ Object.freeze({});

/**
 * The peer's Hello as the accepting side keeps it for the whole connection (a relay keeps every peer's, issue 17):
 * its node id copied out of the message (a copy this small lives in the JavaScript heap); its key and nonce, which
 * served the proof and nothing after it, dropped (empty arrays: they were ~0.25 KB per peer, a view each and the
 * ArrayBuffer they shared); no capabilities and no metadata as one shared empty list and record.
 */
function kept(hello: Hello): Hello {
  return {
    ...hello,
    nodeId: new Uint8Array(hello.nodeId), // not slice(): on a Buffer (Node's `ws` delivers them) that is a view
    key: SPENT,
    nonce: SPENT,
    capabilities: hello.capabilities.length === 0 ? NO_CAPABILITIES : hello.capabilities,
    metadata: Object.keys(hello.metadata).length === 0 ? NO_METADATA : hello.metadata,
  };
}

/** Answers a failed handshake with an Error frame and closes the transport; returns the error to throw. */
function refuse(transport: Transport, error: unknown, features: number): SwarmwireError {
  const e = error instanceof SwarmwireError ? error : sessionError(SessionErrorCode.PROTOCOL, String(error));
  try {
    transport.send(encodeFrame({ type: MessageType.Error, body: handshakeErrorBody(e), features }), Priority.Critical);
  } catch {
    // the transport is already failing; the close below still ends it
  }
  const code = REFUSALS.has(e.status) ? CloseCode.PolicyViolation : e.status === Status.PayloadTooLarge ? CloseCode.TooBig : CloseCode.ProtocolError;
  transport.close(code, e.code);
  return e;
}

