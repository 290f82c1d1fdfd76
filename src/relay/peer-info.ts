// The relay's part of the peer-info rule (src/session/peer-info.ts, where the rule and its reasons are written): its
// error. A relay keeps each peer's capabilities and metadata for as long as it stays, repeats both in every answer of
// the relay module's peers() (any peer may ask; the dashboard asks each second), and the capabilities in every
// announcement to its core and relay peers at each join and leave. The Node, Deno and Durable Object relays all put
// their authorize hook behind withPeerInfoLimit.
import type { Hello } from '../wire/hello.js';
import type { Authorize } from '../session/auth.js';
import { checkPeerInfo as check, withPeerInfoLimit as limit } from '../session/peer-info.js';
import { RelayErrorCode, relayError } from './errors.js';

export { DEFAULT_MAX_PEER_INFO_BYTES, peerInfoBytes } from '../session/peer-info.js';

const refuse = (message: string) => relayError(RelayErrorCode.PEER_INFO_TOO_LARGE, message);

/** Throws RelayError PEER_INFO_TOO_LARGE (Unauthorized) when a Hello's capabilities and metadata are over `max` bytes. */
export function checkPeerInfo(hello: Readonly<Pick<Hello, 'capabilities' | 'metadata'>>, max: number): void {
  check(hello, max, 'relay', refuse);
}

/** `authorize`, asked only for a Hello whose capabilities and metadata fit in `max` bytes (refused with RelayError PEER_INFO_TOO_LARGE). */
export function withPeerInfoLimit(max: number, authorize?: Authorize): Authorize {
  return limit(max, authorize, 'relay', refuse);
}
