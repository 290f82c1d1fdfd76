// One node's session inside the Durable Object relay: a driver of the session core (session/core.ts: Ping/Pong,
// acked delivery with a duplicate filter, Goodbye, violations, as every session) that holds no timers and keeps
// what must outlive hibernation in the socket's attachment and in DO storage, so the object can sleep between
// messages:
//   node:<id>              NodeRecord: the Hello, topics, the relay's id counter lease, the highest acked id seen
//   out:<id>:<request id>  an acked frame the relay sent and the node has not acknowledged yet
// A bridge to another room's relay (bridge.ts) is a DurablePeer too, over a socket of its own, its record under
// `bridge:<id>`.
import { Feature, MessageType } from '../wire/constants.js';
import { SwarmwireError } from '../wire/errors.js';
import { type Frame, decodeBody, encodeFrame } from '../wire/frame.js';
import type { Hello, Negotiated } from '../wire/hello.js';
import { idHex } from '../wire/node-id.js';
import type { Grant } from '../session/auth.js';
import type { CloseInfo } from '../transport/transport.js';
import type { Peer } from '../session/messages.js';
import { type CoreHost, SessionCore } from '../session/core.js';
import { ReplayWindow } from '../session/replay-window.js';
import { sessionError, SessionErrorCode } from '../session/errors.js';
import type { SessionFrame } from '../session/session.js';
import type { RelayPeer } from '../relay/relay.js';
import { DEFAULT_TOPIC_LIMITS, checkSubscribe } from '../relay/topics.js';
import type { DurableStorage, HibernatableWebSocket } from './workers-types.js';

/** What the relay keeps in storage per node, under `node:<id>`, to resume its session after hibernation or a reconnect. */
export interface NodeRecord {
  hello: Hello;
  /** What the relay's authorize hook granted the node (undefined: everything). */
  grant?: Grant | undefined;
  topics: string[];
  /** The relay's request ids towards this node are below this (ids are leased in blocks, so sends need no write). */
  idLease: number;
  /** Highest acked request id received from the node: after a wake, ids up to it count as seen. */
  seen: number;
  /**
   * The relay's session tag towards the node (named in its HelloDone), made with the record: the relay's ids
   * towards the node continue while the record lives, and start again under another tag after it was forgotten.
   * (Absent in a record stored before tags: it resumes under none; a new record gets one.)
   */
  tag?: number;
  connectedAt: number;
  /** Set while the node is away; its record (and unacked frames) go once the resume timeout passes. */
  disconnectedAt?: number;
}

/** Request ids leased per storage write. */
const ID_LEASE = 1024;

/** The key of an unacked frame: zero-padded, so a prefix listing returns them oldest first. */
export const outKey = (id: string, requestId: number): string => `out:${id}:${String(requestId).padStart(16, '0')}`;

type Listener = (value: never) => void;

/** What a DurablePeer sends on: a hibernatable WebSocket, or a bridge's link to another room (bridge.ts). */
export type PeerSocket = Pick<HibernatableWebSocket, 'send' | 'close'>;

/** A node connected to the Durable Object relay: the relay's RelayPeer, over one hibernatable WebSocket. */
export class DurablePeer<S extends PeerSocket = HibernatableWebSocket> implements RelayPeer {
  readonly transportKind: string;
  /** Size of the frame the last send() encoded, bytes (the relay counts its bytes out with it). */
  lastSentBytes = 0;
  readonly peer: Peer;
  readonly grant: Grant | undefined;
  /** The node's socket; undefined while the node is away (its acked frames then wait in storage). */
  socket: S | undefined;
  readonly record: NodeRecord;
  /** Where the record is kept: `<prefix>:<id>`. */
  readonly #prefix: string;
  /** Never measured: the relay sends no Pings (it holds no timers; peers send the heartbeats and it answers). */
  readonly rtt = NaN;
  readonly #storage: DurableStorage;
  /** The session's rules (control frames, the duplicate filter, violations): the same core every session runs. */
  readonly #core: SessionCore;
  #nextId: number;
  #open = true;
  readonly #listeners = { frame: [] as Listener[], close: [] as Listener[] };

  constructor(socket: S | undefined, record: NodeRecord, negotiated: Negotiated, storage: DurableStorage, replay?: ReplayWindow, prefix = 'node', transportKind = 'websocket') {
    this.socket = socket;
    this.record = record;
    this.#prefix = prefix;
    this.transportKind = transportKind;
    this.peer = { hello: record.hello, negotiated, id: idHex(record.hello.nodeId) };
    this.grant = record.grant;
    this.#storage = storage;
    // Acked ids at or below `seen` are repeats when the window that knew better was lost to hibernation.
    this.#core = new SessionCore(this.#coreHost(), negotiated.maxPayload, { replay: replay ?? new ReplayWindow(), floor: replay ? 0 : record.seen });
    this.#core.open(negotiated.maxPayload);
    this.#nextId = record.idLease; // whatever was leased before is spent: ids only have to grow
  }

  get id(): string {
    return this.peer.id;
  }

  /** The duplicate filter, handed to the next connection of the same node while the object is awake. */
  get replay(): ReplayWindow {
    return this.#core.replay!;
  }

  get open(): boolean {
    return this.#open;
  }

  on(event: 'frame', listener: (frame: Frame) => void): () => void;
  on(event: 'close', listener: (info: CloseInfo) => void): () => void;
  on(event: 'frame' | 'close', listener: Listener): () => void {
    const list = this.#listeners[event];
    list.push(listener);
    return () => void list.splice(list.indexOf(listener) >>> 0, 1);
  }

  /**
   * Sends a frame; acked ones are also stored until the node acknowledges them, and re-sent when it resumes.
   * While the node is away, best-effort frames are dropped (a Session would queue them, but a queue in memory
   * would not survive hibernation). Throws SW_ERR_SESSION_CLOSED once the session has ended.
   */
  send(frame: Readonly<SessionFrame>): number {
    if (!this.#open) throw sessionError(SessionErrorCode.CLOSED, `node ${this.id} is gone`);
    const id = frame.requestId === undefined ? this.#takeId() : Number(frame.requestId);
    const features = (frame.features ?? 0) | (frame.ack ? Feature.ACK_REQUIRED : 0);
    // Written out, not `{ ...frame, … }`: see "Hot paths" in docs/architecture.md.
    const init = { type: frame.type, features, requestId: id, moduleId: frame.moduleId, methodHash: frame.methodHash, payload: frame.payload, body: frame.body, trace: frame.trace };
    const bytes = encodeFrame(init, { maxPayload: this.peer.negotiated.maxPayload });
    this.lastSentBytes = bytes.length;
    if (frame.ack) void this.#storage.put(outKey(this.id, id), bytes);
    this.socket?.send(bytes);
    return id;
  }

  /** The socket dropped: the session waits for the node to resume. */
  detach(): void {
    this.socket = undefined;
    this.#core.suspend();
  }

  /** Handles one WebSocket message from the node (the relay never offers COMPRESSED: inflating would span messages). */
  receive(bytes: Uint8Array): void {
    this.#core.receive(bytes);
  }

  /** The peer broke the protocol: an Error frame, a 1002 (1009 for too big) close, and the end of its session. */
  violation(error: SwarmwireError): void {
    this.#core.violation(error);
  }

  /** Ends the session for good: Goodbye `{ code, reason }` when connected, the close, the end. */
  goodbye(code: number, reason: string): void {
    this.#core.goodbye(code, reason);
  }

  /** The session is over on this socket (closed, replaced, or ended): the relay stops routing to it. */
  end(info: CloseInfo): void {
    if (!this.#open) return;
    this.#open = false;
    for (const l of this.#listeners.close.slice()) (l as (i: CloseInfo) => void)(info);
  }

  /** What the session core asks of this peer: its socket, its storage, the relay's listeners. */
  #coreHost(): CoreHost {
    return {
      transmit: (bytes) => this.socket?.send(bytes),
      deliver: (frame) => {
        const id = Number(frame.requestId);
        if (frame.features & Feature.ACK_REQUIRED && id > this.record.seen) {
          this.record.seen = id;
          this.save();
        }
        if (frame.type === MessageType.Subscribe || frame.type === MessageType.Unsubscribe) this.#keepTopic(frame);
        for (const l of this.#listeners.frame.slice()) (l as (f: Frame) => void)(frame);
      },
      drop: (code, reason) => {
        if (this.socket) closeQuietly(this.socket, code, reason);
      },
      ended: (info) => this.end(info),
      acked: (id) => void this.#storage.delete(outKey(this.id, id)),
    };
  }

  /** Subscriptions live in the record too, so they survive hibernation and reconnects. */
  #keepTopic(frame: Frame): void {
    let topic: unknown;
    try {
      topic = decodeBody(frame);
    } catch {
      return; // the relay answers the bad payload
    }
    if (typeof topic !== 'string') return;
    const topics = new Set(this.record.topics);
    if (frame.type === MessageType.Subscribe) {
      // The relay refuses a topic over its limits (its own defaults, as the Durable Object relay gives it no others):
      // storage must not keep what the relay did not.
      try {
        checkSubscribe(topic, topics, DEFAULT_TOPIC_LIMITS);
      } catch {
        return;
      }
      topics.add(topic);
    }
    else topics.delete(topic);
    this.record.topics = [...topics];
    this.save();
  }

  #takeId(): number {
    const id = this.#nextId++;
    if (this.#nextId >= this.record.idLease) {
      this.record.idLease = this.#nextId + ID_LEASE;
      this.save();
    }
    return id;
  }

  /** The acked frames sent and not acknowledged yet, oldest first: what a resume sends again. */
  async unacked(): Promise<Uint8Array[]> {
    return [...(await this.#storage.list<Uint8Array>({ prefix: `out:${this.id}:` })).values()];
  }

  /** Writes the record (what a session keeps across hibernation). */
  save(): void {
    void this.#storage.put(`${this.#prefix}:${this.id}`, this.record);
  }
}

export function closeQuietly(socket: PeerSocket, code: number, reason: string): void {
  try {
    socket.close(code, reason.slice(0, 120));
  } catch {
    // already closed
  }
}
