// The dashboard's recent traces: each frame with a trace block that passes the relay is a hop of its trace (who sent
// it, to whom, which module and method, when it came in, and for a call, when its answer came back). The page
// draws each trace as a waterfall. Trace ids come from peers, so anyone can make up as many as they like: the ring
// keeps the most recent traces and the first hops of each, both by count. @internal

/** Traces kept; a new one pushes out the one started longest ago. */
export const MAX_TRACES = 32;
/** Hops kept per trace; later ones are only counted. */
export const MAX_HOPS = 64;

/** A frame of a trace, as the relay saw it pass. Times are ms since the epoch; ids are hex. */
export interface TraceHop {
  /** The sending node. */
  from: string;
  /** The node it was for (the relay's own id for a call to its module). */
  to: string;
  /** The frame's msg_type, by name. */
  type: string;
  /** module_id (16 hex digits): fnv1a64 of the module's or agent's name; the page names the ones it knows. */
  module: string;
  /** method_hash (8 hex digits): fnv1a32 of the method's name. */
  method: string;
  requestId: number;
  /** The sender's span (the block's parent-id). */
  span: string;
  /** When the relay received it. */
  at: number;
  /** For a Request: when its Response or Error passed back (undefined until then, and for other frames). */
  answered?: number;
}

export interface RecentTrace {
  traceId: string;
  /** When its first hop was seen. */
  start: number;
  hops: TraceHop[];
  /** Hops past MAX_HOPS, not kept. */
  dropped: number;
}

export class TraceRing {
  readonly #traces = new Map<string, RecentTrace>();

  /** Records `hop` of trace `traceId`; returns it as kept, or undefined when the trace is full. */
  add(traceId: string, hop: TraceHop): TraceHop | undefined {
    let trace = this.#traces.get(traceId);
    if (!trace) {
      if (this.#traces.size >= MAX_TRACES) this.#traces.delete(this.#traces.keys().next().value!);
      this.#traces.set(traceId, (trace = { traceId, start: hop.at, hops: [], dropped: 0 }));
    }
    if (trace.hops.length >= MAX_HOPS) {
      trace.dropped++;
      return undefined;
    }
    trace.hops.push(hop);
    return hop;
  }

  /** The traces, most recent first (copies: the page's JSON). */
  recent(): RecentTrace[] {
    return [...this.#traces.values()].reverse().map((t) => ({ ...t, hops: t.hops.map((h) => ({ ...h })) }));
  }
}
