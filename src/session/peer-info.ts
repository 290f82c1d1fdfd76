// What one peer makes an accepting node repeat to others of its Hello: its capabilities and metadata. A relay keeps
// both for as long as the peer stays and repeats them in every peers() answer and (the capabilities) in every
// Discovery announcement; a mesh node with role core or relay repeats the capabilities in its Discovery answers.
// Bounded only by the 64 KiB handshake limit, 50 sessions with 60 KB of metadata each made one relay peers() answer
// 3.0 MB, and 40 calls of 40 bytes cost the relay 1.8 s of CPU and +175 MiB (src/relay/peer-info.ts).
//
// The rule, written once for every host that accepts Hellos (the Node and Deno relays, the Durable Object relay,
// MeshNode.accept): over the limit, the Hello is refused before authorize is asked and before the HelloAck, rather
// than kept with its metadata cut or left out — a peer whose metadata other peers silently never see would be harder
// to debug than one told at connect time, by a typed error naming the limit — and nothing of it is kept. Each host
// refuses with its own area's error class and code (RelayError, MeshError); the status is Unauthorized, not
// QuotaExceeded: a full host's QuotaExceeded says "later" (recoverable: the dialling side tries again), while this
// Hello would meet the same answer every time, so the dialling side must give up at once.
import type { Hello } from '../wire/hello.js';
import type { SwarmwireError } from '../wire/errors.js';
import { packPlain } from '../wire/msgpack/plain.js';
import type { Authorize } from './auth.js';

/**
 * The default of maxPeerInfoBytes. Honest metadata is a name, a version, a region, a few tags, and capabilities a
 * handful of words: a few hundred bytes. 4 KiB leaves ten times that, and keeps a relay's peers() answer with 50
 * hostile sessions at ~200 KB instead of 3.2 MB.
 */
export const DEFAULT_MAX_PEER_INFO_BYTES = 4_096;

/** Bytes of a Hello's capabilities and metadata as MessagePack encodes them (the array and the map, headers included): what a host repeats of it. */
export function peerInfoBytes(hello: Readonly<Pick<Hello, 'capabilities' | 'metadata'>>): number {
  return packPlain(hello.capabilities).length + packPlain(hello.metadata).length;
}

/** How a host refuses an oversized Hello: its own typed error (status Unauthorized), given the message that says why. */
export type PeerInfoRefusal = (message: string) => SwarmwireError;

/**
 * Throws `refuse`'s error when a Hello's capabilities and metadata are over `max` bytes. `host` names the host in
 * the message ("relay", "node").
 */
export function checkPeerInfo(hello: Readonly<Pick<Hello, 'capabilities' | 'metadata'>>, max: number, host: string, refuse: PeerInfoRefusal): void {
  const bytes = peerInfoBytes(hello);
  if (bytes > max) throw refuse(`the Hello's capabilities and metadata take ${bytes} bytes, over the ${host}'s maxPeerInfoBytes of ${max} (it repeats them to every peer)`);
}

/**
 * `authorize`, asked only for a Hello whose capabilities and metadata fit in `max` bytes: the handshake answers a
 * thrown refusal with its Error and a close (1008), before the HelloAck, so a host neither signs for nor keeps an
 * oversized Hello.
 */
export function withPeerInfoLimit(max: number, authorize: Authorize | undefined, host: string, refuse: PeerInfoRefusal): Authorize {
  return (peer) => {
    checkPeerInfo(peer.hello, max, host, refuse);
    return authorize ? authorize(peer) : true;
  };
}
