// Several relays as one, through Redis. Every node has a stream and a channel (src/relay/redis-schema.ts):
//   - acked Routed frames go into the receiver's stream (redis-outbox.ts) — also for a receiver on this very relay,
//     which may move to another one before it reads them — and the sender gets its Ack only once the stream has the
//     frame. The relay the receiver is connected to hands the stream over in order and moves the receiver's cursor
//     past what the receiver acked (redis-inbox.ts). A relay killed at any point loses nothing: its senders send
//     again what it had not acked (a repeat that had entered the stream is dropped there), and the receiver's next
//     relay starts at the cursor (the receiver drops positions it has had). Redis keeps streams across a restart
//     when it persists (appendonly yes, appendfsync always: see README); meanwhile relays hold frames, bounded.
//   - best-effort Routed frames are one PUBLISH to the receiver's channel (SPUBLISH on a cluster: sharded pub/sub,
//     so each shard carries only its own nodes' traffic); PUBLISH answers how many relays took it, so "no such node
//     anywhere" needs no directory. Broadcasts go to one channel every relay subscribes to (global PUBLISH).
//   - presence: every relay publishes a heartbeat and refreshes a key with a TTL; one silent for longer than
//     `deadAfterMs` is reported down. A node is reachable for acked frames while its relay renews its lease, and for
//     `graceMs` after that relay died: long enough to reconnect elsewhere and find its frames waiting.
//   - an answer every try would get (NOAUTH, WRONGPASS, NOPERM: RedisError REFUSED, not recoverable) stops every
//     retry — node-redis's reconnections, the outbox, the readers, heartbeats — and is told once (onError, failure):
//     the relay serves its own peers alone from then on, and frames for anywhere else are answered with it.
import { pack, unpack } from '../wire/payload.js';
import { type BackoffOptions, backoffDelay } from '../transport/backoff.js';
import type { BroadcastBody, Relay, RelayUplink, RoutedOut } from './relay.js';
import { idHex } from '../wire/node-id.js';
import { connectRedis, type RedisError, type RedisLink, type RedisConnectOptions, redisError, RedisErrorCode } from './redis-client.js';
import { AHEAD, channelOf, COMMIT, ENQUEUE, isNotice, keysOf, NO_NODE, readNotice, RELEASE, seqOf, STREAM_FULL } from './redis-schema.js';
import { isRouted, readRouted, relayIdBytes, writeRouted } from './redis-message.js';
import { ABSENT, AGAIN, Outbox } from './redis-outbox.js';
import { NodeInbox } from './redis-inbox.js';

export interface RedisBridgeOptions extends Omit<RedisConnectOptions, 'reconnect'> {
  /** Where Redis listens (see RedisConnectOptions for Sentinel and Cluster). Default: 'redis://127.0.0.1:6379'. */
  url: string;
  /** Prefix of every channel and key, so several swarms can share one Redis. Default: 'swarmwire'. */
  prefix: string;
  /** This relay's id among the bridged relays, at most 255 bytes of UTF-8 (TypeError). Default: 16 random hex digits. */
  relayId: string;
  /** How often this relay announces itself, ms. Default: 1,000. */
  heartbeatMs: number;
  /** A relay not heard from for this long is reported down, ms. Default: 3 × heartbeatMs. */
  deadAfterMs: number;
  /** Delays between attempts to reach Redis again after losing it (maxAttempts is ignored: it keeps trying). Default: {}. */
  reconnect: Partial<BackoffOptions>;
  /**
   * How long an acked frame is held while Redis cannot take it (lost, restarting, failing over), ms; then its sender
   * gets an Error (SW_ERR_REDIS_UNAVAILABLE, Timeout). Default: 10,000.
   */
  holdMs: number;
  /** Acked frames held at most while Redis cannot take them; beyond, senders get SW_ERR_REDIS_FULL at once. Default: 10,000. */
  maxHeld: number;
  /** Bytes of acked frames held at most. Default: 64 MiB. */
  maxHeldBytes: number;
  /** Frames waiting in one node's stream at most (a node away, or slow); beyond, senders get SW_ERR_REDIS_FULL. Default: 100,000. */
  maxPending: number;
  /**
   * Bytes of the frames waiting in one node's stream at most: anyone can send acked frames to any node, and without
   * it 100,000 frames of 1 MiB would all wait in Redis for a node that is away. Beyond, SW_ERR_REDIS_FULL.
   * Default: 64 MiB.
   */
  maxPendingBytes: number;
  /**
   * How long a node stays reachable for acked frames after its relay stopped renewing its lease (the relay died),
   * ms: frames wait in its stream for it to reconnect anywhere. A sender's repeats are recognised for twice that.
   * Default: 30,000 (a relay's resume window).
   */
  graceMs: number;
  /** A node's stream and cursor are dropped after this long without a frame or an Ack, ms. Default: 600,000. */
  retainMs: number;
  /**
   * How long an acked frame for a node connected to no relay (its lease gone: it left its relay and has not reached
   * the next one yet, or its relay died more than graceMs ago) is held for it, ms: the sender's Ack waits, and the
   * frame enters the node's stream as soon as the node is served anywhere; then its sender gets an Error
   * (ModuleNotFound, "no node"). Counts towards maxHeld and maxHeldBytes. 0: answered at once. Default: 10,000.
   */
  awayMs: number;
}

export interface RedisBridge {
  readonly relayId: string;
  /** Whether the bridge is connected to Redis (false while it reconnects). */
  readonly connected: boolean;
  /** Acked frames this relay holds because Redis cannot take them yet, or their node is connected to no relay. */
  readonly held: number;
  /**
   * Why the bridge gave up (RedisError SW_ERR_REDIS_REFUSED, Unauthorized, `recoverable` false: Redis refused this
   * relay's user after it connected — NOAUTH, WRONGPASS, NOPERM), if it has. The relay then serves its own peers
   * alone; frames for other relays are answered with this error. Undefined while the bridge works or retries.
   */
  readonly failure: RedisError | undefined;
  /** Calls `listener` once, when the bridge gives up (see `failure`); at once if it has already. */
  onError(listener: (error: RedisError) => void): () => void;
  /** Relays heard from recently, this one included. */
  relays(): string[];
  /** Calls `listener` when a relay is first heard from ('up') and when it leaves or goes silent ('down'). */
  onRelay(listener: (id: string, state: 'up' | 'down') => void): () => void;
  /**
   * Unlinks the relay: says goodbye to the others and closes its Redis connections. Frames still held get their
   * Error; frames in streams stay for their nodes (whose leases run out after graceMs).
   */
  close(): Promise<void>;
}

/** A broadcast or a heartbeat on a channel (and a best-effort frame from relays before redis-message.ts): MessagePack. */
interface Envelope {
  r: string;
  b?: unknown;
  a?: boolean;
  up?: boolean;
}

/** Entries read from a stream per XRANGE. */
const CREDIT = 256;

/**
 * Links `relay` to every other relay on the same Redis (and prefix): Routed frames reach nodes on any of them,
 * broadcasts reach all of their peers. Resolves once subscribed; rejects with RedisError if Redis is unreachable
 * (SW_ERR_REDIS_CONNECT) or @redis/client is not installed (SW_ERR_REDIS_CLIENT_MISSING).
 */
export async function bridgeRedis(relay: Relay, options: Readonly<Partial<RedisBridgeOptions>> = {}): Promise<RedisBridge> {
  const prefix = options.prefix ?? 'swarmwire';
  const relayId = options.relayId ?? idHex(crypto.getRandomValues(new Uint8Array(8)));
  const heartbeatMs = options.heartbeatMs ?? 1_000;
  const deadAfterMs = options.deadAfterMs ?? 3 * heartbeatMs;
  const graceMs = options.graceMs ?? 30_000;
  const retainMs = String(options.retainMs ?? 600_000);
  const maxPending = String(options.maxPending ?? 100_000);
  const maxPendingBytes = String(options.maxPendingBytes ?? 64 * 1024 * 1024);
  const self = relayIdBytes(relayId); // before connecting: an id too long is the caller's TypeError
  const BROADCAST = `${prefix}:broadcast`;
  const RELAYS = `${prefix}:relays`;

  const link: RedisLink = await connectRedis({ ...options, url: options.url ?? 'redis://127.0.0.1:6379' });
  // On a cluster, a node's channel is sharded (SPUBLISH/SSUBSCRIBE): it lives on the shard of its hash slot, with
  // the node's stream, instead of being copied to every shard as PUBLISH is.
  const sharded = link.mode === 'cluster';
  const PUBLISH = sharded ? 'SPUBLISH' : 'PUBLISH';
  const outbox = new Outbox({
    holdMs: options.holdMs, maxHeld: options.maxHeld, maxHeldBytes: options.maxHeldBytes, reconnect: options.reconnect, awayMs: options.awayMs,
  });

  const seen = new Map<string, number>([[relayId, Infinity]]);
  const listeners: Array<(id: string, state: 'up' | 'down') => void> = [];
  const tell = (id: string, state: 'up' | 'down'): void => {
    for (const l of listeners.slice()) l(id, state);
  };
  /** The nodes this relay serves, each with its stream's reader. */
  const inboxes = new Map<string, NodeInbox>();
  let closed = false;
  /** Set once Redis refused this relay for good (link.onFailure below): nothing is tried again. */
  let failure: RedisError | undefined;
  const errorListeners: Array<(error: RedisError) => void> = [];

  const envelope = (payload: Uint8Array): Envelope | undefined => {
    try {
      const m = unpack(payload) as Envelope;
      return typeof m?.r === 'string' && m.r !== relayId ? m : undefined;
    } catch {
      return undefined; // not ours: another program on the same channel names
    }
  };
  const onRelays = (payload: Buffer): void => {
    const m = envelope(payload);
    if (!m) return;
    if (m.up === false) {
      if (seen.delete(m.r)) tell(m.r, 'down');
    } else {
      if (!seen.has(m.r)) tell(m.r, 'up');
      seen.set(m.r, Date.now());
    }
  };
  const onBroadcast = (payload: Buffer): void => {
    const m = envelope(payload);
    if (m) relay.deliverBroadcast(m.b as BroadcastBody, m.a === true);
  };

  const notConnected = () => redisError(RedisErrorCode.COMMAND, 'not connected to Redis (reconnecting)');
  const command = (args: Array<string | Uint8Array>, key?: string): Promise<unknown> =>
    failure ? Promise.reject(failure) : link.connected ? link.command(args, key) : Promise.reject(notConnected());
  const announce = async (up: boolean): Promise<void> => {
    await command(['PUBLISH', RELAYS, pack({ r: relayId, up })]);
    if (up) await command(['SET', `${prefix}:relay:${relayId}`, String(Date.now()), 'PX', String(deadAfterMs)], `${prefix}:relay:${relayId}`);
    else await command(['DEL', `${prefix}:relay:${relayId}`], `${prefix}:relay:${relayId}`);
  };

  /** The reader of node `id`'s stream: Redis on one side, the relay's session with the node on the other. */
  const inboxOf = (id: string): NodeInbox => {
    const k = keysOf(prefix, id);
    return new NodeInbox({
      cursor: async () => Number(String((await link.command(['GET', k.cursor], k.cursor)) ?? '0')),
      read: async (after, count) => {
        const entries = (await link.command(['XRANGE', k.stream, after > 0 ? `(${after}-0` : '-', '+', 'COUNT', String(count)], k.stream)) as Array<[Buffer, Buffer[]]>;
        return entries.map(([entryId, fields]) => {
          const at = fields.findIndex((f, i) => i % 2 === 0 && String(f) === 'e');
          return [seqOf(entryId), at < 0 ? new Uint8Array(0) : fields[at + 1]!];
        });
      },
      commit: async (seq) => void (await link.run(COMMIT, [k.cursor, k.stream, k.bytes], [String(seq), retainMs])),
      deliver: (seq, entry, acked) => {
        let body: RoutedOut;
        try {
          body = unpack(entry) as RoutedOut;
          if (!(body?.to instanceof Uint8Array) || idHex(body.to) !== id || !(body.frame instanceof Uint8Array)) throw new TypeError('not an envelope');
        } catch {
          queueMicrotask(acked); // not a frame (another program wrote it): step over it
          return true;
        }
        return relay.deliverRouted({ to: body.to, from: body.from, ttl: body.ttl, hops: body.hops, frame: body.frame, seq }, true, acked);
      },
    }, { credit: CREDIT, reconnect: options.reconnect });
  };

  const renewLease = (id: string): Promise<unknown> => {
    const lease = keysOf(prefix, id).lease;
    return command(['SET', lease, relayId, 'PX', String(graceMs)], lease);
  };
  /** Whether node `id` is connected to this relay now (a peer joined without the relay's host: while it is joined). */
  const connectedHere = (id: string): boolean => {
    const session = relay.host.sessions.get(id);
    return session ? session.state === 'open' : relay.router.direct.has(id);
  };
  /** Per node served here: a lease write being retried, and the end of its session's 'open' listener. */
  const claims = new Map<string, { retry?: ReturnType<typeof setTimeout>; off: () => void }>();
  /**
   * Writes node `id`'s lease now — it joined, it resumed its session here, Redis is back — and again until it holds.
   * Not left to the next renewal (graceMs / 3): meanwhile the lease may name a relay the node left, which deletes it
   * when the node's session there ends, or Redis may have lost it (restarted, or written while it was down or
   * loading); either way the node, connected here, is "no node" to acked frames from every other relay.
   */
  const claim = (id: string, attempt = 0): void => {
    const at = claims.get(id);
    if (!at || closed || failure || !connectedHere(id)) return;
    clearTimeout(at.retry);
    at.retry = undefined;
    renewLease(id).catch(() => {
      if (claims.get(id) !== at || closed || failure) return;
      clearTimeout(at.retry); // one retry at a time, however many writes failed
      at.retry = setTimeout(() => claim(id, attempt + 1), backoffDelay(attempt, options.reconnect));
      (at.retry as { unref?: () => void }).unref?.();
    });
  };
  const unclaimAll = (): void => {
    for (const at of claims.values()) (clearTimeout(at.retry), at.off());
    claims.clear();
  };
  /** Starts serving node `id`: its channel, its lease, its stream. */
  const serve = (id: string): void => {
    if (closed || failure) return;
    outbox.wake(id); // frames held for it while it was connected nowhere: they enter its stream now
    if (inboxes.has(id)) return claim(id);
    const inbox = inboxOf(id);
    inboxes.set(id, inbox);
    // A session resumed here (the node comes back from another relay, or after a dropped connection) is no join.
    const session = relay.host.sessions.get(id);
    claims.set(id, { off: session ? session.on('open', () => (claim(id), inbox.kick())) : () => {} });
    const listener = (message: Buffer): void => {
      if (isRouted(message)) {
        const body = readRouted(message, self);
        if (body) relay.deliverRouted(body, false);
        return;
      }
      if (isNotice(message)) {
        const notice = readNotice(message);
        if (notice) inboxes.get(id)?.notice(notice.seq, notice.entry);
        return;
      }
      const m = envelope(message);
      if (m) relay.deliverRouted(m.b as RoutedOut, m.a === true);
    };
    // Once subscribed, node-redis subscribes again after a reconnect; a SUBSCRIBE refused because Redis is away
    // (no offline queue) is not kept, so it is tried again here until it holds — the stream is read meanwhile.
    let attempt = 0;
    const subscribe = (): void => {
      link.subscribe(keysOf(prefix, id).channel, sharded, listener).then(
        () => attempt > 0 && inbox.kick(), // notices sent before it held never arrived
        () => {
          if (closed || failure || inboxes.get(id) !== inbox) return;
          const retry = setTimeout(subscribe, backoffDelay(attempt++, options.reconnect));
          (retry as { unref?: () => void }).unref?.();
        },
      );
    };
    subscribe();
    claim(id);
    inbox.start();
  };
  const unserve = (id: string): void => {
    const inbox = inboxes.get(id);
    if (!inbox) return;
    inbox.stop();
    inboxes.delete(id);
    const at = claims.get(id);
    claims.delete(id);
    clearTimeout(at?.retry);
    at?.off();
    if (closed) return;
    const k = keysOf(prefix, id);
    link.unsubscribe(k.channel, sharded).catch(() => {});
    link.run(RELEASE, [k.lease], [relayId]).catch(() => {}); // else it runs out after graceMs
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
  // Leases are renewed three times per graceMs, each renewal tried until it holds: Redis restarting again and again
  // (each time down, then loading its data) must not make a node connected here look gone. Only for nodes
  // connected here now: a node that left for another relay (its session here waits to be resumed) must not take
  // its lease back from there, to delete it when that session ends.
  // Each inbox also reads its stream then: a notice that never came (lost with a connection) delays a frame by at
  // most this long, never for good.
  const leases = setInterval(() => {
    if (closed) return;
    for (const [id, inbox] of inboxes) {
      claim(id);
      inbox.kick();
    }
  }, Math.max(10, graceMs / 3));
  (leases as { unref?: () => void }).unref?.();

  link.onReconnect(() => {
    if (closed) return;
    outbox.kick();
    for (const [id, inbox] of inboxes) {
      claim(id); // a Redis that restarted may not have it; one that is still loading its data refuses it: until it holds
      inbox.kick(); // notices published while the connection was down never arrive
    }
    announce(true).catch(() => {});
  });

  const taken = (receivers: unknown): boolean => typeof receivers === 'number' && receivers > 0;
  /** An acked frame: into the receiver's stream, in its origin's order (redis-outbox.ts); its sender's Ack once there. */
  const routeAcked = async (body: RoutedOut, origin: number | undefined, session: number | undefined): Promise<boolean> => {
    const to = idHex(body.to);
    const k = keysOf(prefix, to);
    const entry = pack({ to: body.to, from: body.from, ttl: body.ttl, hops: body.hops, frame: body.frame });
    // The origin's request ids are its session's: a new session (tag) of the same node counts from 1 again.
    const from = session === undefined ? idHex(body.from) : `${idHex(body.from)}.${session}`;
    const originKey = k.origin(from);
    // One chain per (receiver, origin session): its frames enter the stream in the order it sent them (ENQUEUE).
    // A node connected nowhere (NO_NODE) has its frames parked, for awayMs at most, until it is served anywhere.
    const reply = await outbox.push(
      async (ahead) => {
        // Asked at each attempt: a frame parked for a node that joined here since needs no lease written first.
        const own = relay.router.direct.has(to) ? '1' : '';
        const r = await link.run(ENQUEUE, [k.stream, k.seq, k.lease, originKey, k.bytes], [
          entry, origin === undefined ? '' : String(origin), maxPending, retainMs, k.channel, PUBLISH, own, String(2 * graceMs), ahead === undefined ? '' : String(ahead),
          maxPendingBytes,
        ], true);
        return r === AHEAD ? AGAIN : r === NO_NODE ? ABSENT : r;
      },
      entry.length,
      origin === undefined ? undefined : { chain: `${to} ${from}`, id: origin },
      to,
    );
    if (reply === ABSENT) return false; // connected nowhere for awayMs: the relay answers no node
    if (reply === STREAM_FULL) throw redisError(RedisErrorCode.FULL, `node ${to} has ${maxPending} frames or ${maxPendingBytes} bytes waiting in its stream (maxPending, maxPendingBytes)`);
    return true; // its seq, or a repeat that is there already
  };

  const uplink: RelayUplink = {
    // Once the bridge gave up, acked frames for this relay's own peers are delivered here, as on a relay alone.
    get durable() {
      return failure === undefined;
    },
    get failed() {
      return failure !== undefined;
    },
    get state() {
      return bridge;
    },
    route(body, ack, origin, session) {
      if (ack) return routeAcked(body, origin, session);
      // The hot path of the bridge: no await, no map encoded; PUBLISH answers how many relays took it.
      const channel = channelOf(prefix, idHex(body.to));
      let message: Buffer;
      try {
        message = writeRouted(self, body);
      } catch (error) {
        return Promise.reject(error);
      }
      return command([PUBLISH, channel, message], channel).then(taken);
    },
    broadcast(body, ack) {
      command(['PUBLISH', BROADCAST, pack({ r: relayId, b: body, a: ack })]).catch(() => {}); // without Redis, this relay's peers only
    },
    joined: (id) => serve(id),
    left: (id) => unserve(id),
  };

  try {
    await link.subscribe(RELAYS, false, onRelays);
    await link.subscribe(BROADCAST, false, onBroadcast);
  } catch (error) {
    clearInterval(heartbeat);
    clearInterval(leases);
    await link.close();
    throw redisError(RedisErrorCode.CONNECT, `cannot subscribe: ${(error as Error).message}`, error);
  }
  link.onFailure((error) => {
    if (closed || failure) return;
    failure = error;
    clearInterval(heartbeat);
    clearInterval(leases);
    outbox.close(error); // held frames are answered with why (their senders' Acks were waiting on them)
    for (const inbox of inboxes.values()) inbox.stop();
    inboxes.clear();
    unclaimAll();
    for (const l of errorListeners.slice()) l(error);
  });
  const bridge: RedisBridge = {
    relayId,
    get connected() {
      return link.connected;
    },
    get held() {
      return outbox.held;
    },
    get failure() {
      return failure;
    },
    onError(listener) {
      if (failure) {
        listener(failure);
        return () => {};
      }
      errorListeners.push(listener);
      return () => void errorListeners.splice(errorListeners.indexOf(listener) >>> 0, 1);
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
      clearInterval(leases);
      if (relay.uplink === uplink) relay.uplink = undefined;
      outbox.close();
      for (const inbox of inboxes.values()) inbox.stop();
      inboxes.clear();
      unclaimAll();
      await announce(false).catch(() => {});
      await link.close();
    },
  };
  // Linked only now that `bridge` exists: a /metrics scrape reads relay.uplink.state from this moment on.
  relay.uplink = uplink; // from here on, joins and leaves reach serve()
  for (const peer of relay.peers()) serve(peer.id);
  await announce(true).catch(() => {});
  return bridge;
}
