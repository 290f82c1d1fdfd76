// What the relay's dashboard plots, beyond stats() and peers(): call rates and latencies over the last minutes,
// recent traces hop by hop, and the agent moves that passed this relay. It watches the relay as its observer
// (Relay.observer): per Routed frame one header read, a trace block read when the frame has one, and a Map entry
// per call until its answer — about as much again as decoding the envelope costs, so it watches only while someone
// looks: the first snapshot() starts it, and it stops once none was asked for WATCH_MS. The Node and Deno relays
// serve snapshot() as JSON at /dashboard.json. Frames other relays send through Redis count too: per second, as
// calls (a Request delivered here from Redis passes this relay as one from a peer does), and their origins as the
// nodes behind the topology's Redis node. @internal
import { Feature, HEADER_SIZE, MAX_PAYLOAD, MessageType } from '../wire/constants.js';
import { typeName } from './type-names.js';
import type { Frame } from '../wire/frame.js';
import { headerFields, readHeaderBytes } from '../wire/header.js';
import { idHex } from '../wire/node-id.js';
import type { RoutedBody } from '../wire/routed.js';
import { readTrace, type TraceContext } from '../wire/trace.js';
import { type DirectPeer, routedOrigin } from '../mesh/router.js';
import { type AgentMove, migrationCommit } from './activity.js';
import { CallTimes, type Counters, type TrafficSecond } from './dashboard-calls.js';
import { type RecentTrace, type TraceHop, TraceRing } from './dashboard-trace-ring.js';
import type { RelayObserver } from './relay.js';

/** How long the recorder keeps watching after the last snapshot() (the page asks every second). */
export const WATCH_MS = 60_000;

/** Agent moves kept, most recent last. */
export const MAX_MOVES = 32;
/** Traced calls waiting for their answer, at most; the oldest is forgotten first. */
export const MAX_TRACED_CALLS = 4096;
/** Nodes on other relays listed (those heard from through Redis most recently), and for how long after, ms. */
export const MAX_REMOTE = 32;
export const REMOTE_MS = 60_000;

/** Who sent an envelope through the uplink: a trusted relay, so routedOrigin() takes the envelope's `from`. */
const UPLINK: DirectPeer = { id: new Uint8Array(16), role: 'relay', capabilities: [], trusted: true };

/** What /dashboard.json answers. */
export interface DashboardSnapshot {
  /** The relay's clock now (ms since the epoch): the plots' right edge. */
  now: number;
  /** The relay's node id. */
  relay: string;
  /** Whether the relay is linked to other relays (through Redis). */
  uplink: boolean;
  /** Calls seen whose answer has not passed yet. */
  pending: number;
  series: TrafficSecond[];
  /** Nodes on other relays whose frames reached this relay through Redis lately, most recent last. */
  remote: Array<{ id: string; at: number }>;
  traces: RecentTrace[];
  moves: Array<AgentMove & { at: number }>;
}

/** What the observer needs of its relay. */
export interface WatchedRelay {
  readonly nodeId: Uint8Array;
  readonly uplink: unknown;
  stats: Counters;
  /** Calls routed through the relay and not answered yet (its CallLatency's table). */
  callLatency(): { pending: number };
  /** Set to the recorder while it watches. */
  observer: RelayObserver | undefined;
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
/** performance.now() on the epoch's scale: sub-millisecond, as the latencies of calls on one machine need. */
const preciseNow = (): number => performance.timeOrigin + performance.now();

export class DashboardTraffic implements RelayObserver {
  readonly #relay: WatchedRelay;
  readonly #now: () => number;
  readonly #relayId: string;
  readonly #calls: CallTimes;
  readonly #traces = new TraceRing();
  /** Traced calls waiting for their answer, by who asked whom and the request id. */
  readonly #tracedCalls = new Map<string, TraceHop>();
  readonly #moves: Array<AgentMove & { at: number }> = [];
  /** Nodes on other relays heard from through Redis: id → when last (insertion order: least recent first). */
  readonly #remote = new Map<string, number>();
  readonly #header = headerFields();
  /** When snapshot() was last asked for. */
  #read = -Infinity;

  /** `now`: the clock (ms since the epoch). Default: performance.timeOrigin + performance.now(). */
  constructor(relay: WatchedRelay, now: () => number = preciseNow) {
    this.#relay = relay;
    this.#now = now;
    this.#relayId = idHex(relay.nodeId);
    this.#calls = new CallTimes(() => relay.stats());
  }

  routed(body: RoutedBody, from: DirectPeer): void {
    const bytes = body.frame;
    if (bytes.length < HEADER_SIZE) return;
    let h;
    try {
      h = readHeaderBytes(bytes, 0, this.#header, MAX_PAYLOAD);
    } catch {
      return; // the destination refuses it; nothing to show
    }
    const type = h.type;
    const isCall = type === MessageType.Request;
    const isAnswer = type === MessageType.Response || type === MessageType.Error;
    const traced = (h.features & Feature.TRACE) !== 0;
    if (!isCall && !isAnswer && !traced && type !== MessageType.AgentMigration) return;
    const now = this.#now();
    if (now - this.#read > WATCH_MS) return this.#stop();
    const origin = routedOrigin(body, from);
    const requestId = h.requestHi * 2 ** 32 + h.requestLo;
    // A call is named by who asked whom and its id: the answer travels the other way with the same id. The ids go
    // into the key as 16 one-byte characters, not hex: this runs for every call the relay carries.
    // (The relay times every call itself, and tells answered(); only traced calls are matched here, for their hops.)
    const key = !traced && !(isAnswer && this.#tracedCalls.size > 0) ? '' : isCall ? callKey(origin, body.to, requestId) : isAnswer ? callKey(body.to, origin, requestId) : '';
    if (isCall) this.#calls.request(now);
    else if (key !== '') {
      const hop = this.#tracedCalls.get(key);
      if (hop) (this.#tracedCalls.delete(key), (hop.answered = now));
    }
    if (type === MessageType.AgentMigration) {
      const move = migrationCommit(body, idHex(origin));
      if (move) {
        this.#moves.push({ ...move, at: now });
        if (this.#moves.length > MAX_MOVES) this.#moves.shift();
      }
    }
    const trace = traced ? traceOf(bytes) : undefined;
    if (!trace) return;
    const hop = this.#traces.add(trace.traceId, {
      from: idHex(origin), to: idHex(body.to), type: typeName(type), module: hex8(h.moduleHi) + hex8(h.moduleLo),
      method: hex8(h.methodHash), requestId, span: trace.spanId, at: now,
    });
    if (hop && isCall) {
      if (this.#tracedCalls.size >= MAX_TRACED_CALLS) this.#tracedCalls.delete(this.#tracedCalls.keys().next().value!);
      this.#tracedCalls.set(key, hop);
    }
  }

  request(frame: Frame, from: DirectPeer): void {
    // Answered in this same turn: not a call the relay carries (its latency plot would only fill with zeros), but a
    // hop of its trace all the same, answered as it arrived.
    if (!frame.trace) return;
    const at = this.#now();
    if (at - this.#read > WATCH_MS) return this.#stop();
    const hop = { from: idHex(from.id), to: this.#relayId, type: 'Request', module: frame.moduleId.toString(16).padStart(16, '0'), method: hex8(frame.methodHash), requestId: Number(frame.requestId), span: frame.trace.spanId, at };
    this.#traces.add(frame.trace.traceId, { ...hop, answered: at });
  }

  uplinkRouted(body: RoutedBody, seen: boolean): void {
    const now = this.#now();
    if (now - this.#read > WATCH_MS) return this.#stop();
    this.#calls.uplinkFrame(now);
    if (seen) return; // routed() saw it leave a peer here: its call and hops are counted
    this.#heard(body.from, now);
    this.routed(body, UPLINK);
  }

  uplinkBroadcast(from: Uint8Array | undefined): void {
    const now = this.#now();
    if (now - this.#read > WATCH_MS) return this.#stop();
    this.#calls.uplinkFrame(now);
    if (from) this.#heard(from, now);
  }

  #heard(node: Uint8Array, now: number): void {
    const id = idHex(node);
    this.#remote.delete(id);
    this.#remote.set(id, now);
    if (this.#remote.size > MAX_REMOTE) this.#remote.delete(this.#remote.keys().next().value!);
  }

  answered(seconds: number): void {
    this.#calls.answer(seconds * 1000, this.#now());
  }

  /** The dashboard's view now; watches the relay from now on, until no snapshot was asked for WATCH_MS. */
  snapshot(): DashboardSnapshot {
    const now = this.#now();
    this.#read = now;
    this.#relay.observer = this;
    this.#calls.roll(now);
    return {
      now, relay: this.#relayId, uplink: this.#relay.uplink !== undefined, pending: this.#relay.callLatency().pending,
      series: this.#calls.history(), remote: this.#recentRemote(now), traces: this.#traces.recent(), moves: this.#moves.slice(),
    };
  }

  /** The remote nodes heard from within REMOTE_MS; older ones are forgotten. */
  #recentRemote(now: number): Array<{ id: string; at: number }> {
    for (const [id, at] of this.#remote) {
      if (now - at <= REMOTE_MS) break; // the rest are more recent
      this.#remote.delete(id);
    }
    return [...this.#remote].map(([id, at]) => ({ id, at }));
  }

  /** Stops watching: nobody has looked for WATCH_MS. The history stays, with a gap, for the next look. */
  #stop(): void {
    if (this.#relay.observer === this) this.#relay.observer = undefined;
  }
}

/** The key of the call `id` from node `from` to node `to`: both ids as one-byte characters, then the id. */
const callKey = (from: Uint8Array, to: Uint8Array, id: number): string =>
  String.fromCharCode.apply(null, from as unknown as number[]) + String.fromCharCode.apply(null, to as unknown as number[]) + id;

/** The trace block of a whole frame with TRACE set, or undefined if it is malformed (its receiver refuses it). */
function traceOf(frame: Uint8Array): TraceContext | undefined {
  try {
    return readTrace(frame.subarray(HEADER_SIZE)).trace;
  } catch {
    return undefined;
  }
}
