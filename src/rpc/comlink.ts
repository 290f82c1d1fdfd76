// Comlink over swarmwire: a channel presented as a Comlink Endpoint, so code written for Comlink
// (`Comlink.wrap(endpoint)`, `Comlink.expose(obj, endpoint)`) runs over sessions, rings and sockets unchanged —
// proxy(), classes, createEndpoint and released proxies included, since MessagePorts cross the endpoint
// (comlink-ports.ts). Each message is one Event frame, acked on a session (docs/protocol.md, "Comlink interop").
import { fnv1a64 } from '../wire/fnv.js';
import { type RpcChannel, linkOf } from './channel.js';
import { type ComlinkMessageEvent, comlinkPortsOf } from './comlink-ports.js';

export type { ComlinkMessageEvent } from './comlink-ports.js';

/** The shape Comlink's wrap() and expose() take (comlink's `Endpoint`). */
export interface ComlinkEndpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: object): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: object): void;
}

export interface ComlinkEndpointOptions {
  /** Separates several Comlink endpoints on one channel; both sides use the same name. Default: ''. */
  name: string;
}

/**
 * `channel` (a Session, a Transport or an RpcLink) as a Comlink Endpoint: what postMessage() sends arrives at the
 * other side's endpoint of the same name as a MessageEvent-like `{ type, data, ports }`.
 * - Values are carried as structured clone carries them (README, "Comlink over swarmwire"), and postMessage()
 *   throws RpcError SW_ERR_RPC_UNSERIALIZABLE, changing nothing, where structured clone would throw or where a value
 *   cannot leave the process (a SharedArrayBuffer, a Blob).
 * - MessagePorts in the message (and in the transfer list, as postMessage requires) cross: the other side receives
 *   a MessagePort whose messages travel over the same channel. ArrayBuffers in the transfer list are detached here.
 * - On a Session, messages are acked: each arrives once and in order across reconnects.
 * - Messages that arrive before the first listener wait for it (up to 1,024); messages that do not decode are
 *   dropped.
 * Endpoints with the same name on one channel share their messages and ports. Options: name (default '').
 */
export function comlinkEndpoint(channel: RpcChannel, options: Readonly<Partial<ComlinkEndpointOptions>> = {}): ComlinkEndpoint {
  const ports = comlinkPortsOf(linkOf(channel), fnv1a64(`comlink:${options.name ?? ''}`));
  const listeners = new Map<EventListenerOrEventListenerObject, (event: ComlinkMessageEvent) => void>();
  return {
    postMessage(message, transfer = []) {
      ports.post(message, transfer);
    },
    addEventListener(type, listener, options) {
      if (type !== 'message' || listeners.has(listener)) return;
      const once = (options as { once?: boolean } | undefined)?.once === true;
      const call = (event: ComlinkMessageEvent): void => {
        if (once) this.removeEventListener(type, listener);
        if (typeof listener === 'function') listener(event as unknown as MessageEvent);
        else listener.handleEvent(event as unknown as MessageEvent);
      };
      listeners.set(listener, call);
      ports.addListener(call);
    },
    removeEventListener(type, listener) {
      const call = type === 'message' ? listeners.get(listener) : undefined;
      if (!call) return;
      listeners.delete(listener);
      ports.removeListener(call);
    },
  };
}
