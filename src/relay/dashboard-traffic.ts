// What the relay's dashboard plots, beyond stats() and peers(): call rates and latencies over the last minutes,
// recent traces hop by hop, and the agent moves that passed this relay. It watches the relay as its observer
// (Relay.observer): per Routed frame one header read, a trace block read when the frame has one, and a Map entry
// per call until its answer. The Node relay serves snapshot() as JSON at /dashboard.json. @internal
import { Feature, HEADER_SIZE, MAX_PAYLOAD, MessageType } from '../wire/constants.js';
import type { Frame } from '../wire/frame.js';
import { headerFields, readHeaderBytes } from '../wire/header.js';
import { idHex } from '../wire/node-id.js';
import type { RoutedBody } from '../wire/routed.js';
import { readTrace, type TraceContext } from '../wire/trace.js';
import { type DirectPeer, routedOrigin } from '../mesh/router.js';
import { type AgentMove, migrationCommit } from './activity.js';
import { CallTimes, type Counters, MAX_PENDING_CALLS, type TrafficSecond } from './dashboard-calls.js';
import { type RecentTrace, type TraceHop, TraceRing } from './dashboard-trace-ring.js';
import type { RelayObserver } from './relay.js';

/** Agent moves kept, most recent last. */
export const MAX_MOVES = 32;

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
  traces: RecentTrace[];
  moves: Array<AgentMove & { at: number }>;
}

/** What the observer needs of its relay. */
export interface WatchedRelay {
  readonly nodeId: Uint8Array;
  readonly uplink: unknown;
  stats: Counters;
}

const TYPE_NAMES = /* @__PURE__ */ new Map<number, string>(Object.entries(MessageType).map(([name, code]) => [code, name]));
const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
/** performance.now() on the epoch's scale: sub-millisecond, as the latencies of calls on one machine need. */
const preciseNow = (): number => performance.timeOrigin + performance.now();

export class DashboardTraffic implements RelayObserver {
  readonly #relay: WatchedRelay;
  readonly #now: () => number;
  readonly #relayId: string;
  readonly #calls: CallTimes;
  readonly #traces = new TraceRing();
  /** Traced calls waiting for their answer, by the same key as #calls (bounded alike). */
  readonly #tracedCalls = new Map<string, TraceHop>();
  readonly #moves: Array<AgentMove & { at: number }> = [];
  readonly #header = headerFields();

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
    const origin = idHex(routedOrigin(body, from));
    const to = idHex(body.to);
    const requestId = h.requestHi * 2 ** 32 + h.requestLo;
    const trace = h.features & Feature.TRACE ? traceOf(bytes) : undefined;
    this.#pass(h.type, origin, to, requestId, hex8(h.moduleHi) + hex8(h.moduleLo), hex8(h.methodHash), trace);
    if (h.type === MessageType.AgentMigration) {
      const move = migrationCommit(body, origin);
      if (move) {
        this.#moves.push({ ...move, at: this.#now() });
        if (this.#moves.length > MAX_MOVES) this.#moves.shift();
      }
    }
  }

  request(frame: Frame, from: DirectPeer): void {
    // Answered in this same turn: not a call the relay carries (its latency plot would only fill with zeros), but a
    // hop of its trace all the same, answered as it arrived.
    if (!frame.trace) return;
    const at = this.#now();
    const hop = { from: idHex(from.id), to: this.#relayId, type: 'Request', module: frame.moduleId.toString(16).padStart(16, '0'), method: hex8(frame.methodHash), requestId: Number(frame.requestId), span: frame.trace.spanId, at };
    this.#traces.add(frame.trace.traceId, { ...hop, answered: at });
  }

  /** The dashboard's view now. */
  snapshot(): DashboardSnapshot {
    const now = this.#now();
    this.#calls.roll(now);
    return {
      now, relay: this.#relayId, uplink: this.#relay.uplink !== undefined, pending: this.#calls.pending,
      series: this.#calls.history(), traces: this.#traces.recent(), moves: this.#moves.slice(),
    };
  }

  #pass(type: number, from: string, to: string, requestId: number, module: string, method: string, trace: TraceContext | undefined): void {
    const now = this.#now();
    const isCall = type === MessageType.Request;
    const isAnswer = type === MessageType.Response || type === MessageType.Error;
    // A call is named by who asked whom and its id: the answer travels the other way with the same id.
    if (isCall) this.#calls.request(`${from}|${to}|${requestId}`, now);
    else if (isAnswer) {
      const key = `${to}|${from}|${requestId}`;
      this.#calls.answer(key, now);
      const hop = this.#tracedCalls.get(key);
      if (hop) (this.#tracedCalls.delete(key), (hop.answered = now));
    }
    if (!trace) return;
    const hop = this.#traces.add(trace.traceId, { from, to, type: TYPE_NAMES.get(type) ?? String(type), module, method, requestId, span: trace.spanId, at: now });
    if (hop && isCall) {
      const key = `${from}|${to}|${requestId}`;
      if (this.#tracedCalls.size >= MAX_PENDING_CALLS) this.#tracedCalls.delete(this.#tracedCalls.keys().next().value!);
      this.#tracedCalls.set(key, hop);
    }
  }
}

/** The trace block of a whole frame with TRACE set, or undefined if it is malformed (its receiver refuses it). */
function traceOf(frame: Uint8Array): TraceContext | undefined {
  try {
    return readTrace(frame.subarray(HEADER_SIZE)).trace;
  } catch {
    return undefined;
  }
}
