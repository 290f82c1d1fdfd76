// Run in Chromium by e2e/contact.e2e.test.ts: what a page learns when a connection fails (browsers hide the reason:
// the error must say so), how connectSession reports and ends a first connection that never succeeds, and the
// debug switch read from localStorage. Returns plain JSON.
import * as sw from 'swarmwire';

export interface Failure {
  code: string | undefined;
  message: string;
  recoverable: boolean | undefined;
  httpStatus: number | null;
  closeCode: number;
}

const plain = (info: sw.CloseInfo): Failure => ({
  code: info.error?.code, message: info.error?.message ?? '', recoverable: info.error?.recoverable,
  httpStatus: (info.error as sw.TransportError | undefined)?.httpStatus ?? null, closeCode: info.code,
});

/** How connectWebSocket(url) ends. */
export function webSocketFailure(url: string): Promise<Failure> {
  return new Promise((resolve) => sw.connectWebSocket(url).on('close', (info) => resolve(plain(info))));
}

/** How connectWebTransport(url) ends. */
export function webTransportFailure(url: string): Promise<Failure> {
  return new Promise((resolve) => sw.connectWebTransport(url).on('close', (info) => resolve(plain(info))));
}

/** connectSession to `url` with a short first-connect deadline: the retries it reported, and how it ended. */
export async function sessionFailure(url: string, firstConnectTimeoutMs: number): Promise<{ retries: Array<{ attempt: number; code: string; reconnecting: boolean }>; error: Failure['message']; code: string }> {
  const retries: Array<{ attempt: number; code: string; reconnecting: boolean }> = [];
  const error = await sw.connectSession(() => sw.connectWebSocket(url), {
    firstConnectTimeoutMs, reconnect: { initialDelayMs: 20, maxDelayMs: 100, maxAttempts: Infinity },
    onRetry: (r) => retries.push({ attempt: r.attempt, code: (r.error as sw.SwarmwireError).code, reconnecting: r.reconnecting }),
  }).then(() => undefined, (e: sw.SwarmwireError) => e);
  return { retries, error: error?.message ?? '', code: error?.code ?? '' };
}

/** The error classes' names as this page's copy of the package has them. */
export function errorNames(): Array<[string, string, string]> {
  return [sw.SwarmwireError, sw.WireError, sw.TransportError, sw.SessionError, sw.RpcError, sw.MeshError].map((C) => {
    const e = new C('SW_ERR_TEST', 1, 'x');
    return [C.name, e.name, e.constructor.name];
  });
}
