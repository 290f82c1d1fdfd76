// Types for harness/raw-http.mjs (HTTP spoken on a bare TCP socket).
export interface RawAnswer {
  statuses: number[];
  ended: boolean;
  bytes: number;
  body: string;
}
export function rawRequest(url: string, bytes: string | Uint8Array, options?: { timeoutMs?: number; localAddress?: string }): Promise<RawAnswer>;
export function trickleRequest(url: string, text: string, options?: { everyMs?: number; giveUpMs?: number; localAddress?: string }): Promise<number>;
