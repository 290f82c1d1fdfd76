// The seam between the RPC and mesh layers and a tracing system. Nothing is installed by default: every caller
// checks `tracer` first, so with tracing off a call costs one comparison with undefined and no object. An adapter
// (rpc/otel.ts for OpenTelemetry) installs itself here; its code is only in a bundle that imports it.
import type { TraceContext } from '../wire/trace.js';

/** What a span is about: semantic conventions for RPC (rpc.system = "swarmwire"). */
export interface SpanInfo {
  /** The module (rpc.service); undefined for the default module or one known only by its hash. */
  service: string | undefined;
  /** The member called (rpc.method), dotted for a path. */
  method: string;
  /** The request id the frame carries. */
  requestId: number;
}

/** A span in progress, as the layers below a tracing system see it. */
export interface SpanHandle {
  /** The context to carry on the wire for frames sent on behalf of this span. */
  readonly context: TraceContext | undefined;
  /** Records an event (a retry, a redirect, a deadline that passed). */
  event(name: string, attributes?: Record<string, string | number | boolean>): void;
  /** Runs `fn` with this span as the active one (synchronously; async continuation as the tracing system allows). */
  run<T>(fn: () => T): T;
  /** Ends the span; an error marks it failed. */
  end(error?: unknown): void;
}

/** A tracing system's entry points. */
export interface Tracer {
  /** A client span for an outgoing call, child of the active span. */
  client(info: SpanInfo): SpanHandle;
  /** A server span for a request that arrived, child of the context it carried (`parent`), if any. */
  server(info: SpanInfo, parent: TraceContext | undefined): SpanHandle;
  /** An internal span (an agent call across redirects, a migration), child of the active span; `links` it follows from. */
  internal(name: string, attributes: Record<string, string | number | boolean>, links?: readonly TraceContext[]): SpanHandle;
  /** The context of the active span, to carry on a frame that belongs to no span of its own; undefined if none. */
  active(): TraceContext | undefined;
}

/** The installed tracer, or undefined (tracing off). @internal */
export let tracer: Tracer | undefined;

/**
 * Installs `next` as the tracer every RPC connection and mesh node in this realm reports to, or with undefined
 * turns tracing off. Returns the one it replaced.
 */
export function setTracer(next: Tracer | undefined): Tracer | undefined {
  const previous = tracer;
  tracer = next;
  return previous;
}
