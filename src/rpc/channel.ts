// What RPC runs over: a Session (acked delivery, reconnects) or a bare Transport (one connection, no handshake),
// seen through one small interface. Anything else (a mesh route, a test double) can implement RpcLink itself.
import { Feature } from '../wire/constants.js';
import { type Frame, decodeFrames, encodeFrame } from '../wire/frame.js';
import { CloseCode, type CloseInfo, type Transport } from '../transport/transport.js';
import { Session, type SessionFrame } from '../session/session.js';
import type { Clock } from '../core/clock.js';

/** The connection RPC needs: frames out and in, readiness, and the link's lifecycle. */
export interface RpcLink {
  /** Sends a frame whose requestId is set (acked frames: one from nextId()). Throws when full or closed. */
  send(frame: Readonly<SessionFrame>): void;
  /** A fresh request id from the sending side's counter. */
  nextId(): number;
  /** True while frames go straight out (not queued for a connection). */
  readonly open: boolean;
  /** True when frames may ask for acked delivery (exactly once across reconnects). */
  readonly acked: boolean;
  /** Resolves when the link is open and has room; rejects if it closes first. */
  ready(): Promise<void>;
  onFrame(listener: (frame: Frame) => void): () => void;
  /** A new connection is up (after a reconnect, frames lost in flight on the old one must be asked for again). */
  onOpen(listener: () => void): () => void;
  /** The connection went away; a reconnect may follow. */
  onDisconnect(listener: () => void): () => void;
  /** The link is gone for good. */
  onClose(listener: (info: CloseInfo) => void): () => void;
  /** Where call deadlines read the time (a Session's `clock` option). Default: the real clock. */
  readonly clock?: Clock;
}

/** Whatever expose() and wrap() accept: a Session, a Transport, or an RpcLink. */
export type RpcChannel = Session | Transport | RpcLink;

/** @internal */
export function isRpcLink(channel: object): channel is RpcLink {
  return typeof (channel as RpcLink).onFrame === 'function' && typeof (channel as RpcLink).nextId === 'function';
}

const links = new WeakMap<object, RpcLink>();

/** The RpcLink of a channel, one per channel (so a bare transport's frames are decoded once for all users). @internal */
export function linkOf(channel: RpcChannel): RpcLink {
  if (isRpcLink(channel)) return channel;
  let link = links.get(channel);
  if (!link) {
    link = channel instanceof Session ? sessionLink(channel) : transportLink(channel);
    links.set(channel, link);
  }
  return link;
}

function sessionLink(session: Session): RpcLink {
  return {
    send: (frame) => void session.send(frame),
    nextId: () => session.nextRequestId(),
    get open() {
      return session.state === 'open';
    },
    get acked() {
      return ((session.peer?.negotiated.features ?? 0) & Feature.ACK_REQUIRED) !== 0;
    },
    ready: () => session.ready(),
    clock: session.clock,
    onFrame: (l) => session.on('frame', l),
    onOpen: (l) => session.on('open', () => l()),
    onDisconnect: (l) => session.on('disconnect', () => l()),
    onClose: (l) => {
      if (session.state === 'closed') {
        queueMicrotask(() => l({ code: CloseCode.Normal, reason: 'session closed' }));
        return () => {};
      }
      return session.on('close', l);
    },
  };
}

/** A bare transport: frames encoded and decoded here, no handshake, no acks, no reconnects. */
function transportLink(transport: Transport): RpcLink {
  let nextId = 1;
  const frameListeners: Array<(frame: Frame) => void> = [];
  transport.on('message', (bytes) => {
    let frames: Frame[];
    try {
      frames = decodeFrames(bytes);
    } catch (error) {
      transport.close(CloseCode.ProtocolError, (error as { code?: string }).code ?? 'bad frame');
      return;
    }
    for (const frame of frames) for (const l of frameListeners.slice()) l(frame);
  });
  return {
    send: (frame) => transport.send(encodeFrame(frame), frame.priority),
    nextId: () => nextId++,
    get open() {
      return transport.state === 'open';
    },
    acked: false,
    async ready() {
      if (transport.state === 'connecting') {
        await new Promise<void>((resolve, reject) => {
          const offOpen = transport.on('open', () => (offOpen(), offClose(), resolve()));
          const offClose = transport.on('close', (info) => (offOpen(), offClose(), reject(info.error ?? new Error(`transport closed (${info.code})`))));
        });
      }
      await transport.ready();
    },
    onFrame: (l) => {
      frameListeners.push(l);
      return () => {
        const at = frameListeners.indexOf(l);
        if (at >= 0) frameListeners.splice(at, 1);
      };
    },
    onOpen: (l) => transport.on('open', l),
    onDisconnect: () => () => {},
    onClose: (l) => {
      if (transport.state === 'closed') {
        queueMicrotask(() => l({ code: CloseCode.Normal, reason: 'transport closed' }));
        return () => {};
      }
      return transport.on('close', l);
    },
  };
}
