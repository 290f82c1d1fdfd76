// The Redis bridge's one door to Redis: node-redis (@redis/client), loaded on first use. It is an optional peer
// dependency: nothing imports it statically, so the browser and lite bundles never see it and a relay that is not
// bridged needs it not installed.
//
// Why node-redis and not ioredis: both speak AUTH with ACL users, TLS (`rediss://`), database numbers, Sentinel and
// Cluster; node-redis is the client Redis maintains and recommends for new projects (ioredis's own README says so,
// and maintains it "on a best-effort basis"), its core package has no dependencies, and it routes sharded pub/sub
// (SSUBSCRIBE/SPUBLISH) to the shard that owns each channel by itself, following slot moves — which ioredis does only
// behind an opt-in subscriber group. `@redis/client` is node-redis's core (the `redis` package adds the modules:
// search, JSON, …, which the bridge does not use).
//
// Three deployments, one small interface (RedisLink): a server (`url`), a master found through Sentinel, or a
// Cluster. Replies keep binary values as Buffers. Commands fail at once while the connection is down (no offline
// queue): the bridge decides what waits, how long, and in what order (src/relay/redis-outbox.ts).
import { createHash } from 'node:crypto';
import { type BackoffOptions, backoffDelay } from '../transport/backoff.js';
import { Status } from '../wire/constants.js';
import { named, SwarmwireError } from '../wire/errors.js';

/** Something went wrong with Redis: it cannot be reached, it refused, or it answered with an error. */
export class RedisError extends SwarmwireError {}
named(RedisError, 'RedisError');

/** Stable codes of RedisError. */
export const RedisErrorCode = {
  /** The optional peer dependency @redis/client is not installed. */
  CLIENT_MISSING: 'SW_ERR_REDIS_CLIENT_MISSING',
  /** Redis could not be reached at first (refused, wrong password, TLS refused, no master known) within the deadline. */
  CONNECT: 'SW_ERR_REDIS_CONNECT',
  /** Redis was unreachable for longer than a frame could be held (holdMs). */
  UNAVAILABLE: 'SW_ERR_REDIS_UNAVAILABLE',
  /** A bound was reached: frames held while Redis is away (maxHeld), or frames waiting in a node's stream (maxPending). */
  FULL: 'SW_ERR_REDIS_FULL',
  /** Redis answered a command with an error, or the connection failed. */
  COMMAND: 'SW_ERR_REDIS',
  /**
   * After connecting, Redis refused this relay's user: a password it now wants (NOAUTH), one it no longer takes
   * (WRONGPASS), a permission taken away (NOPERM). Every try would get the same answer: the bridge stops trying.
   */
  REFUSED: 'SW_ERR_REDIS_REFUSED',
} as const;
export type RedisErrorCode = (typeof RedisErrorCode)[keyof typeof RedisErrorCode];

const STATUS_OF: Record<RedisErrorCode, Status> = {
  SW_ERR_REDIS_CLIENT_MISSING: Status.ExecutionError,
  SW_ERR_REDIS_CONNECT: Status.ExecutionError,
  SW_ERR_REDIS_UNAVAILABLE: Status.Timeout,
  SW_ERR_REDIS_FULL: Status.BackpressureRejection,
  SW_ERR_REDIS: Status.ExecutionError,
  SW_ERR_REDIS_REFUSED: Status.Unauthorized,
};

/** @internal */
export function redisError(code: RedisErrorCode, message: string, cause?: unknown): RedisError {
  return new RedisError(code, STATUS_OF[code], message, cause === undefined ? undefined : { cause });
}

/** TLS settings for `rediss://` connections (Node's tls.connect options of the same names). */
export interface RedisTlsOptions {
  /** Certificates to trust, PEM (a private CA, or a self-signed server certificate). Default: Node's bundled CAs. */
  ca?: string | Uint8Array | ReadonlyArray<string | Uint8Array>;
  /** Client certificate, PEM, for servers that check clients (tls-auth-clients). Default: none. */
  cert?: string | Uint8Array;
  /** Its private key, PEM. Default: none. */
  key?: string | Uint8Array;
  /** Name the certificate must carry, when it is not the host connected to. Default: the host. */
  servername?: string;
  /** Refuse a certificate that does not verify. Default: true. */
  rejectUnauthorized?: boolean;
}

/** How to reach Redis. */
export interface RedisConnectOptions {
  /**
   * `redis://[user[:password]@]host[:port][/db]`, `rediss://…` for TLS. With `sentinel`, only its credentials,
   * database and scheme count (they are the master's); with `cluster`, it is ignored.
   */
  url: string;
  /** TLS settings for rediss:// (every node and sentinel reached over TLS). Default: {}. */
  tls?: Readonly<RedisTlsOptions>;
  /** Find the master through Redis Sentinel: its name there, and sentinels to ask (URLs, each with its own credentials). */
  sentinel?: Readonly<{ name: string; sentinels: readonly string[] }>;
  /** A Redis Cluster: a few of its nodes as URLs (credentials and scheme of the first apply to all). */
  cluster?: Readonly<{ nodes: readonly string[] }>;
  /** Deadline for the first connection, ms. Default: 5,000. */
  connectTimeoutMs?: number;
  /** Delays between reconnection attempts (maxAttempts is ignored: it keeps trying). Default: {}. */
  reconnect?: Partial<BackoffOptions>;
}

export type RedisArg = string | Uint8Array;

/** A Lua script, run with EVALSHA (EVAL when Redis does not know it yet). */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** What the bridge needs of Redis, whichever the deployment. */
export interface RedisLink {
  readonly mode: 'server' | 'sentinel' | 'cluster';
  /** Whether commands can be sent now (false while reconnecting). */
  readonly connected: boolean;
  /** A command; `key` routes it on a cluster (the first key, or the channel of SPUBLISH). Binary replies as Buffers. */
  command(args: readonly RedisArg[], key?: string): Promise<unknown>;
  /**
   * Runs a script with its keys (all in one hash slot) and arguments. When Redis does not know the script (a restart,
   * a failover, a new shard), it is run again with EVAL — unless `ordered`: ordered calls with the same first key run
   * in the order they were made (the script is loaded ahead of the first; see scriptRunner), and one answered
   * NOSCRIPT anyway fails as transient, for the caller to send again in its own order (src/relay/redis-outbox.ts).
   */
  run(script: LuaScript, keys: readonly string[], args: readonly RedisArg[], ordered?: boolean): Promise<unknown>;
  /** Subscribes `channel` (SSUBSCRIBE when `sharded`); listeners are kept across reconnects. */
  subscribe(channel: string, sharded: boolean, listener: (message: Buffer) => void): Promise<void>;
  unsubscribe(channel: string, sharded: boolean): Promise<void>;
  /** Calls `listener` when a connection came back after being lost (what was published meanwhile never arrives). */
  onReconnect(listener: () => void): void;
  /** Why the link gave up for good (RedisError REFUSED), if it has: its connections are closed, every call fails with it. */
  readonly failure: RedisError | undefined;
  /** Calls `listener` once, when the link gives up for good. */
  onFailure(listener: (error: RedisError) => void): void;
  close(): Promise<void>;
}

const isReply = (error: unknown): error is Error =>
  error instanceof Error && (error.constructor?.name === 'ErrorReply' || error.constructor?.name === 'SimpleError');

/**
 * A reply that is an error and says Redis cannot take commands right now (LOADING after a restart, a failover…), or
 * that an ordered script call must be sent again (NOSCRIPT: see RedisLink.run).
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof RedisError) return error.recoverable; // the link's own verdict (REFUSED: no)
  if (!(error instanceof Error)) return true;
  if (isReply(error)) return /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|MOVED|ASK|NOREPLICAS|BUSY|NOSCRIPT)\b/.test(error.message);
  return true; // the connection: closed, offline, timed out
}

/**
 * A reply that refuses this client's user — as a command's answer or as the reason a reconnection failed (node-redis
 * authenticates in its handshake) — and that the same user will get again on every try.
 */
export const isRefusal = (error: unknown): boolean => isReply(error) && /^(NOAUTH|WRONGPASS|NOPERM)\b/.test(error.message);

// The shape of @redis/client this file uses, so no type of it leaks into swarmwire's declarations.
type Listener = (message: Buffer, channel: Buffer) => void;
interface Emitter {
  on(event: string, listener: (...args: never[]) => void): unknown;
}
interface NodeRedisClient extends Emitter {
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  destroy(): void;
  close(): Promise<void>;
  duplicate(): NodeRedisClient;
  sendCommand(args: readonly RedisArg[]): Promise<unknown>;
  subscribe(channel: string, listener: Listener, buffers: true): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  sSubscribe(channel: string, listener: Listener, buffers: true): Promise<unknown>;
  sUnsubscribe(channel: string): Promise<unknown>;
}
interface NodeRedisCluster extends Omit<NodeRedisClient, 'sendCommand' | 'duplicate'> {
  sendCommand(key: string | undefined, readonly: boolean, args: readonly RedisArg[]): Promise<unknown>;
}
interface NodeRedisSentinel extends Omit<NodeRedisClient, 'sendCommand' | 'duplicate' | 'sSubscribe' | 'sUnsubscribe'> {
  sendCommand(readonly: boolean, args: readonly RedisArg[]): Promise<unknown>;
}
interface NodeRedis {
  createClient(options: object): NodeRedisClient;
  createCluster(options: object): NodeRedisCluster;
  createSentinel(options: object): NodeRedisSentinel;
  RESP_TYPES: { BLOB_STRING: number; SIMPLE_STRING: number };
}

let loaded: Promise<NodeRedis> | undefined;
/** Loads @redis/client once; rejects with CLIENT_MISSING when it is not installed. */
function nodeRedis(): Promise<NodeRedis> {
  loaded ??= import('@redis/client' as string).then(
    // CommonJS seen from ESM: the named exports, or (through some bundlers) only a default.
    (m: Partial<NodeRedis> & { default?: NodeRedis }) => (typeof m.createClient === 'function' ? (m as NodeRedis) : m.default!),
    (cause: unknown) => {
      loaded = undefined; // installed later, a next call finds it
      throw redisError(RedisErrorCode.CLIENT_MISSING, 'bridging relays through Redis needs the node-redis client: npm install @redis/client', cause);
    },
  );
  return loaded;
}

/** Connects to Redis as `options` say; rejects with RedisError (CLIENT_MISSING, CONNECT) within connectTimeoutMs. */
export async function connectRedis(options: Readonly<RedisConnectOptions>): Promise<RedisLink> {
  const redis = await nodeRedis();
  const timeoutMs = options.connectTimeoutMs ?? 5_000;
  // A refusal stops node-redis's reconnection loop (an Error instead of a delay); anything else is tried again.
  const reconnectStrategy = (retries: number, cause?: unknown): number | Error => refused(cause) ?? backoffDelay(retries, options.reconnect);
  // Replies as Buffers: frames are binary, and a string round trip would corrupt them.
  const commandOptions = { typeMapping: { [redis.RESP_TYPES.BLOB_STRING]: Buffer, [redis.RESP_TYPES.SIMPLE_STRING]: Buffer } };
  const tls = tlsOf(options.tls);
  const where = options.cluster ? `the Redis Cluster at ${options.cluster.nodes.map(safe).join(', ')}`
    : options.sentinel ? `the master "${options.sentinel.name}" through Sentinel at ${options.sentinel.sentinels.map(safe).join(', ')}`
    : safe(options.url);
  const reconnects: Array<() => void> = [];
  // A Redis that restarted, or a new master, has an empty script cache: ordered calls load their script again.
  const loads = new Set<string>();
  const reconnected = (): void => {
    loads.clear();
    for (const l of reconnects) l();
  };
  // The first refusal (see isRefusal) ends the link: retrying NOAUTH forever would only hide it.
  let failure: RedisError | undefined;
  const failed: Array<(error: RedisError) => void> = [];
  let shut = (): unknown => undefined;
  const refused = (error: unknown): RedisError | undefined => {
    if (failure || !isRefusal(error)) return failure;
    failure = redisError(RedisErrorCode.REFUSED, `${where} refused this relay: ${describe(error)} (not tried again: check the user, password and ACL permissions it connects with)`, error);
    setImmediate(() => void shut()); // not from inside node-redis's own reconnection step
    for (const l of failed.splice(0)) l(failure);
    return failure;
  };
  /** The link every deployment gets: calls fail at once after a refusal, and a refusal a call meets ends the link. */
  const watched = (base: Omit<RedisLink, 'failure' | 'onFailure'>): RedisLink => {
    shut = () => base.close();
    const guard = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => (...args: A): Promise<R> =>
      failure ? Promise.reject(failure) : call(...args).catch((error: unknown) => Promise.reject(refused(error) ?? error));
    return {
      mode: base.mode,
      get connected() {
        return failure === undefined && base.connected;
      },
      command: guard(base.command),
      run: guard(base.run),
      subscribe: guard(base.subscribe),
      unsubscribe: base.unsubscribe,
      onReconnect: base.onReconnect,
      get failure() {
        return failure;
      },
      onFailure: (l) => void (failure ? l(failure) : failed.push(l)),
      close: base.close,
    };
  };

  if (options.cluster) {
    const [first, ...more] = options.cluster.nodes.map((u) => nodeOptions(u, tls));
    if (!first) throw new TypeError('[swarmwire] cluster.nodes must name at least one node');
    const { username, password, socket } = first;
    const cluster = redis.createCluster({
      rootNodes: [first, ...more].map(({ socket: s }) => ({ socket: { host: s.host, port: s.port } })),
      defaults: { username, password, socket: { ...socket, host: undefined, port: undefined, reconnectStrategy }, disableOfflineQueue: true },
      commandOptions,
    });
    let ready = false;
    cluster.on('node-ready', () => ready && reconnected());
    await opened(cluster, timeoutMs, where);
    ready = true;
    return watched({
      mode: 'cluster',
      get connected() {
        return cluster.isReady;
      },
      command: (args, key) => cluster.sendCommand(key, false, buffers(args)),
      run: scriptRunner((key, a) => cluster.sendCommand(key, false, a), loads),
      subscribe: (channel, sharded, listener) => (sharded ? cluster.sSubscribe(channel, listener, true) : cluster.subscribe(channel, listener, true)).then(() => {}),
      unsubscribe: (channel, sharded) => (sharded ? cluster.sUnsubscribe(channel) : cluster.unsubscribe(channel)).then(() => {}),
      onReconnect: (l) => void reconnects.push(l),
      close: () => quietly(cluster),
    });
  }

  if (options.sentinel) {
    const master = nodeOptions(options.url, tls);
    const sentinels = options.sentinel.sentinels.map((u) => nodeOptions(u, tls));
    const first = sentinels[0];
    if (!first) throw new TypeError('[swarmwire] sentinel.sentinels must name at least one sentinel');
    const sentinel = redis.createSentinel({
      name: options.sentinel.name,
      sentinelRootNodes: sentinels.map(({ socket: s }) => ({ host: s.host, port: s.port })),
      nodeClientOptions: { ...master, socket: { ...master.socket, host: undefined, port: undefined, reconnectStrategy }, disableOfflineQueue: true },
      sentinelClientOptions: { username: first.username, password: first.password, socket: { ...first.socket, host: undefined, port: undefined, reconnectStrategy } },
      commandOptions,
    });
    let ready = false;
    sentinel.on('topology-change', () => ready && reconnected());
    await opened(sentinel, timeoutMs, where);
    ready = true;
    return watched({
      mode: 'sentinel',
      get connected() {
        return sentinel.isReady;
      },
      command: (args) => sentinel.sendCommand(false, buffers(args)),
      run: scriptRunner((_key, a) => sentinel.sendCommand(false, a), loads),
      // Sentinel's pub/sub follows the master; there is one shard, so sharded channels are plain ones.
      subscribe: (channel, _sharded, listener) => sentinel.subscribe(channel, listener, true).then(() => {}),
      unsubscribe: (channel) => sentinel.unsubscribe(channel).then(() => {}),
      onReconnect: (l) => void reconnects.push(l),
      close: () => quietly(sentinel),
    });
  }

  const server = nodeOptions(options.url, tls);
  const pub = redis.createClient({ ...server, socket: { ...server.socket, reconnectStrategy }, disableOfflineQueue: true, commandOptions });
  // Subscriptions on a connection of their own: a subscribed RESP2 connection takes no other command, and a burst of
  // messages must not queue behind commands (or the other way round).
  const sub = pub.duplicate();
  await opened(pub, timeoutMs, where);
  await opened(sub, timeoutMs, where).catch((e: unknown) => (pub.destroy(), Promise.reject(e)));
  let ready = true;
  for (const c of [pub, sub]) c.on('ready', () => ready && reconnected());
  return watched({
    mode: 'server',
    get connected() {
      return pub.isReady && sub.isReady;
    },
    command: (args) => pub.sendCommand(buffers(args)),
    run: scriptRunner((_key, a) => pub.sendCommand(a), loads),
    subscribe: (channel, sharded, listener) => (sharded ? sub.sSubscribe(channel, listener, true) : sub.subscribe(channel, listener, true)).then(() => {}),
    unsubscribe: (channel, sharded) => (sharded ? sub.sUnsubscribe(channel) : sub.unsubscribe(channel)).then(() => {}),
    onReconnect: (l) => void reconnects.push(l),
    close: async () => {
      ready = false;
      await Promise.all([quietly(pub), quietly(sub)]);
    },
  });
}

/**
 * RedisLink.run over `send` (which routes by the first key on a cluster): EVALSHA; on NOSCRIPT, EVAL once. An
 * ordered call never relies on the script cache being warm: the first one for each first key (a node, on one shard)
 * since the connection opened sends SCRIPT LOAD just ahead of its EVALSHA, on the same connection, so every call
 * behind it finds the script. Otherwise a burst of EVALSHAs could fail NOSCRIPT while another client loads the script
 * in between, and the later calls of the burst succeed before the earlier ones are sent again: acked frames would
 * enter a stream out of order. An ordered call answered NOSCRIPT all the same (SCRIPT FLUSH) fails, as transient,
 * and its next try loads the script first. `loads` holds the (script, first key) pairs loaded on this connection;
 * the link clears it on every reconnect.
 */
function scriptRunner(send: (key: string | undefined, args: RedisArg[]) => Promise<unknown>, loads: Set<string>): RedisLink['run'] {
  return async (script, keys, args, ordered = false) => {
    const rest = [String(keys.length), ...keys, ...buffers(args)];
    const loaded = `${script.sha} ${keys[0]}`;
    if (ordered && !loads.has(loaded)) {
      if (loads.size >= 100_000) loads.clear(); // a bound: forgetting costs one SCRIPT LOAD more per node
      loads.add(loaded);
      // Should it fail (LOADING after a restart), the EVALSHA behind it fails too, and the next call loads again.
      send(keys[0], ['SCRIPT', 'LOAD', script.source]).catch(() => void loads.delete(loaded));
    }
    try {
      return await send(keys[0], ['EVALSHA', script.sha, ...rest]);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      if (!ordered) return send(keys[0], ['EVAL', script.source, ...rest]);
      loads.delete(loaded);
      throw error;
    }
  };
}

/** node-redis takes strings and Buffers only: a Uint8Array becomes a Buffer over the same bytes (no copy). */
function buffers(args: readonly RedisArg[]): Array<string | Buffer> {
  return args.map((a) => (typeof a === 'string' || Buffer.isBuffer(a) ? a : Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
}

/** node-redis options of one node's URL: host, port, credentials, database, TLS. */
function nodeOptions(url: string, tls: object | undefined) {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`[swarmwire] not a Redis URL: ${safe(url)}`);
  }
  const secure = u.protocol === 'rediss:';
  if (!secure && u.protocol !== 'redis:') throw new TypeError(`[swarmwire] a Redis URL starts with redis:// or rediss://, not ${u.protocol}//`);
  const database = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  if (database !== undefined && !(Number.isInteger(database) && database >= 0)) throw new TypeError(`[swarmwire] the database in a Redis URL is a number: ${safe(url)}`);
  return {
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database,
    socket: {
      host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
      port: Number(u.port || 6379),
      noDelay: true,
      ...(secure ? { tls: true, ...tls } : {}),
    },
  };
}

function tlsOf(tls: Readonly<RedisTlsOptions> | undefined): object | undefined {
  if (!tls) return undefined;
  const buffer = (v: string | Uint8Array): string | Buffer => (typeof v === 'string' ? v : Buffer.from(v));
  return {
    ...(tls.ca === undefined ? {} : { ca: (Array.isArray(tls.ca) ? tls.ca : [tls.ca]).map(buffer) }),
    ...(tls.cert === undefined ? {} : { cert: buffer(tls.cert) }),
    ...(tls.key === undefined ? {} : { key: buffer(tls.key) }),
    ...(tls.servername === undefined ? {} : { servername: tls.servername }),
    ...(tls.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }),
  };
}

/** A URL without its password, for messages. */
function safe(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/**
 * Connects within `timeoutMs`. node-redis keeps retrying a first connection that fails (and says why in 'error'
 * events); past the deadline it is given up, with the last reason it gave.
 */
async function opened(client: Emitter & { connect(): Promise<unknown>; destroy(): void }, timeoutMs: number, where: string): Promise<void> {
  let last: Error | undefined;
  client.on('error', (e: Error) => void (last = e)); // also keeps node-redis's 'error' events from being unhandled
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(redisError(RedisErrorCode.CONNECT, `cannot connect to ${where} within ${timeoutMs} ms${last ? `: ${describe(last)}` : ''}`, last)), timeoutMs);
  });
  try {
    await Promise.race([client.connect(), deadline]);
  } catch (error) {
    client.destroy();
    if (error instanceof RedisError) throw error;
    throw redisError(RedisErrorCode.CONNECT, `cannot connect to ${where}: ${describe(error)}`, error);
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  const e = error as { message?: string; code?: string; errors?: unknown[] };
  if (e?.errors?.length) return describe(e.errors[0]); // an AggregateError (each address tried)
  return e?.message || e?.code || String(error);
}

/** Closes politely, or at once if that fails (the connection is already gone). */
async function quietly(client: { close(): Promise<void>; destroy(): void }): Promise<void> {
  try {
    await client.close();
  } catch {
    client.destroy(); // idempotent: also for a client whose reconnection was stopped
  }
}
