// Several relays as one, through Redis pub/sub. Each relay subscribes to one channel per node it serves, so a
// Routed frame for a node elsewhere is one PUBLISH to that node's channel — and PUBLISH answers how many relays got
// it, so "no such node anywhere" needs no directory. Broadcasts go to one channel every relay subscribes to.
// Presence: every relay publishes a heartbeat and refreshes a key with a TTL; one silent for longer than
// `deadAfterMs` is reported down (a crashed relay says nothing, so silence is the signal). Its nodes' channels lose
// their subscriber with its connection, so frames for them are answered "no node" right away.
// Losing Redis: the bridge reconnects with backoff and subscribes again; meanwhile Routed frames for other relays
// are answered with an Error (ExecutionError) and broadcasts reach this relay's peers only. An answer that every
// try would get (NOAUTH, WRONGPASS: RedisError.recoverable false) stops the retries: the relay runs alone, and
// `failure` says why.
//   <prefix>:node:<id>    Routed frames for node <id>         { r: relay id, b: RoutedOut, a: ack }
//   <prefix>:broadcast    broadcasts                          { r: relay id, b: BroadcastBody, a: ack }
//   <prefix>:relays       heartbeats and goodbyes             { r: relay id, up: boolean }
//   <prefix>:relay:<id>   a key per live relay, PX deadAfterMs
import { pack, unpack } from '../wire/payload.js';
import { type BackoffOptions, backoffDelay } from '../transport/backoff.js';
import type { BroadcastBody, Relay, RelayUplink, RoutedOut } from './relay.js';
import { Status } from '../wire/constants.js';
import { RedisError, RespConnection } from './resp.js';
import { withVerdict } from '../wire/errors.js';
import { idHex } from '../wire/node-id.js';
import { createDebug } from '../core/debug.js';

const debug = /* @__PURE__ */ createDebug('swarmwire:relay');

export interface RedisBridgeOptions {
  /** Where Redis listens. Default: 'redis://127.0.0.1:6379'. */
  url: string;
  /** Prefix of every channel and key, so several swarms can share one Redis. Default: 'swarmwire'. */
  prefix: string;
  /** This relay's id among the bridged relays. Default: 16 random hex digits. */
  relayId: string;
  /** How often this relay announces itself, ms. Default: 1,000. */
  heartbeatMs: number;
  /** A relay not heard from for this long is reported down, ms. Default: 3 × heartbeatMs. */
  deadAfterMs: number;
  /**
   * Delays between attempts to reach Redis again after losing it (maxAttempts is ignored: it keeps trying, until
   * an answer that trying again cannot change). Default: {}.
   */
  reconnect: Partial<BackoffOptions>;
}

export interface RedisBridge {
  readonly relayId: string;
  /** Whether the bridge is connected to Redis (false while it reconnects). */
  readonly connected: boolean;
  /** Why the bridge stopped reconnecting (an error whose `recoverable` is false, such as NOAUTH), if it has. */
  readonly failure: Error | undefined;
  /** Relays heard from recently, this one included. */
  relays(): string[];
  /** Calls `listener` when a relay is first heard from ('up') and when it leaves or goes silent ('down'). */
  onRelay(listener: (id: string, state: 'up' | 'down') => void): () => void;
  /** Unlinks the relay: says goodbye to the others and closes both Redis connections. */
  close(): Promise<void>;
}

interface Envelope {
  r: string;
  b?: unknown;
  a?: boolean;
  up?: boolean;
}

/**
 * Links `relay` to every other relay on the same Redis (and prefix): Routed frames reach nodes on any of them,
 * broadcasts reach all of their peers. Resolves once subscribed; rejects with RedisError if Redis is unreachable.
 */
export async function bridgeRedis(relay: Relay, options: Readonly<Partial<RedisBridgeOptions>> = {}): Promise<RedisBridge> {
  const url = options.url ?? 'redis://127.0.0.1:6379';
  const prefix = options.prefix ?? 'swarmwire';
  const relayId = options.relayId ?? idHex(crypto.getRandomValues(new Uint8Array(8)));
  const heartbeatMs = options.heartbeatMs ?? 1_000;
  const deadAfterMs = options.deadAfterMs ?? 3 * heartbeatMs;
  const nodeChannel = (id: string): string => `${prefix}:node:${id}`;
  const BROADCAST = `${prefix}:broadcast`;
  const RELAYS = `${prefix}:relays`;

  const seen = new Map<string, number>([[relayId, Infinity]]);
  const listeners: Array<(id: string, state: 'up' | 'down') => void> = [];
  const tell = (id: string, state: 'up' | 'down'): void => {
    for (const l of listeners.slice()) l(id, state);
  };
  const nodes = new Set<string>();
  let closed = false;

  const onMessage = (channel: string, payload: Uint8Array): void => {
    let m: Envelope;
    try {
      m = unpack(payload) as Envelope;
    } catch {
      return; // not ours: another program on the same channel names
    }
    if (typeof m?.r !== 'string' || m.r === relayId) return;
    if (channel === RELAYS) {
      if (m.up === false) {
        if (seen.delete(m.r)) tell(m.r, 'down');
      } else {
        if (!seen.has(m.r)) tell(m.r, 'up');
        seen.set(m.r, Date.now());
      }
    } else if (channel === BROADCAST) {
      relay.deliverBroadcast(m.b as BroadcastBody, m.a === true);
    } else if (channel.startsWith(`${prefix}:node:`)) {
      relay.deliverRouted(m.b as RoutedOut, m.a === true);
    }
  };

  // Two connections: a subscribed one takes no other commands. Both are replaced together when either is lost.
  let pub: RespConnection | undefined;
  let sub: RespConnection | undefined;
  let subscribing: Promise<unknown> = Promise.resolve();
  const link = async (): Promise<void> => {
    const p = await RespConnection.connect(url);
    const s = await RespConnection.connect(url).catch((e: unknown) => (p.close(), Promise.reject(e)));
    try {
      s.onMessage = onMessage;
      await s.subscribe(BROADCAST, RELAYS, ...[...nodes].map(nodeChannel));
    } catch (e) {
      p.close();
      s.close();
      throw e;
    }
    [pub, sub] = [p, s];
    p.onClose = s.onClose = () => lost(p, s);
  };
  let failures = 0;
  let failure: Error | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const lost = (p: RespConnection, s: RespConnection): void => {
    if (pub !== p) return; // already handled for this pair
    pub = sub = undefined;
    p.close();
    s.close();
    if (debug.on) debug.log('redis lost', { url, relayId });
    if (!closed) again();
  };
  const again = (): void => {
    const delayMs = backoffDelay(failures, options.reconnect);
    retry = setTimeout(() => {
      link().then(
        () => {
          failures = 0;
          if (debug.on) debug.log('redis linked', { url, relayId });
          announce(true).catch(() => {});
        },
        (error: unknown) => {
          failures++;
          if (error instanceof RedisError && !error.recoverable) {
            failure = error;
            if (debug.on) debug.log('redis gave up', { url, relayId, attempt: failures, error });
            return;
          }
          if (debug.on) debug.log('redis retry', { url, relayId, attempt: failures, error });
          if (!closed) again();
        },
      );
    }, delayMs);
    (retry as { unref?: () => void }).unref?.();
  };

  const publish = (channel: string, message: Envelope): Promise<unknown> => {
    if (!pub) return Promise.reject(withVerdict(new RedisError('SW_ERR_REDIS', Status.ExecutionError, `not connected to Redis (${failure ? `gave up: ${failure.message}` : 'reconnecting'})`), !failure));
    return pub.command('PUBLISH', channel, pack(message));
  };
  const announce = async (up: boolean): Promise<void> => {
    await publish(RELAYS, { r: relayId, up });
    if (up) await pub?.command('SET', `${prefix}:relay:${relayId}`, String(Date.now()), 'PX', deadAfterMs);
    else await pub?.command('DEL', `${prefix}:relay:${relayId}`);
  };
  const heartbeat = setInterval(() => {
    if (closed) return;
    announce(true).catch(() => {}); // Redis gone: the others will see this relay fall silent
    const now = Date.now();
    for (const [id, at] of seen) {
      if (now - at > deadAfterMs) {
        seen.delete(id);
        tell(id, 'down');
      }
    }
  }, heartbeatMs);
  (heartbeat as { unref?: () => void }).unref?.();

  // Node channels follow the relay's peers; subscriptions queue behind each other on the one connection. (After
  // a reconnect, link() subscribes the whole set.)
  const follow = (id: string, present: boolean): void => {
    if (closed || nodes.has(id) === present) return;
    if (present) nodes.add(id);
    else nodes.delete(id);
    const s = sub;
    if (!s) return;
    subscribing = subscribing.then(() => (present ? s.subscribe(nodeChannel(id)) : s.unsubscribe(nodeChannel(id)))).catch(() => {});
  };

  const uplink: RelayUplink = {
    async route(body, ack) {
      const receivers = await publish(nodeChannel(idHex(body.to)), { r: relayId, b: body, a: ack });
      return typeof receivers === 'number' && receivers > 0;
    },
    broadcast(body, ack) {
      publish(BROADCAST, { r: relayId, b: body, a: ack }).catch(() => {}); // without Redis, this relay's peers only
    },
    joined: (id) => follow(id, true),
    left: (id) => follow(id, false),
  };

  await link();
  relay.uplink = uplink; // from here on, joins and leaves reach follow()
  for (const peer of relay.peers()) follow(peer.id, true);
  await subscribing;
  await announce(true);

  return {
    relayId,
    get connected() {
      return pub !== undefined;
    },
    get failure() {
      return failure;
    },
    relays: () => [...seen.keys()].sort(),
    onRelay(listener) {
      listeners.push(listener);
      return () => void listeners.splice(listeners.indexOf(listener) >>> 0, 1);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      clearTimeout(retry);
      if (relay.uplink === uplink) relay.uplink = undefined;
      await announce(false).catch(() => {});
      pub?.close();
      sub?.close();
    },
  };
}
