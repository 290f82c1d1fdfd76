// The relay's own refusals: what a peer asked it to keep past a limit (its subscriptions, its Hello's capabilities
// and metadata). Typed, with stable codes, so a peer can tell a limit from a malformed frame; the frame that hit one
// changes nothing.
import { Status } from '../wire/constants.js';
import { SwarmwireError, named } from '../wire/errors.js';

/** A relay refused what a peer asked it to keep (a subscription, a Hello's metadata) because of one of its limits. */
export const RelayError = /* @__PURE__ */ named(class RelayError extends SwarmwireError {}, 'RelayError');
export type RelayError = InstanceType<typeof RelayError>;

export const RelayErrorCode = {
  /** The peer holds maxTopicsPerPeer subscriptions already: one more is refused until it unsubscribes from one. */
  TOO_MANY_TOPICS: 'SW_ERR_RELAY_TOO_MANY_TOPICS',
  /** The topic is longer than maxTopicLength: refused, whatever the peer holds. */
  TOPIC_TOO_LONG: 'SW_ERR_RELAY_TOPIC_TOO_LONG',
  /** A Hello's capabilities and metadata take more than maxPeerInfoBytes: the handshake is refused, nothing is kept. */
  PEER_INFO_TOO_LARGE: 'SW_ERR_RELAY_PEER_INFO_TOO_LARGE',
} as const;
export type RelayErrorCode = (typeof RelayErrorCode)[keyof typeof RelayErrorCode];

const STATUS: Readonly<Record<RelayErrorCode, Status>> = {
  [RelayErrorCode.TOO_MANY_TOPICS]: Status.QuotaExceeded,
  [RelayErrorCode.TOPIC_TOO_LONG]: Status.PayloadTooLarge,
  // A final refusal of the handshake (REFUSALS): the peer would send the same Hello again.
  [RelayErrorCode.PEER_INFO_TOO_LARGE]: Status.Unauthorized,
};

/** A RelayError; its message starts with the code, since the Error frame that tells the peer carries only the text. */
export function relayError(code: RelayErrorCode, message: string): RelayError {
  return new RelayError(code, STATUS[code], `${code}: ${message}`);
}
