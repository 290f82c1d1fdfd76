// What every comlinkEndpoint() of one name on one link shares: the messages posted on it (acked on a session, so a
// Comlink call in flight survives a reconnect), the listeners they go to, and the ports that crossed it.
//
// Ports. A MessagePort posted on the endpoint is taken over here (transferred, as postMessage would) and numbered;
// the other side makes a MessageChannel, keeps one end and hands the other to its listeners, so code on both sides
// holds a real MessagePort. Whatever either end's partner posts is picked up by the end kept here and sent as a
// frame naming the port (docs/protocol.md, "Comlink interop"); ports inside those messages cross the same way.
// A port closed on either side (Node, Deno and newer browsers fire 'close' on the end kept here) is closed on the
// other, and every port closes with the link.
import { MessageType } from '../wire/constants.js';
import type { Frame } from '../wire/frame.js';
import type { SessionFrame } from '../session/session.js';
import type { RpcLink } from './channel.js';
import { RpcErrorCode, rpcError } from './errors.js';
import { type PortHost, decodeClone, encodeClone, isDetached } from './comlink-clone.js';
import { ENDPOINT_HASH, MAX_PORT_NUMBER } from './comlink-protocol.js';
import { ArrivalOrder } from './comlink-arrival.js';

/** What a listener of the endpoint receives: a MessageEvent's fields that Comlink and its users read. */
export interface ComlinkMessageEvent {
  readonly type: 'message';
  readonly data: unknown;
  /** The ports in `data`, in the order they were read. */
  readonly ports: readonly MessagePort[];
}

/**
 * Messages that arrive before anyone listens wait (a MessagePort keeps them until it is started); at most this
 * many, so a peer cannot make an endpoint nobody listens to hold unbounded memory. Later ones are dropped.
 */
export const MAX_WAITING_MESSAGES = 1024;
/** Ports the peer may have open through one endpoint: each holds a MessageChannel here. */
export const MAX_PEER_PORTS = 65_536;
/** Frames waiting for room on a full link; postMessage throws the link's FULL error beyond. */
const MAX_OUTBOX = 4096;

const codeOf = (e: unknown): unknown => (e as { code?: unknown })?.code;
const isFull = (e: unknown): boolean => codeOf(e) === 'SW_ERR_SESSION_FULL' || codeOf(e) === 'SW_ERR_TRANSPORT_FULL';
const isClosed = (e: unknown): boolean => codeOf(e) === 'SW_ERR_SESSION_CLOSED' || codeOf(e) === 'SW_ERR_TRANSPORT_CLOSED';

/** The end of a crossed port that this side keeps, and which side numbered it. */
interface Bridge {
  port: MessagePort;
  id: number;
  /** 0: this side numbered it (it came in a message sent from here); 1: the peer did. */
  owner: 0 | 1;
}

const registry = new WeakMap<RpcLink, Map<bigint, ComlinkPorts>>();

/** The shared state of the endpoints named by `moduleId` on `link`, made on first use. @internal */
export function comlinkPortsOf(link: RpcLink, moduleId: bigint): ComlinkPorts {
  let byModule = registry.get(link);
  if (!byModule) registry.set(link, (byModule = new Map()));
  let ports = byModule.get(moduleId);
  if (!ports) byModule.set(moduleId, (ports = new ComlinkPorts(link, moduleId, () => byModule.delete(moduleId))));
  return ports;
}

/** @internal */
export class ComlinkPorts {
  readonly #link: RpcLink;
  readonly #moduleId: bigint;
  readonly #listeners = new Set<(event: ComlinkMessageEvent) => void>();
  /** True once a listener was added: from then on messages are delivered (or dropped when nobody listens). */
  #started = false;
  readonly #waiting: ComlinkMessageEvent[] = [];
  /** Ports this side numbered (sent from here), and ports the peer numbered, by number. */
  readonly #mine = new Map<number, Bridge>();
  readonly #theirs = new Map<number, Bridge>();
  #nextPort = 1;
  readonly #outbox: SessionFrame[] = [];
  readonly #arrivals = new ArrivalOrder();
  readonly #off: Array<() => void>;
  #closed = false;

  constructor(link: RpcLink, moduleId: bigint, forget: () => void) {
    this.#link = link;
    this.#moduleId = moduleId;
    this.#off = [
      link.onFrame((frame) => this.#onFrame(frame)),
      link.onClose(() => {
        forget();
        this.#close();
      }),
    ];
  }

  // --- the endpoint -------------------------------------------------------------------------------------------

  addListener(listener: (event: ComlinkMessageEvent) => void): void {
    this.#listeners.add(listener);
    if (this.#started) return;
    this.#started = true;
    for (const event of this.#waiting.splice(0)) this.#dispatch(event);
  }

  removeListener(listener: (event: ComlinkMessageEvent) => void): void {
    this.#listeners.delete(listener);
  }

  /**
   * postMessage(): the message goes out, the ports in it are taken over (the objects posted are neutered, as after
   * a transfer) and the ArrayBuffers in `transfer` detached. Nothing changes when it throws: RpcError UNSERIALIZABLE
   * for a value or a transfer list postMessage would refuse, or one that cannot cross a network (a SharedArrayBuffer,
   * an ImageBitmap); RpcError BUSY when MAX_OUTBOX messages wait for a full link; the link's own errors (a frame too
   * large). After the link closed, nothing is sent.
   */
  post(message: unknown, transfer: readonly unknown[]): void {
    // As on a closed MessagePort: nothing happens. (Comlink posts from its finalizers, and a throw there would be an
    // unhandled rejection — a crash on Node — for a proxy collected after its link closed.)
    if (this.#closed) return;
    const { ports, buffers } = checkTransfer(transfer);
    const found = new Map<MessagePort, number>();
    const payload = encodeClone({
      exportPort: (port) => {
        if (!ports.includes(port)) throw rpcError(RpcErrorCode.UNSERIALIZABLE, 'comlinkEndpoint: a MessagePort in a message must be in its transfer list');
        let id = found.get(port);
        if (id === undefined) found.set(port, (id = this.#number(found.size)));
        return id;
      },
      importPort: () => {
        throw rpcError(RpcErrorCode.PROTOCOL, 'comlinkEndpoint: no port is read while writing');
      },
    }, message);
    if (found.size !== ports.length) {
      throw rpcError(RpcErrorCode.UNSERIALIZABLE, 'comlinkEndpoint: a transferred MessagePort must be in the message (ports cross with the message that holds them)');
    }
    this.#send(ENDPOINT_HASH, payload);
    this.#nextPort += found.size;
    // Sent (or queued): now the transfer happens. structuredClone moves each port to a new object and neuters the
    // one posted, exactly what postMessage does to it; the buffers are detached the same way.
    const posted = [...found.keys()];
    const moved = posted.length ? structuredClone(posted, { transfer: posted }) : [];
    moved.forEach((port, i) => this.#bridge(port, found.get(posted[i]!)!, 0));
    if (buffers.length) structuredClone(buffers, { transfer: buffers });
  }

  /** The port number for the `index`-th new port of the message being written. */
  #number(index: number): number {
    const id = this.#nextPort + index;
    if (id > MAX_PORT_NUMBER) throw rpcError(RpcErrorCode.UNSERIALIZABLE, 'comlinkEndpoint: this link has used all its port numbers');
    return id;
  }

  #dispatch(event: ComlinkMessageEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        // As an EventTarget does: the error is reported, and the other listeners still run.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  // --- frames ---------------------------------------------------------------------------------------------------

  #send(methodHash: number, payload: Uint8Array): void {
    const frame: SessionFrame = { type: MessageType.Event, moduleId: this.#moduleId, methodHash, payload, ack: this.#link.acked };
    if (this.#outbox.length === 0) {
      try {
        this.#link.send(frame);
        return;
      } catch (error) {
        if (isClosed(error)) return; // closing: its close event is on the way
        if (!isFull(error)) throw error;
        this.#outbox.push(frame);
        this.#drainWhenReady();
        return;
      }
    }
    if (this.#outbox.length >= MAX_OUTBOX) throw rpcError(RpcErrorCode.BUSY, `comlinkEndpoint: ${this.#outbox.length} messages wait for room on the link`);
    this.#outbox.push(frame);
  }

  #drainWhenReady(): void {
    this.#link.ready().then(() => this.#drain(), () => (this.#outbox.length = 0));
  }

  /** Sends what waited for room, in order, until the link is full again. */
  #drain(): void {
    while (this.#outbox.length > 0 && !this.#closed) {
      try {
        this.#link.send(this.#outbox[0]!);
      } catch (error) {
        if (isFull(error)) return this.#drainWhenReady();
        this.#outbox.length = 0; // closed: nothing will carry them
        return;
      }
      this.#outbox.shift();
    }
  }

  /**
   * A frame from the peer, decoded at once (the ports it names are made and bridged as it arrives) and delivered in
   * arrival order with the frames before it, whether they went to the endpoint or to a port (comlink-arrival.ts).
   */
  #onFrame(frame: Frame): void {
    if (frame.type !== MessageType.Event || frame.moduleId !== this.#moduleId) return;
    const hash = frame.methodHash >>> 0;
    if (hash === ENDPOINT_HASH) {
      const read = this.#read(frame.payload);
      if (!read) return;
      const event: ComlinkMessageEvent = { type: 'message', data: read.data, ports: read.ports };
      return this.#arrivals.deliver({ port: undefined, run: () => this.#receive(event), drop: () => closeAll(read.ports) });
    }
    // Owner bit as the sender wrote it: 0, the sender numbered the port (one of theirs here); 1, this side did.
    const bridge = ((hash & 1) === 0 ? this.#theirs : this.#mine).get(hash >>> 1);
    if (!bridge) return; // closed meanwhile: its close is on the way to the peer
    if (frame.payloadLength === 0) return this.#arrivals.deliver({ port: bridge.port, run: () => this.#forget(bridge, false), drop() {} });
    const read = this.#read(frame.payload);
    if (!read) return;
    this.#arrivals.deliver({
      port: bridge.port,
      run: () => (this.#isOpen(bridge) ? bridge.port.postMessage(read.data, read.ports) : closeAll(read.ports)),
      drop: () => closeAll(read.ports),
    });
  }

  /** A message for the endpoint itself: to its listeners, or kept until the first one is added. */
  #receive(event: ComlinkMessageEvent): void {
    if (this.#started) this.#dispatch(event);
    else if (this.#waiting.length < MAX_WAITING_MESSAGES) this.#waiting.push(event);
    else closeAll(event.ports);
  }

  /**
   * A message from the peer, with the ports it names made here (one MessageChannel each: the end handed on, and
   * the end bridged). A message that does not decode is dropped, and the ports it named are closed on both sides.
   */
  #read(payload: Uint8Array): { data: unknown; ports: MessagePort[] } | undefined {
    const made: Array<{ id: number; channel: MessageChannel }> = [];
    let data: unknown;
    try {
      data = decodeClone({
        importPort: (id) => {
          if (this.#theirs.has(id) || made.some((m) => m.id === id)) throw rpcError(RpcErrorCode.BAD_ARGS, `port ${id} is already open`);
          if (this.#theirs.size + made.length >= MAX_PEER_PORTS) throw rpcError(RpcErrorCode.BAD_ARGS, `more than ${MAX_PEER_PORTS} ports open`);
          const channel = new MessageChannel();
          made.push({ id, channel });
          return channel.port2;
        },
        exportPort: () => {
          throw rpcError(RpcErrorCode.PROTOCOL, 'comlinkEndpoint: no port is written while reading');
        },
      } satisfies PortHost, payload);
    } catch {
      for (const { id, channel } of made) {
        channel.port1.close();
        channel.port2.close();
        this.#sendClose(id, 1);
      }
      return undefined;
    }
    for (const { id, channel } of made) this.#bridge(channel.port1, id, 1);
    return { data, ports: made.map((m) => m.channel.port2) };
  }

  // --- ports ----------------------------------------------------------------------------------------------------

  /** Keeps `port` as the local end of port `id`: what its partner posts goes to the peer as port frames. */
  #bridge(port: MessagePort, id: number, owner: 0 | 1): void {
    const bridge: Bridge = { port, id, owner };
    (owner === 0 ? this.#mine : this.#theirs).set(id, bridge);
    port.onmessage = (event: MessageEvent) => this.#relay(bridge, event);
    port.addEventListener('close', () => this.#forget(bridge, true));
    // Node: the end kept here must not keep the process alive; the user's end does, as a MessageChannel's would.
    (port as { unref?: () => void }).unref?.();
  }

  /** A message posted on the partner of a bridged end: to the peer, with the ports it carries crossing too. */
  #relay(bridge: Bridge, event: MessageEvent): void {
    if (!this.#isOpen(bridge)) return;
    const found = new Map<MessagePort, number>();
    let payload: Uint8Array;
    try {
      payload = encodeClone({
        exportPort: (port) => {
          let id = found.get(port);
          if (id === undefined) found.set(port, (id = this.#number(found.size)));
          return id;
        },
        importPort: () => {
          throw rpcError(RpcErrorCode.PROTOCOL, 'comlinkEndpoint: no port is read while writing');
        },
      }, event.data);
      this.#send(bridge.id * 2 + bridge.owner, payload);
    } catch {
      // Nobody to throw to (the message was posted on the partner, long returned): the port ends instead, on
      // both sides, rather than losing this message and carrying the next ones.
      for (const port of event.ports) port.close();
      return this.#forget(bridge, true);
    }
    this.#nextPort += found.size;
    // The ports in the message were transferred to this end already: they are this side's to bridge. One that was
    // transferred but is not in the message has nowhere to go.
    for (const [port, id] of found) this.#bridge(port, id, 0);
    for (const port of event.ports) if (!found.has(port)) port.close();
  }

  #isOpen(bridge: Bridge): boolean {
    return (bridge.owner === 0 ? this.#mine : this.#theirs).get(bridge.id) === bridge;
  }

  /** Forgets a port and closes its end here; `tell`: the close happened here, so the peer is told. */
  #forget(bridge: Bridge, tell: boolean): void {
    if (!this.#isOpen(bridge)) return;
    (bridge.owner === 0 ? this.#mine : this.#theirs).delete(bridge.id);
    bridge.port.onmessage = null;
    bridge.port.close();
    if (tell && !this.#closed) this.#sendClose(bridge.id, bridge.owner);
  }

  /** Tells the peer port `id` is closed (an empty port frame). */
  #sendClose(id: number, owner: 0 | 1): void {
    try {
      this.#send(id * 2 + owner, new Uint8Array(0));
    } catch {
      // the link is gone: the peer closes every port with it
    }
  }

  /** The link closed: every port closes, nothing more is sent or delivered. */
  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#off) off();
    this.#arrivals.close();
    for (const bridge of [...this.#mine.values(), ...this.#theirs.values()]) {
      bridge.port.onmessage = null;
      bridge.port.close();
    }
    this.#mine.clear();
    this.#theirs.clear();
    this.#outbox.length = 0;
    for (const event of this.#waiting.splice(0)) closeAll(event.ports);
  }
}

function closeAll(ports: readonly MessagePort[]): void {
  for (const port of ports) port.close();
}

/**
 * The transfer list, checked as postMessage checks it — no duplicates, no detached buffer — and for what can cross
 * a link: ArrayBuffers (detached here once sent; the peer gets a copy) and MessagePorts. Anything else (an
 * ImageBitmap, an OffscreenCanvas, a stream) is refused: it cannot leave this process.
 */
function checkTransfer(transfer: readonly unknown[]): { ports: MessagePort[]; buffers: ArrayBuffer[] } {
  const ports: MessagePort[] = [];
  const buffers: ArrayBuffer[] = [];
  const seen = new Set<unknown>();
  for (const item of transfer) {
    if (seen.has(item)) throw rpcError(RpcErrorCode.UNSERIALIZABLE, 'comlinkEndpoint: the transfer list names the same object twice');
    seen.add(item);
    if (item instanceof ArrayBuffer) {
      if (isDetached(item)) throw rpcError(RpcErrorCode.UNSERIALIZABLE, 'comlinkEndpoint: the transfer list holds a detached ArrayBuffer');
      buffers.push(item);
    } else if (typeof MessagePort === 'function' && item instanceof MessagePort) {
      ports.push(item);
    } else {
      const what = Object.prototype.toString.call(item).slice(8, -1);
      throw rpcError(RpcErrorCode.UNSERIALIZABLE, `comlinkEndpoint cannot transfer ${what === 'Object' ? 'this object' : `a ${what}`} over a link: only ArrayBuffers and MessagePorts`);
    }
  }
  return { ports, buffers };
}
