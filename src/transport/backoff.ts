// Reconnect timing: exponential backoff with full jitter (delay = random(0, min(max, initial · factor^attempt))),
// which spreads a crowd of clients that lost the same server instead of having them return in waves.
// Transports never reconnect themselves; the session layer calls `reconnecting` with a factory.
import { SwarmwireError } from '../wire/errors.js';
import { transportError, TransportErrorCode } from './transport.js';
import type { Transport } from './transport.js';

export interface BackoffOptions {
  /** Delay cap for the first retry. Default 100 ms. */
  initialDelayMs: number;
  /** Largest delay cap. Default 30 000 ms. */
  maxDelayMs: number;
  /** Growth of the cap per attempt. Default 2. */
  factor: number;
  /** 'full': uniform in [0, cap); 'none': the cap itself. Default 'full'. */
  jitter: 'full' | 'none';
  /** Attempts in all, the first included. Default Infinity. */
  maxAttempts: number;
  /** Source of uniform numbers in [0, 1); seededRandom(seed) for repeatable runs. Default Math.random. */
  random: () => number;
}

/** The delay before retry number `attempt` + 1, where attempt 0 is the first (failed) try. */
export function backoffDelay(attempt: number, options: Readonly<Partial<BackoffOptions>> = {}): number {
  const initial = options.initialDelayMs ?? 100;
  const max = options.maxDelayMs ?? 30_000;
  const cap = Math.min(max, initial * (options.factor ?? 2) ** attempt);
  return (options.jitter ?? 'full') === 'full' ? (options.random ?? Math.random)() * cap : cap;
}

/** A repeatable uniform generator in [0, 1) (mulberry32), for tests and simulations. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ReconnectOptions extends BackoffOptions {
  /** Stops trying: the promise rejects with CLOSED and the transport being tried is closed. Default none. */
  signal: AbortSignal;
}

/**
 * Calls `factory` until one of its transports opens, waiting backoffDelay(attempt) between tries, and resolves
 * with the open transport. Each transport's own connect deadline bounds each try. Rejects with CONNECT_FAILED
 * (cause: the last failure) after maxAttempts, at once with a failure that is not recoverable (an HTTP 404 for a
 * WebSocket upgrade, a malformed URL: trying again would meet the same answer), or with CLOSED when `signal` aborts.
 */
export async function reconnecting(
  factory: (attempt: number) => Transport,
  options: Readonly<Partial<ReconnectOptions>> = {},
): Promise<Transport> {
  const maxAttempts = options.maxAttempts ?? Infinity;
  const signal = options.signal;
  let lastError: unknown;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (attempt > 0) await sleep(backoffDelay(attempt - 1, options), signal);
    if (signal?.aborted) throw aborted(signal);
    const transport = factory(attempt);
    try {
      await opened(transport, signal);
      return transport;
    } catch (e) {
      transport.close();
      if (signal?.aborted) throw aborted(signal);
      if (e instanceof SwarmwireError && !e.recoverable) throw e;
      lastError = e;
    }
  }
  throw transportError(TransportErrorCode.CONNECT_FAILED, `gave up after ${maxAttempts} attempts`, lastError);
}

function aborted(signal: AbortSignal) {
  return transportError(TransportErrorCode.CLOSED, 'reconnecting aborted', signal.reason);
}

/** Resolves when `transport` is open; rejects with its close error if it closes first (or aborts). */
function opened(transport: Transport, signal: AbortSignal | undefined): Promise<void> {
  if (transport.state === 'open') return Promise.resolve();
  // ready() of a closed transport rejects with its close error.
  if (transport.state === 'closed') return transport.ready().then(() => { throw transportError(TransportErrorCode.CLOSED, 'transport closed'); });
  if (signal?.aborted) return Promise.reject(aborted(signal));
  return new Promise<void>((resolve, reject) => {
    const offs = [
      transport.on('open', () => done()),
      transport.on('close', (info) => done(info.error ?? transportError(TransportErrorCode.CLOSED, `transport closed before it opened (${info.code})`))),
    ];
    const onAbort = () => done(aborted(signal!));
    signal?.addEventListener('abort', onAbort);
    function done(error?: unknown) {
      for (const off of offs) off();
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    }
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(finish, ms);
    signal?.addEventListener('abort', finish);
    function finish() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      resolve();
    }
  });
}
