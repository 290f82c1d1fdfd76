// The parts of the Cloudflare Workers runtime the Durable Object relay uses, typed here so swarmwire needs no
// @cloudflare/workers-types. Types only.

/** A server WebSocket accepted through the Hibernation API (`state.acceptWebSocket`). */
export interface HibernatableWebSocket {
  readonly readyState: number;
  send(data: ArrayBuffer | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  /** Keeps up to 2,048 bytes (structured clone) with the socket; it survives hibernation. */
  serializeAttachment(value: unknown): void;
  deserializeAttachment(): unknown;
}

/** Durable Object storage (transactional, strongly consistent, cached in memory). */
export interface DurableStorage {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Up to 128 keys: the values found. */
  get<T = unknown>(keys: string[]): Promise<Map<string, T>>;
  put(key: string, value: unknown): Promise<void>;
  /** Up to 128 entries, written atomically. */
  put(entries: Record<string, unknown>): Promise<void>;
  delete(keys: string | string[]): Promise<unknown>;
  list<T = unknown>(options: { prefix: string }): Promise<Map<string, T>>;
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTime: number): Promise<void>;
}

/** A Durable Object's id: `toString()` is its 64 hex digits, which `idFromString` takes back. */
export interface DurableObjectIdLike {
  toString(): string;
}

/** A stub of a Durable Object: requests to it reach its `fetch` handler. */
export interface DurableObjectStubLike {
  fetch(request: Request): Promise<Response>;
}

/** A Durable Object namespace binding (`env.X`): ids by name or by string, stubs by id. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): DurableObjectIdLike;
  idFromString(id: string): DurableObjectIdLike;
  get(id: DurableObjectIdLike): DurableObjectStubLike;
}

/** The Durable Object's `state` (or `ctx`) argument. */
export interface DurableObjectStateLike {
  /** The object's own id. */
  readonly id?: DurableObjectIdLike;
  readonly storage: DurableStorage;
  acceptWebSocket(socket: unknown, tags?: string[]): void;
  getWebSockets(tag?: string): HibernatableWebSocket[];
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
}
