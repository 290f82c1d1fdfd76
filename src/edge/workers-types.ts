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
  put(key: string, value: unknown): Promise<void>;
  delete(keys: string | string[]): Promise<unknown>;
  list<T = unknown>(options: { prefix: string }): Promise<Map<string, T>>;
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTime: number): Promise<void>;
}

/** The Durable Object's `state` (or `ctx`) argument. */
export interface DurableObjectStateLike {
  readonly storage: DurableStorage;
  acceptWebSocket(socket: unknown, tags?: string[]): void;
  getWebSockets(tag?: string): HibernatableWebSocket[];
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
}
