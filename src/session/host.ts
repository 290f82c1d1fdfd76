// The accepting side: reads each new transport's Hello and hands it to the Session of that node id — a new one,
// or the same one when a peer comes back, so its acked frames and duplicate filter carry over (resume).
import { CloseCode, type Transport } from '../transport/transport.js';
import type { Hello } from '../wire/hello.js';
import { Status } from '../wire/constants.js';
import { Session, type SessionOptions, acceptHello, refuse } from './session.js';

export interface HostOptions extends SessionOptions {
  /** Decides whether a peer may connect (token, metadata). Refused peers get Unauthorized. Default: everyone. */
  authorize?: (hello: Hello) => boolean | Promise<boolean>;
  /** How long a disconnected peer's session waits to be resumed, ms. Default: 30,000. */
  resumeTimeoutMs?: number;
  /** Sessions held at most (open or awaiting resume); a new peer beyond gets QuotaExceeded and a close. Default: 10,000. */
  maxSessions?: number;
}

export class SessionHost {
  readonly #options: Readonly<HostOptions>;
  readonly #sessions = new Map<string, Session>();
  readonly #onSession: Array<(session: Session) => void> = [];

  constructor(options: Readonly<HostOptions> = {}) {
    this.#options = options;
  }

  /** Live sessions by the peer's node id (hex). */
  get sessions(): ReadonlyMap<string, Session> {
    return this.#sessions;
  }

  /** Calls `listener` with each new session (not with resumed ones). */
  onSession(listener: (session: Session) => void): void {
    this.#onSession.push(listener);
  }

  /** Runs the handshake on `transport`; resolves with the (new or resumed) session. */
  async accept(transport: Transport): Promise<Session> {
    const hello = await acceptHello(transport, this.#options);
    const id = Array.from(hello.nodeId, (b) => b.toString(16).padStart(2, '0')).join('');
    const existing = this.#sessions.get(id);
    if (existing && existing.state !== 'closed') {
      // The peer is back (perhaps before its old link was noticed dead): move it to the new transport.
      if (existing.state === 'open') existing.suspend({ code: CloseCode.Abnormal, reason: 'replaced by a new connection' });
      await existing.accept(transport, hello, this.#options.authorize);
      return existing;
    }
    const max = this.#options.maxSessions ?? 10_000;
    if (this.#sessions.size >= max) refuse(transport, Status.QuotaExceeded, `this node holds its maximum of ${max} peers`);
    const session = new Session(this.#options);
    await session.accept(transport, hello, this.#options.authorize);
    this.#sessions.set(id, session);
    let resumeTimer: ReturnType<typeof setTimeout> | undefined;
    session.on('disconnect', () => {
      resumeTimer = setTimeout(() => session.finish({ code: CloseCode.Abnormal, reason: 'the peer did not come back' }), this.#options.resumeTimeoutMs ?? 30_000);
      (resumeTimer as { unref?: () => void }).unref?.();
    });
    session.on('open', () => clearTimeout(resumeTimer));
    session.on('close', () => {
      clearTimeout(resumeTimer);
      if (this.#sessions.get(id) === session) this.#sessions.delete(id);
    });
    for (const l of this.#onSession) l(session);
    return session;
  }

  /** Closes every session. */
  close(code: number = CloseCode.GoingAway, reason = 'host closing'): void {
    for (const s of [...this.#sessions.values()]) s.close(code, reason);
  }
}
