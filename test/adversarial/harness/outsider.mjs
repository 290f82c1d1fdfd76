// An attacker that gets through the handshake with the SDK (so it works whatever proof of identity the handshake
// asks for) and then speaks hand-built frames: Routed envelopes carrying any bytes to any node, Requests to the
// relay's built-in module. It matches answers to what it sent by request id, routed or direct.
import { openSession, fnv1a32, fnv1a64 } from './sdk.mjs';
import { T, body, frame, openRouted, pack, routedPayload } from './wire.mjs';

const RELAY_MODULE = fnv1a64('relay');
const ANSWERS = new Set([T.Response, T.Error, T.StreamHandle]);

export class Outsider {
  /** Connects to the relay; `role` is what it claims to be. */
  static async connect(wsUrl, options = {}) {
    return new Outsider(await openSession(wsUrl, options));
  }

  #nextInner = 1;
  /** Inner (carried) request id → resolver of its answer. */
  #waiting = new Map();
  /** Every frame received: `{ via: 'direct' | 'routed', frame, from?, hops? }`. */
  received = [];
  /** How the relay ended this session, if it did. */
  closed;

  constructor(session) {
    this.session = session;
    this.id = session.id;
    this.relayId = session.relayId;
    session.onClose((info) => {
      this.closed = info;
      // Nothing more can answer: whoever waits learns now rather than at its deadline.
      for (const w of this.#waiting.values()) w(undefined);
      this.#waiting.clear();
    });
    session.onFrame((f) => {
      if (f.type === T.Routed) {
        const env = openRouted(f);
        if (!env?.inner) return;
        this.received.push({ via: 'routed', frame: env.inner, from: env.from, hops: env.hops });
        if (ANSWERS.has(env.inner.type)) this.#settle(env.inner.requestId, { via: 'routed', from: env.from, frame: env.inner });
        return;
      }
      this.received.push({ via: 'direct', frame: f });
      if (ANSWERS.has(f.type)) this.#settle(f.requestId, { via: 'direct', frame: f });
    });
  }

  #settle(requestId, answer) {
    const w = this.#waiting.get(Number(requestId));
    if (!w) return;
    this.#waiting.delete(Number(requestId));
    w(answer);
  }

  /** A fresh id for a frame this attacker carries inside an envelope. */
  nextId() {
    return this.#nextInner++;
  }

  /**
   * Sends `inner` (whole frame bytes) to node `to` in a Routed envelope; `from`, `hops` and `ttl` are whatever the
   * attacker writes. The envelope gets the carried frame's id (as swarmwire/lite does), so an Error about the
   * envelope answers the carried call. Waits for room when the session's buffer is full.
   */
  async routed(to, inner, { from, hops = 0, ttl = 16, ack = false, requestId } = {}) {
    return this.send({ type: T.Routed, requestId, ack, payload: routedPayload({ to, frame: inner, from, hops, ttl }) });
  }

  /**
   * Sends one frame (`{ type, requestId?, moduleId?, methodHash?, payload, ack? }`), waiting for room while the
   * session is full; resolves with its request id, or undefined once the relay ended the session.
   */
  async send(f) {
    for (;;) {
      if (this.closed) return undefined; // the relay ended this session: nothing more goes out
      try {
        return this.session.send(f);
      } catch (error) {
        if (this.closed || !this.session.open) return undefined;
        if (!/FULL/.test(error?.code ?? '')) throw error;
        // Full: the transport (ready() waits for room), the compression queue or the store of frames awaiting
        // Acks (only a later task can drain those, so wait one out rather than spin on microtasks).
        await this.session.ready().catch(() => {});
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }

  /**
   * Carries a frame of `type` (default Request) to `to` and resolves with its answer (a Response, Error or
   * StreamHandle with the same id), or undefined when none came within `timeoutMs`.
   */
  request(to, { type = T.Request, moduleId, methodHash, payload, requestId = this.nextId(), features = 0 }, options = {}) {
    return this.carry(to, frame({ type, features, requestId, moduleId, methodHash, payload }), requestId, options);
  }

  /** Carries whole frame bytes to `to` and resolves with the answer carrying `requestId` (or undefined, as request()). */
  async carry(to, inner, requestId, { timeoutMs = 5_000, ...envelope } = {}) {
    const answer = this.#answer(requestId, timeoutMs);
    await this.routed(to, inner, { requestId, ...envelope });
    return answer;
  }

  /** Calls `method` of module `module` (names) on node `to` with the MessagePack `payload` (bytes) as arguments. */
  call(to, module, method, payload, options) {
    return this.request(to, { moduleId: fnv1a64(module), methodHash: fnv1a32(method), payload }, options);
  }

  #answer(requestId, timeoutMs) {
    return new Promise((resolve) => {
      if (this.closed) return resolve(undefined);
      const timer = setTimeout(() => (this.#waiting.delete(requestId), resolve(undefined)), timeoutMs);
      this.#waiting.set(requestId, (a) => (clearTimeout(timer), resolve(a && { ...a, body: body(a.frame.payload) })));
    });
  }

  /** Writes whole frame bytes straight on the transport, past the session's own numbering (see sdk.mjs sendRaw). */
  sendRaw(bytes) {
    if (!this.closed) this.session.sendRaw(bytes);
  }

  /** Calls the relay's built-in module directly (no envelope); resolves with the decoded answer. */
  async relayCall(method, args = [], timeoutMs = 5_000) {
    const requestId = 1_000_000_000 + this.nextId();
    const answer = this.#answer(requestId, timeoutMs);
    await this.send({ type: T.Request, requestId, moduleId: RELAY_MODULE, methodHash: fnv1a32(method), payload: pack(args) });
    const a = await answer;
    if (!a || a.frame.type !== T.Response) throw new Error(`[attack] relay.${method} did not answer (${a ? JSON.stringify(a.body) : 'timeout'})`);
    return a.body;
  }

  /** The relay's peer list, as anyone may read it. */
  peers() {
    return this.relayCall('peers');
  }

  get open() {
    return this.session.open;
  }

  close() {
    this.session.close();
  }
}
