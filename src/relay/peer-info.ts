// What one peer makes a relay repeat to others of its Hello. A relay keeps each peer's capabilities and metadata for
// as long as it stays, repeats both in every answer of the relay module's peers() (any peer may ask; the dashboard
// asks each second), and the capabilities in every announcement to its core and relay peers at each join and leave.
// Bounded only by the 64 KiB handshake limit, 50 sessions with 60 KB of metadata each made one peers() answer 3.0 MB,
// and 40 calls of 40 bytes cost the relay 1.8 s of CPU and +175 MiB.
//
// Over the limit, the Hello is refused rather than kept with its metadata cut or left out: a peer whose metadata
// other peers silently never see would be harder to debug than one told at connect time, by a typed error naming the
// limit — and a relay keeps nothing of it. The refusal's status is Unauthorized, not QuotaExceeded: a full relay's
// QuotaExceeded says "later" (recoverable: the dialling side tries again), while this Hello would meet the same answer
// every time, so the dialling side must give up at once.
import type { Hello } from '../wire/hello.js';
import { packPlain } from '../wire/msgpack/plain.js';
import type { Authorize } from '../session/auth.js';
import { RelayErrorCode, relayError } from './errors.js';

/**
 * The default of maxPeerInfoBytes. Honest metadata is a name, a version, a region, a few tags, and capabilities a
 * handful of words: a few hundred bytes. 4 KiB leaves ten times that, and keeps a peers() answer with 50 hostile
 * sessions at ~200 KB instead of 3.2 MB.
 */
export const DEFAULT_MAX_PEER_INFO_BYTES = 4_096;

/** Bytes of a Hello's capabilities and metadata as MessagePack encodes them (the array and the map, headers included): what a relay repeats of it. */
export function peerInfoBytes(hello: Readonly<Pick<Hello, 'capabilities' | 'metadata'>>): number {
  return packPlain(hello.capabilities).length + packPlain(hello.metadata).length;
}

/** Throws RelayError PEER_INFO_TOO_LARGE (Unauthorized) when a Hello's capabilities and metadata are over `max` bytes. */
export function checkPeerInfo(hello: Readonly<Pick<Hello, 'capabilities' | 'metadata'>>, max: number): void {
  const bytes = peerInfoBytes(hello);
  if (bytes > max) {
    throw relayError(RelayErrorCode.PEER_INFO_TOO_LARGE,
      `the Hello's capabilities and metadata take ${bytes} bytes, over the relay's maxPeerInfoBytes of ${max} (it repeats them to every peer)`);
  }
}

/**
 * `authorize`, asked only for a Hello whose capabilities and metadata fit in `max` bytes: the handshake answers a
 * thrown refusal with its Error and a close (1008), before the HelloAck, so a relay neither signs for nor keeps an
 * oversized Hello. The Node, Deno and Durable Object relays all put their hook behind this.
 */
export function withPeerInfoLimit(max: number, authorize?: Authorize): Authorize {
  return (peer) => {
    checkPeerInfo(peer.hello, max);
    return authorize ? authorize(peer) : true;
  };
}
