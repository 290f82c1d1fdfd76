// What a peer may make a relay keep for its subscriptions. Each topic a peer subscribes to is held by the relay for
// as long as the peer stays (and by a Durable Object relay in storage, across hibernation), and every peer can read
// all of them through the relay module's peers(); unbounded, one peer subscribing to 100,000 topics of up to 64 KiB
// made a relay hold 200 MiB and every peers() call (the dashboard asks each second) carry it all.
import { RelayErrorCode, relayError } from './errors.js';

export interface TopicLimits {
  /** Subscriptions one peer may hold; one more is refused with SW_ERR_RELAY_TOO_MANY_TOPICS. Default: 1,000. */
  maxTopicsPerPeer: number;
  /** Characters (UTF-16 code units) in one topic; a longer one is refused with SW_ERR_RELAY_TOPIC_TOO_LONG. Default: 1,024. */
  maxTopicLength: number;
}

export const DEFAULT_TOPIC_LIMITS: Readonly<TopicLimits> = Object.freeze({ maxTopicsPerPeer: 1_000, maxTopicLength: 1_024 });

/**
 * Throws RelayError when a peer holding `held` (its current subscriptions) may not add `topic`. A topic it holds
 * already is always fine: subscribing again keeps nothing more.
 */
export function checkSubscribe(topic: string, held: ReadonlySet<string> | undefined, limits: Readonly<TopicLimits>): void {
  if (topic.length > limits.maxTopicLength) {
    throw relayError(RelayErrorCode.TOPIC_TOO_LONG, `a topic of ${topic.length} characters is over the relay's maxTopicLength of ${limits.maxTopicLength}`);
  }
  if (held?.has(topic)) return;
  if ((held?.size ?? 0) >= limits.maxTopicsPerPeer) {
    throw relayError(RelayErrorCode.TOO_MANY_TOPICS, `this peer holds ${held!.size} subscriptions, the relay's maxTopicsPerPeer: unsubscribe from one first`);
  }
}
