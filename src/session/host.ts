// The accepting side: runs the handshake on each new transport (accept.ts) and hands it to the Session of that
// node id — a new one, or the same one when a peer comes back, so its acked frames and duplicate filter carry over
// (resume). The hand-over happens only after the peer has proven the id's key: an impostor with a stolen id gets
// an Error and a close, and the real peer's session is not touched.
import { CloseCode, type Transport } from '../transport/transport.js';
import { Status } from '../wire/constants.js';
import { idHex } from '../wire/node-id.js';
import { acceptHandshake } from './accept.js';
import type { LocalHello } from './handshake.js';
import { inboxOf } from './inbox.js';
import type { Authorize } from './auth.js';
import { SessionError, SessionErrorCode, sessionError } from './errors.js';
import { addressKey } from '../transport/address-key.js';
import { Counts } from '../core/counts.js';
import { createIdentity, type Identity } from './identity.js';
import { Session, type SessionOptions } from './session.js';
import { continuesSession, MOVED, SUPERSEDED } from './succession.js';
import { type ClockTimer, unref } from '../core/clock.js';

export interface HostOptions extends SessionOptions {
  /**
   * Decides whether a peer may connect, given its proven node id and its Hello (token, metadata): true, false
   * (Unauthorized, then close), or a Grant of what it may do through a relay. See sharedSecret() and allowlist().
   * Default: everyone, with every grant.
   */
  authorize: Authorize;
  /** How long a disconnected peer's session waits to be resumed, ms. Default: 30,000. */
  resumeTimeoutMs: number;
  /** Sessions held at most (open or awaiting resume); a new peer beyond gets QuotaExceeded and a close. Default: 10,000. */
  maxSessions: number;
  /**
   * Sessions held at most (open or awaiting resume) for peers that came from one remote address, as the server
   * names it to accept() (its /64 for IPv6: src/transport/address-key.ts); a new peer beyond gets Error
   * QuotaExceeded `SW_ERR_ADDRESS_FULL` and a close, while a peer resuming its own session is always let back.
   * Connections accepted without an address are not counted. Default: Infinity (a relay sets its own: maxPeersPerAddress).
   */
  maxSessionsPerAddress: number;
}

export class SessionHost {
  readonly #options: Readonly<Partial<HostOptions>>;
  readonly #sessions = new Map<string, Session>();
  readonly #onSession: Array<(session: Session) => void> = [];
  readonly #onLeave: Array<(id: string) => void> = [];
  /** Sessions held per remote address key, for maxSessionsPerAddress (only those accepted with an address). */
  readonly #perAddress = new Counts();
  /** The address key each counted session was accepted from (a resume from elsewhere keeps its first). */
  readonly #addressOf = new WeakMap<Session, string>();
  #identity: Identity | Promise<Identity> | undefined;
  /** What this host says of itself in each HelloAck: the same for every peer, so made once. */
  #local: LocalHello | undefined;
  /** The options of each session it accepts (its own, with the identity), made on the first. */
  #sessionOptions: Readonly<Partial<SessionOptions>> | undefined;
  /** The sessions of peers inside this process (accept's `inProcess`): maxSessions does not count them. A few at most. */
  readonly #locals = new Set<Session>();
  /** The timer that ends each session whose peer is away, until it comes back (resumeTimeoutMs). */
  readonly #resumeTimers = new Map<Session, ClockTimer>();
  /**
   * The listeners of every session it accepts, called with the session as `this`: the same three functions for all,
   * where a closure each (and their context) cost a relay ~0.25 KB per peer (issue 17).
   */
  readonly #tracking: { disconnect(this: Session): void; open(this: Session): void; close(this: Session): void };

  constructor(options: Readonly<Partial<HostOptions>> = {}) {
    this.#options = options;
    this.#identity = options.identity;
    const host = this;
    this.#tracking = {
      disconnect(this: Session) {
        host.#away(this);
      },
      open(this: Session) {
        host.#back(this);
      },
      close(this: Session) {
        host.#gone(this);
      },
    };
  }

  /** Live sessions by the peer's node id (hex). */
  get sessions(): ReadonlyMap<string, Session> {
    return this.#sessions;
  }

  /** This host's identity: the one given, or the ephemeral one made for the first handshake. */
  async identity(): Promise<Identity> {
    this.#identity ??= createIdentity();
    if (this.#identity instanceof Promise) this.#identity = await this.#identity;
    return this.#identity;
  }

  /** Calls `listener` with each new session (not with resumed ones). */
  onSession(listener: (session: Session) => void): void {
    this.#onSession.push(listener);
  }

  /**
   * Calls `listener` with a peer's node id (hex) each time its session disconnects or closes: one listener for the
   * host, where one per session would cost a closure for each of a relay's peers.
   */
  onLeave(listener: (id: string) => void): void {
    this.#onLeave.push(listener);
  }

  /**
   * Runs the handshake on `transport`; resolves with the (new or resumed) session. `address`: the peer's remote
   * address as the server saw it, for maxSessionsPerAddress (none: not counted). `inProcess`: a peer inside this
   * process (a relay's own agent host), which maxSessions does not count — a relay of 10,000 peers serves 10,000
   * besides it (for the relay's own use, not part of the API).
   */
  async accept(transport: Transport, address?: string, inProcess = false): Promise<Session> {
    inboxOf(transport); // listen now: a transport does not keep what arrives before anyone listens
    const identity = await this.identity();
    const options = this.#options;
    // One frozen options object for every session of this host: they share its normalized form (session.ts).
    const sessionOptions = (this.#sessionOptions ??= Object.freeze({ ...options, identity }));
    const local = (this.#local ??= new Session(sessionOptions).localHello());
    const max = options.maxSessions ?? 10_000;
    const accepted = await acceptHandshake(transport, identity, local, {
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      requireChecksum: options.requireChecksum,
      authorize: options.authorize,
      clock: options.clock,
    });
    // Everything from here to the hand-over runs in one go: which session the proven peer gets, the HelloDone that
    // names it, and the hand-over itself, so no other handshake, timer or close can change it in between. Decided
    // only now, after the proof: nothing an unproven Hello gets back depends on the node's sessions here.
    const { hello, grant } = accepted;
    const id = idHex(hello.nodeId);
    const existing = this.#sessions.get(id);
    const alive = existing && existing.state !== 'closed' ? existing : undefined;
    if (alive && continuesSession(alive.peer?.hello, hello)) {
      // The node's own session is resumed, the peer having proven it: move it to the new transport.
      if (alive.state === 'open') alive.suspend(MOVED);
      accepted.done(alive.tag);
      alive.adopt(transport, hello, grant);
      return alive;
    }
    if (!alive && !inProcess && this.#sessions.size - this.#locals.size >= max) {
      throw accepted.refuse(new SessionError(SessionErrorCode.REJECTED, Status.QuotaExceeded, `this node holds its maximum of ${max} peers`));
    }
    const key = address === undefined ? undefined : addressKey(address);
    if (key !== undefined) {
      // A new session of a node that replaces its own from the same address takes that one's place, not another.
      const held = this.#perAddress.of(key) - (alive && this.#addressOf.get(alive) === key ? 1 : 0);
      const perAddress = options.maxSessionsPerAddress ?? Infinity;
      if (held >= perAddress) {
        throw accepted.refuse(sessionError(SessionErrorCode.ADDRESS_FULL,
          `${SessionErrorCode.ADDRESS_FULL}: this node holds its maximum of ${perAddress} peers from one address (a relay's maxPeersPerAddress)`));
      }
    }
    // A new session of the node: the old one ends (answers to its calls, Acks held for its frames go with it).
    alive?.close(SUPERSEDED.code, SUPERSEDED.reason);
    const session = new Session(sessionOptions);
    accepted.done(session.tag);
    session.adopt(transport, hello, grant);
    this.#sessions.set(session.peer!.id, session); // the string the session keeps: one per peer, not two
    if (inProcess) this.#locals.add(session);
    if (key !== undefined) (this.#addressOf.set(session, key), this.#perAddress.add(key));
    // Ends the session if its peer does not come back within resumeTimeoutMs, and forgets it once closed.
    session.on('disconnect', this.#tracking.disconnect);
    session.on('open', this.#tracking.open);
    session.on('close', this.#tracking.close);
    for (const l of this.#onSession) l(session);
    return session;
  }

  /** `session`'s peer went away: it has resumeTimeoutMs to come back. */
  #away(session: Session): void {
    this.#left(session);
    if (this.#resumeTimers.has(session)) return; // away already: the deadline counts from the first disconnect
    const timer = session.clock.setTimeout(() => {
      this.#resumeTimers.delete(session);
      session.finish({ code: CloseCode.Abnormal, reason: 'the peer did not come back' });
    }, this.#options.resumeTimeoutMs ?? 30_000);
    this.#resumeTimers.set(session, unref(timer));
  }

  /** `session`'s peer came back in time (or the session ended): its resume timer goes. */
  #back(session: Session): void {
    const timer = this.#resumeTimers.get(session);
    if (timer === undefined) return;
    this.#resumeTimers.delete(session);
    session.clock.clearTimeout(timer);
  }

  #gone(session: Session): void {
    this.#back(session);
    const id = session.peer!.id;
    if (this.#sessions.get(id) === session) this.#sessions.delete(id);
    this.#locals.delete(session);
    const key = this.#addressOf.get(session);
    if (key !== undefined) {
      this.#addressOf.delete(session); // counted once, however often 'close' is told
      this.#perAddress.remove(key);
    }
    this.#left(session);
  }

  /** Tells the onLeave listeners that `session`'s peer left. */
  #left(session: Session): void {
    const id = session.peer!.id;
    for (const l of this.#onLeave) l(id);
  }

  /** Closes every session. */
  close(code: number = CloseCode.GoingAway, reason = 'host closing'): void {
    for (const s of [...this.#sessions.values()]) s.close(code, reason);
  }
}
