// Comlink over swarmwire: a channel presented as a Comlink Endpoint, so code written for Comlink
// (`Comlink.wrap(endpoint)`, `Comlink.expose(obj, endpoint)`) runs over sessions, rings and sockets unchanged.
// Each Comlink message is one Event frame (96) with module_id = fnv1a64("comlink:" + name) and a MessagePack
// payload. Comlink's own proxy() needs MessagePorts, which cannot cross a socket: use swarmwire's wrap/expose for
// callbacks and streams.
import { MessageType } from '../wire/constants.js';
import { fnv1a64 } from '../wire/fnv.js';
import { BODY_OMITTING_UNDEFINED, packShared, unpack } from '../wire/payload.js';
import { type RpcChannel, linkOf } from './channel.js';

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
 * `channel` (a Session, a Transport or an RpcLink) as a Comlink Endpoint. Messages that cannot be encoded throw
 * from postMessage; messages that do not decode are dropped. Options: name (default '').
 */
export function comlinkEndpoint(channel: RpcChannel, options: Readonly<Partial<ComlinkEndpointOptions>> = {}): ComlinkEndpoint {
  const link = linkOf(channel);
  const moduleId = fnv1a64(`comlink:${options.name ?? ''}`);
  const listeners = new Map<EventListenerOrEventListenerObject, () => void>();
  return {
    postMessage(message) {
      // undefined fields are left out, so Comlink's `{ type: 'RAW', value: undefined }` comes back with value undefined.
      link.send({ type: MessageType.Event, moduleId, payload: packShared(message, BODY_OMITTING_UNDEFINED).slice() });
    },
    addEventListener(type, listener) {
      if (type !== 'message' || listeners.has(listener)) return;
      listeners.set(listener, link.onFrame((frame) => {
        if (frame.type !== MessageType.Event || frame.moduleId !== moduleId) return;
        let data: unknown;
        try {
          data = unpack(frame.payload);
        } catch {
          return;
        }
        const event = { type: 'message', data } as unknown as MessageEvent;
        if (typeof listener === 'function') listener(event);
        else listener.handleEvent(event);
      }));
    },
    removeEventListener(type, listener) {
      if (type !== 'message') return;
      listeners.get(listener)?.();
      listeners.delete(listener);
    },
  };
}
