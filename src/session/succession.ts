// Which session a proven Hello gets at a side that already holds one for its node id (docs/protocol.md,
// "Sessions"). Written once for the SessionHost and the Durable Object relay, which keep their sessions differently
// (in memory; in storage across evictions) but must answer a returning node alike.
import { CloseCode, type CloseInfo } from '../transport/transport.js';
import type { Hello } from '../wire/hello.js';

/**
 * True when `hello` continues the node's `last` session: the same Hello.session is the node coming back (perhaps
 * before its old link was noticed dead), so its acked frames and duplicate filter carry over. Any other session is a
 * new one of the node (a restart with its identity, its ids from 1 again): the old session ends, and with it
 * whatever waited for it, none of which belongs to the new one.
 */
export function continuesSession(last: Pick<Hello, 'session'> | undefined, hello: Pick<Hello, 'session'>): boolean {
  return last !== undefined && last.session === hello.session;
}

/** How a resumed session's old link is let go: the session itself lives on, on the new link. */
export const MOVED: CloseInfo = { code: CloseCode.Abnormal, reason: 'replaced by a new connection' };

/**
 * How the old session ends when its node starts a new one. A peer still connected (a second process with the
 * identity) gets it as a Goodbye, so it does not dial back in and replace the new session in turn.
 */
export const SUPERSEDED: CloseInfo = { code: CloseCode.GoingAway, reason: 'replaced by a new session of the node' };
