// The RPC layer's view of one peer node: an RpcLink whose frames travel by node id through a MeshNode (direct, or
// routed through relays), so expose() and wrap() work between any two nodes of the mesh.
import { MessageType } from '../wire/constants.js';
import type { Frame } from '../wire/frame.js';
import type { CloseInfo } from '../transport/transport.js';
import type { RpcLink } from '../rpc/channel.js';
import type { SessionFrame } from '../session/session.js';
import type { Clock } from '../core/clock.js';

/** True for the frame types the RPC layer exchanges; a node hands these to the link of the peer they came from. */
export function isRpcType(type: number): boolean {
  switch (type) {
    case MessageType.Request:
    case MessageType.Response:
    case MessageType.Error:
    case MessageType.StreamHandle:
    case MessageType.Cancel:
    case MessageType.StreamData:
    case MessageType.StreamEnd:
    case MessageType.StreamCancel:
    case MessageType.StreamCredit:
      return true;
    default:
      return false;
  }
}

/** What a PeerLink needs from its node. @internal */
export interface LinkHost {
  send(to: string, frame: Readonly<SessionFrame>): number;
  nextRequestId(): number;
  reachable(peer: string): boolean;
  whenReachable(peer: string): Promise<void>;
  /** The node's clock, for the deadlines of calls over its links. */
  readonly clock: Clock;
}

type Listeners = { frame: Array<(f: Frame) => void>; open: Array<() => void>; disconnect: Array<() => void>; close: Array<(i: CloseInfo) => void> };

const add = <T>(list: T[], l: T): (() => void) => {
  list.push(l);
  return () => {
    const at = list.indexOf(l);
    if (at >= 0) list.splice(at, 1);
  };
};

/** One peer, as an RpcLink. Made by MeshNode.link(); the node feeds it. */
export class PeerLink implements RpcLink {
  readonly peer: string;
  readonly acked = true;
  readonly #host: LinkHost;
  readonly #on: Listeners = { frame: [], open: [], disconnect: [], close: [] };

  /** Made by MeshNode.link() (its LinkHost is internal, so the declarations leave the constructor out). @internal */
  constructor(host: LinkHost, peer: string) {
    this.#host = host;
    this.peer = peer;
  }

  get clock(): Clock {
    return this.#host.clock;
  }

  get open(): boolean {
    return this.#host.reachable(this.peer);
  }

  send(frame: Readonly<SessionFrame>): void {
    this.#host.send(this.peer, frame);
  }

  nextId(): number {
    return this.#host.nextRequestId();
  }

  ready(): Promise<void> {
    return this.#host.whenReachable(this.peer);
  }

  onFrame(l: (frame: Frame) => void): () => void {
    return add(this.#on.frame, l);
  }

  onOpen(l: () => void): () => void {
    return add(this.#on.open, l);
  }

  onDisconnect(l: () => void): () => void {
    return add(this.#on.disconnect, l);
  }

  onClose(l: (info: CloseInfo) => void): () => void {
    return add(this.#on.close, l);
  }

  /** @internal */
  deliver(frame: Frame): void {
    for (const l of this.#on.frame.slice()) l(frame);
  }

  /** @internal */
  opened(): void {
    for (const l of this.#on.open.slice()) l();
  }

  /** @internal */
  disconnected(): void {
    for (const l of this.#on.disconnect.slice()) l();
  }

  /** @internal */
  closed(info: CloseInfo): void {
    for (const l of this.#on.close.slice()) l(info);
  }
}
