// Multi-hop routing, shared by every node that forwards (the relay, and mesh nodes with role relay or core): who
// is reachable through which direct peer, learnt from Discovery, and what to do with one Routed envelope.
//
// Routes are distance vectors with split horizon: each direct peer tells what it can reach (except through us),
// and a frame goes to the peer announcing the fewest hops. Loops that slip through die at TTL 0.
import { MessageType, Status, type Role } from '../wire/constants.js';
import { decodeFrame, encodeFrame } from '../wire/frame.js';
import { DEFAULT_TTL, type RoutedBody } from '../wire/routed.js';
import { type KnownPeer, MAX_ROUTE_HOPS } from './messages.js';
import { idHex } from './ids.js';

/** A direct peer: what it said of itself in its Hello, and whether this node believes what it reports of others. */
export interface DirectPeer {
  /** Its node id, proven in the handshake. */
  id: Uint8Array;
  role: Role;
  capabilities: readonly string[];
  /**
   * Whether its reports are taken: the origin it gives a frame it forwards, and the routes it announces. True for a
   * relay this node dialled or one its operator listed (trustedRelays), never because of a role the peer claims.
   */
  trusted: boolean;
}

/**
 * The routes learnt through one direct peer, by destination: a Map of what it announced, or a live view of the
 * router of a relay in this process (Router.view).
 */
export interface RouteTable {
  get(id: string): KnownPeer | undefined;
  [Symbol.iterator](): Iterator<[string, KnownPeer]>;
}

/** What to do with one Routed envelope. */
export type RouteDecision =
  | { action: 'deliver'; from: Uint8Array }
  | { action: 'forward'; via: string; body: RoutedBody }
  | { action: 'drop'; status: Status; message: string };

export class Router {
  readonly #self: string;
  readonly #direct = new Map<string, DirectPeer>();
  /** What each direct peer last announced, by destination. */
  readonly #announced = new Map<string, RouteTable>();
  /** Direct peers whose routes are read live from their own router (follow()), not from their announcements. */
  readonly #followed = new Map<string, RouteTable>();

  constructor(selfId: string) {
    this.#self = selfId;
  }

  /**
   * A link to `peer` opened. `id`: its id as hex, when the caller has that string already (a relay keys ten thousand
   * peers by it: one string each, not one per table, issue 17).
   */
  addDirect(peer: DirectPeer, id: string = idHex(peer.id)): void {
    this.#direct.set(id, peer);
  }

  /** The link to `id` closed for good: it and everything announced through it are gone. */
  removeDirect(id: string): void {
    this.#direct.delete(id);
    this.#announced.delete(id);
  }

  /**
   * Replaces what the direct peer `via` can reach, and says whether that changed anything. Announcements of peers
   * this node does not trust are ignored (and change nothing).
   */
  learn(via: string, peers: readonly KnownPeer[]): boolean {
    if (this.#direct.get(via)?.trusted !== true) return false;
    const followed = this.#followed.get(via);
    if (followed) {
      // Read live: the list announced says nothing the view does not, so it is neither kept nor compared.
      if (this.#announced.get(via) === followed) return false;
      this.#announced.set(via, followed);
      return true;
    }
    const table = new Map<string, KnownPeer>();
    for (const p of peers) {
      const id = idHex(p.id);
      if (id !== this.#self && p.hops < MAX_ROUTE_HOPS) table.set(id, p);
    }
    const before = this.#announced.get(via);
    this.#announced.set(via, table);
    if (before === undefined) return table.size > 0;
    return !(before instanceof Map) || before.size !== table.size || [...table].some(([id, p]) => !samePeer(before.get(id), p));
  }

  /**
   * Takes the routes through the direct peer `via` from `table` (another router's view(), for a relay in this
   * process) from its next announcement on, for as long as this router lives: its announcements, which list every
   * node it reaches, are then neither parsed into routes nor kept, and what it reaches is never out of date. The
   * relay's in-process agent host follows its relay this way: ten thousand peers cost it no route each (issue 17).
   */
  follow(via: string, table: RouteTable): void {
    this.#followed.set(via, table);
  }

  /**
   * What this router would announce to the direct peer `to` (known(to)), read live: lookups by id cost one map
   * lookup here, and only iterating lists everything.
   */
  view(to: string): RouteTable {
    return {
      get: (id) => this.#route(id, to),
      [Symbol.iterator]: () => this.known(to).map((p): [string, KnownPeer] => [idHex(p.id), p])[Symbol.iterator](),
    };
  }

  /** The entry known(to) would list for the node `id`, if any. */
  #route(id: string, to: string): KnownPeer | undefined {
    if (id === to) return undefined;
    const direct = this.#direct.get(id);
    if (direct) return { id: direct.id, role: direct.role, capabilities: [...direct.capabilities], hops: 0 };
    let best: KnownPeer | undefined;
    for (const [via, table] of this.#announced) {
      if (via === to || !this.#direct.has(via)) continue;
      const p = table.get(id);
      if (p && p.hops + 1 < MAX_ROUTE_HOPS && p.hops + 1 < (best?.hops ?? Infinity)) best = { id: p.id, role: p.role, capabilities: p.capabilities, hops: p.hops + 1 }; // not spread: "Hot paths"
    }
    return best;
  }

  /** The direct peer to hand a frame for `to` to: `to` itself when direct, else the one announcing the fewest hops. */
  nextHop(to: string): string | undefined {
    if (this.#direct.has(to)) return to;
    let best: string | undefined;
    let hops = Infinity;
    for (const [via, table] of this.#announced) {
      const p = table.get(to);
      if (p && p.hops < hops && this.#direct.has(via)) [best, hops] = [via, p.hops];
    }
    return best;
  }

  /** The direct peer to use when nothing is known of a destination: a trusted relay, if one is connected. */
  defaultHop(): string | undefined {
    for (const [id, p] of this.#direct) if (p.role === 'relay' && p.trusted) return id;
    return undefined;
  }

  /** Everything reachable, as told to the direct peer `to`: not what was learnt from `to` itself (split horizon). */
  known(to?: string): KnownPeer[] {
    const out = new Map<string, KnownPeer>();
    for (const [id, p] of this.#direct) {
      if (id !== to) out.set(id, { id: p.id, role: p.role, capabilities: [...p.capabilities], hops: 0 });
    }
    for (const [via, table] of this.#announced) {
      if (via === to || !this.#direct.has(via)) continue;
      for (const [id, p] of table) {
        const hops = p.hops + 1;
        if (id === to || hops >= MAX_ROUTE_HOPS || (out.get(id)?.hops ?? Infinity) <= hops) continue;
        out.set(id, { id: p.id, role: p.role, capabilities: p.capabilities, hops }); // not spread: "Hot paths", docs/architecture.md
      }
    }
    return [...out.values()];
  }

  /** Whether any direct peer's announced routes are held (known() then lists more than the direct peers). */
  get learnt(): boolean {
    return this.#announced.size > 0;
  }

  /** Direct peers with a role, by id. */
  get direct(): ReadonlyMap<string, DirectPeer> {
    return this.#direct;
  }

  /** One forwarding step for an envelope received from the direct peer `sender` (see routedOrigin for `from`). */
  step(body: RoutedBody, sender: DirectPeer): RouteDecision {
    const from = routedOrigin(body, sender);
    const to = idHex(body.to);
    if (to === this.#self) return { action: 'deliver', from };
    if (body.ttl === 0) return { action: 'drop', status: Status.Timeout, message: `routed frame to ${to} dropped: TTL exhausted after ${body.hops} hops` };
    const via = this.nextHop(to);
    if (via === undefined || via === idHex(sender.id)) return { action: 'drop', status: Status.ModuleNotFound, message: `no node ${to} on this relay` };
    return { action: 'forward', via, body: { to: body.to, from, ttl: body.ttl - 1, hops: body.hops + 1, frame: body.frame } };
  }
}

/** Whether two announcements of one node say the same (role, capabilities, hops). */
function samePeer(a: KnownPeer | undefined, b: KnownPeer): boolean {
  return a !== undefined && a.hops === b.hops && a.role === b.role && a.capabilities.length === b.capabilities.length && a.capabilities.every((c, i) => c === b.capabilities[i]);
}

/**
 * The origin of an envelope received from the direct peer `sender`: the sender itself (whatever it wrote in
 * `from`) on the first hop and whenever this node does not trust it; later hops through a trusted relay keep the
 * origin that relay vouched for. A role a peer claims in its Hello changes nothing.
 */
export function routedOrigin(body: RoutedBody, sender: DirectPeer): Uint8Array {
  return body.hops === 0 || !sender.trusted ? sender.id : body.from;
}

/**
 * The envelope that tells the origin of a dropped frame why (an Error with the carried frame's request_id), or
 * undefined when the origin is the direct sender (it is answered directly) or the dropped frame was itself an
 * Error (errors about errors could loop).
 */
export function bounce(self: Uint8Array, dropped: RoutedBody, status: Status, message: string): RoutedBody | undefined {
  if (dropped.hops === 0) return undefined;
  let inner;
  try {
    inner = decodeFrame(dropped.frame);
  } catch {
    return undefined;
  }
  if (inner.type === MessageType.Error) return undefined;
  const frame = encodeFrame({ type: MessageType.Error, requestId: inner.requestId, moduleId: inner.moduleId, methodHash: inner.methodHash, body: { status, message } });
  return { to: dropped.from, from: self, ttl: DEFAULT_TTL, hops: 0, frame };
}
