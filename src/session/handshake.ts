// The handshake's rules, without I/O: each side is fed the payloads that arrived and answers the payloads to send.
// Session (session.ts / host.ts), the Durable Object relay and swarmwire/lite drive these over their own sockets.
//
//   initiator                                         responder
//   Hello { …, alg, key, nonce: nI }        ──▶       checks the id is its key's; authorize
//                                           ◀──       HelloAck { …, alg, key, nonce: nR, proof: sign_R(LR ‖ H(Hello)) }
//   checks the id and the proof
//   HelloProof { proof: sign_I(LI ‖ H(Hello) ‖ H(HelloAck)) } ──▶  checks the proof; opens (registers the node)
//                                           ◀──       HelloDone { session }
//   opens
//
// HelloDone costs a round trip, and buys this: when the dialling side opens, the other side has already taken it
// in — a relay routes to it, resumed frames follow — so nothing sent to it meanwhile is refused as "no such node".
// HelloDone also names the responder's session the initiator was handed to (resumed or new): decided only once the
// proof holds, so nothing an unproven Hello gets back depends on whether that node has a session here.
//
// H is SHA-256 over the payload bytes as they crossed the wire, so each signature covers everything said before
// it, including the other side's fresh nonce: a recorded Hello or proof is worthless on another connection. The
// labels keep one side's signature from being passed off as the other's. Integrity of what follows the handshake
// is the transport's (wss:// or WebTransport on untrusted networks): the proofs say who is at the other end.
import { idHex } from '../wire/node-id.js';
import { MessageType, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, Status } from '../wire/constants.js';
import { SwarmwireError } from '../wire/errors.js';
import { type Hello, NONCE_BYTES, type Negotiated, negotiate, parseHello, parseHelloDone, parseHelloProof } from '../wire/hello.js';
import { packPlain as pack, unpackPlain as unpack } from '../wire/msgpack/plain.js';
import { SessionError, SessionErrorCode, sessionError } from './errors.js';
import { algorithmById, type Identity, KeyAlgorithmId, peerNodeId, sha256, verifySignature } from './identity.js';
import type { ErrorBody } from './messages.js';
import { readErrorBody } from './bodies.js';
import { errorBody as errorBodyOf } from './core-rules.js';

/** What a side says of itself in its Hello, besides what its identity and the protocol fill in. */
export type LocalHello = Pick<Hello, 'role' | 'capabilities' | 'features' | 'maxPayload' | 'metadata'> & { token?: string | undefined; session?: number | undefined };

/** Handshake answers that are final: the peer will say the same again, so reconnecting is pointless. */
export const REFUSALS: ReadonlySet<number> = /* @__PURE__ */ new Set([Status.Unauthorized, Status.UnsupportedVersion, Status.QuotaExceeded]);

const utf8 = /* @__PURE__ */ new TextEncoder();
const RESPONDER_LABEL = /* @__PURE__ */ utf8.encode('swarmwire/2 HelloAck proof\n');
const INITIATOR_LABEL = /* @__PURE__ */ utf8.encode('swarmwire/2 HelloProof\n');

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The Hello this side sends: its identity and what `local` says. */
export function hello(identity: Identity, local: Readonly<LocalHello>, nonce: Uint8Array): Hello {
  return {
    version: PROTOCOL_VERSION, minVersion: MIN_PROTOCOL_VERSION, nodeId: identity.id, role: local.role,
    capabilities: [...local.capabilities], features: local.features, maxPayload: local.maxPayload, metadata: { ...local.metadata },
    ...(local.token === undefined ? {} : { token: local.token }),
    alg: KeyAlgorithmId[identity.algorithm], key: identity.publicKey, nonce,
    ...(local.session === undefined ? {} : { session: local.session }),
  };
}

/** What this side (saying `local`) and the peer agree on once the handshake is through. */
export function agree(local: Readonly<LocalHello>, peer: Readonly<Hello>): Negotiated {
  return negotiate({ ...local, version: PROTOCOL_VERSION, minVersion: MIN_PROTOCOL_VERSION }, peer);
}

/**
 * The peer's Hello (or HelloAck) checked against this side: a common version (else WireError NEGOTIATION, status
 * UnsupportedVersion), a key algorithm this side knows, and a node id that is its key's (else SessionError IDENTITY).
 */
async function checkPeer(local: Readonly<LocalHello>, peer: Hello): Promise<void> {
  agree(local, peer);
  const algorithm = algorithmById(peer.alg);
  if (!algorithm) throw sessionError(SessionErrorCode.UNSUPPORTED_KEY, `unknown key algorithm ${peer.alg} (1 Ed25519, 2 P-256)`);
  if (!sameBytes(await peerNodeId(algorithm, peer.key), peer.nodeId)) {
    throw sessionError(SessionErrorCode.IDENTITY, 'the node id is not the id of the key that came with it');
  }
}

/** Resolves when `signature` is the peer's signature of `data`; throws SessionError IDENTITY otherwise. */
async function checkSignature(peer: Hello, signature: Uint8Array | undefined, data: Uint8Array, what: string): Promise<void> {
  if (!signature || !(await verifySignature(algorithmById(peer.alg)!, peer.key, signature, data))) {
    throw sessionError(SessionErrorCode.IDENTITY, `${what} does not prove the key of node ${idHex(peer.nodeId)}`);
  }
}

// Latency: WebCrypto calls are asynchronous (Node runs them on its thread pool), so steps that do not depend on each
// other are started together — a handshake waits for the slowest, not for the sum.


/**
 * The dialling side's half. States: `new` → hello() → `awaiting-ack` → reply() → `awaiting-done` → done() →
 * `done` (or `failed`).
 */
export class InitiatorHandshake {
  #state: 'new' | 'awaiting-ack' | 'awaiting-done' | 'done' | 'failed' = 'new';
  #peer: Hello | undefined;
  /** SHA-256 of the Hello sent, started as it leaves (it is needed once the HelloAck is in). */
  #helloHash: Promise<Uint8Array> | undefined;
  readonly #identity: Identity;
  readonly #local: Readonly<LocalHello>;
  readonly #expect: Uint8Array | undefined;

  /** `expectPeer`: the node id the other side must prove (a pinned relay), if any. */
  constructor(identity: Identity, local: Readonly<LocalHello>, expectPeer?: Uint8Array) {
    this.#identity = identity;
    this.#local = local;
    this.#expect = expectPeer;
  }

  get state(): string {
    return this.#state;
  }

  /** The Hello payload to send first. */
  hello(): Uint8Array {
    if (this.#state !== 'new') throw new Error('[swarmwire] hello() was already called');
    this.#state = 'awaiting-ack';
    const payload = pack(hello(this.#identity, this.#local, crypto.getRandomValues(new Uint8Array(NONCE_BYTES))));
    this.#helloHash = sha256(payload);
    this.#helloHash.catch(() => {}); // awaited in reply(); a Hello never answered must not leave a rejection unhandled
    return payload;
  }

  /**
   * The answer to the Hello: a HelloAck is checked (version, the responder's key and proof, the expected peer) and
   * answered with the HelloProof payload to send. An Error frame is a refusal: SessionError REJECTED with its
   * status when final (Unauthorized, UnsupportedVersion, QuotaExceeded), else PROTOCOL. Anything else is PROTOCOL;
   * a bad proof is IDENTITY.
   */
  async reply(type: number, payload: Uint8Array): Promise<{ peer: Hello; proof: Uint8Array }> {
    if (this.#state !== 'awaiting-ack') throw new Error(`[swarmwire] reply() in state ${this.#state}`);
    this.#state = 'failed';
    refused(type, payload);
    if (type !== MessageType.HelloAck) throw sessionError(SessionErrorCode.PROTOCOL, `expected HelloAck, got message type ${type}`);
    const peer = parseHello(unpack(payload));
    if (this.#expect && !sameBytes(this.#expect, peer.nodeId)) {
      throw sessionError(SessionErrorCode.IDENTITY, `expected node ${idHex(this.#expect)}, reached node ${idHex(peer.nodeId)}`);
    }
    const [, helloHash, ackHash] = await Promise.all([checkPeer(this.#local, peer), this.#helloHash!, sha256(payload)]);
    // This side's proof is signed while the peer's is checked; it is sent only if the peer's holds.
    const [, proof] = await Promise.all([
      checkSignature(peer, peer.proof, concat(RESPONDER_LABEL, helloHash), 'the HelloAck'),
      this.#identity.sign(concat(INITIATOR_LABEL, helloHash, ackHash)),
    ]);
    this.#peer = peer;
    this.#state = 'awaiting-done';
    return { peer, proof: pack({ proof }) };
  }

  /**
   * The responder's last word: HelloDone opens the session and resolves with the peer's Hello, its `session` the one
   * HelloDone names (WireError BAD_PAYLOAD for a payload that is not a HelloDone's); an Error refuses it, as in reply().
   */
  done(type: number, payload: Uint8Array): Hello {
    if (this.#state !== 'awaiting-done') throw new Error(`[swarmwire] done() in state ${this.#state}`);
    this.#state = 'failed';
    refused(type, payload);
    if (type !== MessageType.HelloDone) throw sessionError(SessionErrorCode.PROTOCOL, `expected HelloDone, got message type ${type}`);
    const { session } = parseHelloDone(payload.length === 0 ? undefined : unpack(payload));
    const { session: _unproven, ...peer } = this.#peer!;
    this.#state = 'done';
    return session === undefined ? peer : { ...peer, session };
  }
}

/**
 * An Error frame's status and message, read by the session's one checked reader (bodies.ts); a body that is not an
 * Error body still refuses the handshake (a handshake Error must not throw anything but a typed error).
 */
function errorBody(payload: Uint8Array): { status: number; message: string } {
  try {
    return readErrorBody({ payload });
  } catch {
    return { status: Status.ExecutionError, message: '(an Error whose body is not an Error body)' };
  }
}

/** Throws the refusal an Error frame in the handshake carries (see InitiatorHandshake.reply); returns for other frames. */
function refused(type: number, payload: Uint8Array): void {
  if (type !== MessageType.Error) return;
  const body = errorBody(payload);
  if (REFUSALS.has(body.status)) throw new SessionError(SessionErrorCode.REJECTED, body.status as Status, `the peer refused the handshake: ${body.message}`);
  throw sessionError(SessionErrorCode.PROTOCOL, `the peer could not read the handshake: ${body.message}`, body.status as Status);
}

/**
 * The accepting side's half. States: `awaiting-hello` → hello() → `checked` → ack() → `awaiting-proof` →
 * proof() → `done` (or `failed`); the driver then decides which of its sessions the proven peer gets and sends
 * HelloDone naming it (helloDone()), in one synchronous run with handing it over. Between hello() and ack() the
 * driver asks its authorize hook; nothing is granted before proof() resolves.
 */
export class ResponderHandshake {
  #state: 'awaiting-hello' | 'checked' | 'awaiting-proof' | 'done' | 'failed' = 'awaiting-hello';
  #peer: Hello | undefined;
  #helloHash: Promise<Uint8Array> | undefined;
  #ackHash: Promise<Uint8Array> | undefined;
  readonly #identity: Identity;
  readonly #local: Readonly<LocalHello>;

  constructor(identity: Identity, local: Readonly<LocalHello>) {
    this.#identity = identity;
    this.#local = local;
  }

  get state(): string {
    return this.#state;
  }

  /** The peer's Hello, once hello() has checked it. */
  get peer(): Hello | undefined {
    return this.#peer;
  }

  /**
   * Checks the first frame: it must be a Hello (else SessionError PROTOCOL), well formed (WireError BAD_PAYLOAD),
   * of a common version (WireError NEGOTIATION), with a key this side can verify (SessionError UNSUPPORTED_KEY)
   * whose id is the claimed node id (SessionError IDENTITY).
   */
  async hello(type: number, payload: Uint8Array): Promise<Hello> {
    if (this.#state !== 'awaiting-hello') throw new Error(`[swarmwire] hello() in state ${this.#state}`);
    this.#state = 'failed';
    if (type !== MessageType.Hello) throw sessionError(SessionErrorCode.PROTOCOL, `expected Hello first, got message type ${type}`);
    const peer = parseHello(unpack(payload));
    this.#helloHash = sha256(payload);
    this.#helloHash.catch(() => {}); // awaited in ack(), unless the Hello is refused first
    await checkPeer(this.#local, peer);
    this.#peer = peer;
    this.#state = 'checked';
    return peer;
  }

  /**
   * The HelloAck payload: this side's Hello with a fresh nonce and its proof of the Hello it answers. It names no
   * session: which one the peer gets is decided after its proof, and said in HelloDone.
   */
  async ack(): Promise<Uint8Array> {
    if (this.#state !== 'checked') throw new Error(`[swarmwire] ack() in state ${this.#state}`);
    this.#state = 'failed';
    const proof = await this.#identity.sign(concat(RESPONDER_LABEL, await this.#helloHash!));
    const ack = pack({ ...hello(this.#identity, this.#local, crypto.getRandomValues(new Uint8Array(NONCE_BYTES))), proof });
    this.#ackHash = sha256(ack);
    this.#ackHash.catch(() => {}); // awaited in proof(), unless the peer never sends one
    this.#state = 'awaiting-proof';
    return ack;
  }

  /** Checks the HelloProof that must follow (SessionError PROTOCOL for another frame, IDENTITY for a bad proof). */
  async proof(type: number, payload: Uint8Array): Promise<Hello> {
    if (this.#state !== 'awaiting-proof') throw new Error(`[swarmwire] proof() in state ${this.#state}`);
    this.#state = 'failed';
    if (type !== MessageType.HelloProof) throw sessionError(SessionErrorCode.PROTOCOL, `expected HelloProof, got message type ${type}`);
    const { proof } = parseHelloProof(unpack(payload));
    const [helloHash, ackHash] = await Promise.all([this.#helloHash!, this.#ackHash!]);
    await checkSignature(this.#peer!, proof, concat(INITIATOR_LABEL, helloHash, ackHash), 'the HelloProof');
    this.#state = 'done';
    return this.#peer!;
  }
}

/** The HelloDone payload naming `session`, the responder's session the proven peer was handed to (empty without one). */
export function helloDone(session: number | undefined): Uint8Array {
  return session === undefined ? new Uint8Array(0) : pack({ session });
}

/** The Error payload a handshake failure is answered with. */
export function handshakeErrorBody(error: unknown): ErrorBody {
  return errorBodyOf(error instanceof SwarmwireError ? error : sessionError(SessionErrorCode.PROTOCOL, String(error)));
}
