// Bridges between rooms: the Durable Object relays of one deployment linked in pairs, so a node in room A reaches a
// node in room B. Each room's Relay serves the other room's relay as one more peer — a DurablePeer (the session's
// rules: acked frames kept in storage until acknowledged, a duplicate filter) whose socket is a BridgeLink that
// pushes frames with stub fetch (bridge-link.ts). The peer is a trusted relay, so the rooms tell each other who they
// reach (Discovery) and vouch for the origins of what they forward, as relays bridged through Redis do.
//
// A push is an HTTP POST to the other room's object: its body the MessagePack envelope below, its header the
// HMAC-SHA256 of the body under the secret every room shares. The object's fetch handler is reachable by whatever
// the Worker forwards, so a push without a valid HMAC is refused (403) and changes nothing, and one whose sequence
// number is not above the last accepted from that room is refused as a replay (409).
//
// Kept in storage, per bridged room: `bridge:<relay id>` (the peer's NodeRecord, plus the room's object id and the
// last sequence number accepted) and its unacked frames under `out:<relay id>:…`. After an eviction every bridge is
// rebuilt from there and its unacked frames are pushed again, oldest first.
import { pack, unpack } from '../wire/payload.js';
import type { Hello } from '../wire/hello.js';
import { parseHello } from '../wire/hello.js';
import { idHex } from '../wire/node-id.js';
import { MessageType, Status } from '../wire/constants.js';
import { SwarmwireError } from '../wire/errors.js';
import { agree, hello, type LocalHello } from '../session/handshake.js';
import { type Identity, ownBytes } from '../session/identity.js';
import type { Relay } from '../relay/relay.js';
import type { DiscoveryBody } from '../mesh/messages.js';
import { concat } from '../core/concat.js';
import type { SessionFrame } from '../session/session.js';
import { DurablePeer, type NodeRecord } from './durable-peer.js';
import { BridgeLink, MAX_PUSH_BYTES } from './bridge-link.js';
import type { DurableObjectNamespaceLike, DurableStorage } from './workers-types.js';

/** Bridging options of the Durable Object relay (DurableRelayOptions.bridge). */
export interface BridgeOptions {
  /** The namespace binding of the relay's Durable Objects (`env.ROOMS`): where the other rooms are. */
  rooms: DurableObjectNamespaceLike;
  /**
   * A secret every room of the deployment shares (a Worker secret, at least 16 characters): pushes are signed with
   * it, and pushes that are not are refused. Required.
   */
  secret: string;
}

/** The header that carries a push's HMAC (hex); a request with it is a push, not a peer's WebSocket. */
export const BRIDGE_HEADER = 'x-swarmwire-bridge';

/** The largest push body taken: a full push, plus one frame of the largest payload, plus the envelope. */
const MAX_BODY = MAX_PUSH_BYTES + 2 * 1024 * 1024;

/** What a room keeps of a room it is bridged to. */
interface BridgeRecord extends NodeRecord {
  /** The other room's object id (64 hex digits). */
  room: string;
  /** The highest push sequence number accepted from it. */
  seq: number;
}

/**
 * A push: who sends it (its room and relay), the room it is for (signed with the rest, so a push taken from one
 * room's traffic cannot be replayed into another room, whose sequence numbers from that relay are its own), its
 * sequence number, and the frames.
 */
interface Envelope {
  room: string;
  to: string;
  hello: Hello;
  seq: number;
  frames: Uint8Array;
}

/** The answer to a push: the answering relay, and the control frames (Acks, Pongs) that answer the frames pushed. */
interface Answer {
  hello: Hello;
  frames: Uint8Array;
}

/** The code of every error a bridge throws or answers with. */
export const BRIDGE_ERROR = 'SW_ERR_BRIDGE';

const bridgeError = (status: Status, message: string): SwarmwireError => new SwarmwireError(BRIDGE_ERROR, status, `bridge: ${message}`);

/** What the bridges need of their relay. */
export interface BridgeHost {
  relay: Relay;
  identity: Identity;
  storage: DurableStorage;
  /** This room's object id. */
  room: string;
  localHello(): LocalHello;
}

/**
 * The other room's relay, as this room's Relay serves it. Broadcasts stay in their room: a bridge carries none (a
 * relay would stamp itself as their origin, and rooms bridged in a ring would pass them round for ever).
 */
class BridgePeer extends DurablePeer<BridgeLink> {
  override send(frame: Readonly<SessionFrame>): number {
    return frame.type === MessageType.Broadcast ? 0 : super.send(frame);
  }
}

interface Bridge {
  peer: BridgePeer;
  link: BridgeLink;
  failures: number;
}

/** The bridges of one room, by the other room's relay id. */
export class RoomBridges {
  readonly #host: BridgeHost;
  readonly #options: BridgeOptions;
  readonly #key: Promise<CryptoKey>;
  readonly #bridges = new Map<string, Bridge>();
  #seq = 0;

  constructor(host: BridgeHost, options: Readonly<BridgeOptions>) {
    if (typeof options.secret !== 'string' || options.secret.length < 16) throw new TypeError('[swarmwire] options.bridge.secret must be a string of at least 16 characters');
    this.#host = host;
    this.#options = options;
    this.#key = crypto.subtle.importKey('raw', new TextEncoder().encode(options.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }

  /** Rebuilds every bridge kept in storage (a fresh instance) and pushes what the other rooms have not acknowledged. */
  async wake(): Promise<void> {
    for (const record of (await this.#host.storage.list<BridgeRecord>({ prefix: 'bridge:' })).values()) {
      const bridge = this.#serve(record, true);
      bridge.link.resume(await bridge.peer.unacked());
    }
  }

  /** The relay ids of the rooms bridged to this one. */
  linked(): string[] {
    return [...this.#bridges.keys()];
  }

  /** Bridges this room to the room whose object id is `room` (idempotent); resolves with that room's relay id. */
  async link(room: string): Promise<string> {
    for (const [id, b] of this.#bridges) if ((b.peer.record as BridgeRecord).room === room) return id;
    if (room === this.#host.room) throw bridgeError(Status.InvalidFrame, 'a room cannot be bridged to itself');
    // An empty push: the other room learns this one (and bridges back), and its answer says which relay it is.
    const answer = await this.#push(room, new Uint8Array(0));
    return this.#adopt(answer.hello, room).peer.id;
  }

  /** Handles a push from another room (a POST with BRIDGE_HEADER): checked, fed to that room's peer, answered. */
  async receive(request: Request): Promise<Response> {
    let envelope: Envelope;
    try {
      envelope = await this.#open(request);
    } catch (error) {
      const e = error as SwarmwireError;
      return new Response(e.message, { status: e.status === Status.Unauthorized ? 403 : e.status === Status.PayloadTooLarge ? 413 : 400 });
    }
    const bridge = this.#adopt(envelope.hello, envelope.room);
    const record = bridge.peer.record as BridgeRecord;
    if (envelope.seq <= record.seq) return new Response('[swarmwire] bridge: a replayed push', { status: 409 });
    record.seq = envelope.seq;
    bridge.peer.save();
    const frames = envelope.frames.length > 0 ? bridge.link.answer(() => bridge.peer.receive(envelope.frames)) : new Uint8Array(0);
    return new Response(ownBytes(pack({ hello: this.#hello(), frames } satisfies Answer)), { headers: { 'content-type': 'application/msgpack' } });
  }

  /** The checked envelope of a push. Throws SwarmwireError SW_ERR_BRIDGE (Unauthorized, PayloadTooLarge, InvalidFrame). */
  async #open(request: Request): Promise<Envelope> {
    const mac = hexBytes(request.headers.get(BRIDGE_HEADER) ?? '');
    const body = await readAtMost(request, MAX_BODY);
    if (!mac || !await crypto.subtle.verify('HMAC', await this.#key, ownBytes(mac), body)) throw bridgeError(Status.Unauthorized, 'the push is not signed with the bridge secret');
    const v = unpack<Partial<Envelope> | null>(body);
    // seq a safe integer: a NaN would make every later push look new, an Infinity every later one a replay.
    if (typeof v !== 'object' || v === null || typeof v.room !== 'string' || !/^[0-9a-f]{64}$/.test(v.room) || typeof v.to !== 'string' || !Number.isSafeInteger(v.seq) || v.seq! < 0 || !(v.frames instanceof Uint8Array)) {
      throw bridgeError(Status.InvalidFrame, 'a push is { room, to, hello, seq, frames }');
    }
    if (v.to !== this.#host.room) throw bridgeError(Status.Unauthorized, `the push is for room ${v.to}, not this one`);
    return { room: v.room, to: v.to, hello: parseHello(v.hello), seq: v.seq!, frames: v.frames.slice() };
  }

  /** The bridge to the relay that said `hello`, from room `room`: the one there is, or a new one (kept in storage). */
  #adopt(peerHello: Hello, room: string): Bridge {
    const id = idHex(peerHello.nodeId);
    const known = this.#bridges.get(id);
    if (known) return known;
    const record: BridgeRecord = { hello: peerHello, topics: [], idLease: 1, seen: 0, connectedAt: Date.now(), room, seq: 0 };
    void this.#host.storage.put(`bridge:${id}`, record);
    return this.#serve(record, false);
  }

  #serve(record: BridgeRecord, resuming: boolean): Bridge {
    const id = idHex(record.hello.nodeId);
    const bridge = { failures: 0 } as Bridge;
    bridge.link = new BridgeLink({
      push: async (frames) => {
        const answer = await this.#push(record.room, frames);
        bridge.failures = 0;
        return answer.frames;
      },
      answered: (frames) => bridge.peer.receive(frames),
      failed: (error) => {
        // The other room is reachable again in moments (an object is started on demand), so retry while awake;
        // an eviction meanwhile loses nothing: the next instance pushes what is unacked (wake()).
        console.error(`[swarmwire] bridge to room ${record.room}: push failed, retrying:`, (error as Error)?.message ?? error);
        bridge.link.resuming();
        setTimeout(() => void bridge.peer.unacked().then((unacked) => bridge.link.resume(unacked)), Math.min(5_000, 50 * 2 ** bridge.failures++));
      },
    }, resuming ? 'resuming' : 'up');
    bridge.peer = new BridgePeer(bridge.link, record, agree(this.#host.localHello(), record.hello), this.#host.storage, undefined, 'bridge', 'bridge');
    this.#bridges.set(id, bridge);
    bridge.peer.on('close', () => {
      // The other relay broke the protocol: the bridge is over (link() makes a new one).
      bridge.link.close();
      if (this.#bridges.get(id) === bridge) this.#bridges.delete(id);
      void this.#forget(id);
    });
    const { relay } = this.#host;
    relay.trust(id);
    relay.join(bridge.peer, record.topics);
    // Routes are told when they change; a room that woke has forgotten the other's, so it asks (and tells its own).
    bridge.peer.send({ type: MessageType.Discovery, ack: true, body: { role: 'relay', capabilities: ['relay'], peers: relay.router.known(id) } satisfies DiscoveryBody });
    return bridge;
  }

  async #forget(id: string): Promise<void> {
    const keys = [`bridge:${id}`, ...(await this.#host.storage.list({ prefix: `out:${id}:` })).keys()];
    for (let i = 0; i < keys.length; i += 128) await this.#host.storage.delete(keys.slice(i, i + 128));
  }

  #hello(): Hello {
    return hello(this.#host.identity, this.#host.localHello(), new Uint8Array(32));
  }

  /** One push to `room`; resolves with its answer, rejects when it could not be delivered or was refused. */
  async #push(room: string, frames: Uint8Array): Promise<Answer> {
    // Above every number sent before, by this instance or an earlier one (clocks move on across an eviction).
    this.#seq = Math.max(this.#seq + 1, Date.now() * 1000);
    const body = ownBytes(pack({ room: this.#host.room, to: room, hello: this.#hello(), seq: this.#seq, frames } satisfies Envelope));
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await this.#key, body));
    const stub = this.#options.rooms.get(this.#options.rooms.idFromString(room));
    const response = await stub.fetch(new Request('https://bridge.swarmwire/push', { method: 'POST', headers: { [BRIDGE_HEADER]: idHex(mac), 'content-length': String(body.length) }, body }));
    if (response.status !== 200) throw bridgeError(Status.ExecutionError, `room ${room} refused a push (${response.status}): ${await response.text()}`);
    const v = unpack<Partial<Answer> | null>(new Uint8Array(await response.arrayBuffer()));
    if (typeof v !== 'object' || v === null || !(v.frames instanceof Uint8Array)) throw bridgeError(Status.InvalidFrame, `room ${room} answered something else than { hello, frames }`);
    return { hello: parseHello(v.hello), frames: v.frames.slice() };
  }
}

/**
 * The body of `request`, refused (SW_ERR_BRIDGE, PayloadTooLarge) as soon as it says or turns out to be longer than
 * `max` bytes: a forwarded request need not say its length, so the count is kept while reading.
 */
async function readAtMost(request: Request, max: number): Promise<Uint8Array<ArrayBuffer>> {
  const tooLarge = () => bridgeError(Status.PayloadTooLarge, `a push of more than ${max} bytes`);
  if (Number(request.headers.get('content-length') ?? 0) > max) throw tooLarge();
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    size += next.value.length;
    if (size > max) {
      void reader!.cancel();
      throw tooLarge();
    }
    parts.push(next.value);
  }
  return concat(parts, size) as Uint8Array<ArrayBuffer>;
}

function hexBytes(hex: string): Uint8Array | undefined {
  if (!/^(?:[0-9a-f]{2})+$/.test(hex)) return undefined;
  return Uint8Array.from({ length: hex.length / 2 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}
