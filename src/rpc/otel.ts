// OpenTelemetry as the tracer (rpc/tracing.ts): client and server spans per call with the RPC semantic
// conventions, context carried as W3C Trace Context. @opentelemetry/api is an optional peer dependency that the app
// passes in: swarmwire never imports it (a dynamic import by name is refused by workerd and breaks bundlers), and
// only its shape is named here (no type dependency), so an app without it neither installs nor bundles it.
import type { TraceContext } from '../wire/trace.js';
import { type SpanHandle, type SpanInfo, type Tracer, setTracer } from './tracing.js';

/** The part of @opentelemetry/api this adapter uses (a structural view; pass the module itself). */
export interface OpenTelemetryApi {
  trace: {
    getTracer(name: string, version?: string): OtelTracer;
    setSpan(context: unknown, span: OtelSpan): unknown;
    setSpanContext(context: unknown, spanContext: OtelSpanContext): unknown;
    getSpan(context: unknown): OtelSpan | undefined;
  };
  context: {
    active(): unknown;
    with<T>(context: unknown, fn: () => T): T;
  };
  createTraceState?(raw?: string): OtelSpanContext['traceState'];
}
interface OtelTracer {
  startSpan(name: string, options?: { kind?: number; attributes?: Record<string, string | number | boolean>; links?: Array<{ context: OtelSpanContext }> }, context?: unknown): OtelSpan;
}
interface OtelSpan {
  spanContext(): OtelSpanContext;
  addEvent(name: string, attributes?: Record<string, string | number | boolean>): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error | string): void;
  end(): void;
}
interface OtelSpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
  traceState?: OtelTraceState | undefined;
}
/** @opentelemetry/api's TraceState, as far as its shape must match for the module to be passed in. */
interface OtelTraceState {
  serialize(): string;
  get(key: string): string | undefined;
  set(key: string, value: string): OtelTraceState;
  unset(key: string): OtelTraceState;
}

/** Options of traceWithOpenTelemetry. */
export interface OpenTelemetryOptions {
  /** The instrumentation scope's name. Default: 'swarmwire'. */
  tracerName: string;
}

// SpanKind and SpanStatusCode values of @opentelemetry/api (stable since 1.0).
const INTERNAL = 0;
const SERVER = 1;
const CLIENT = 2;
const ERROR = 2;

/**
 * Reports every RPC call (a client span on the caller, a server span on the callee, one trace across them) and
 * every agent call and migration to OpenTelemetry through `api` (`import * as api from '@opentelemetry/api'`), and
 * carries their context on the wire. `setTracer(undefined)` turns it off again. Options: tracerName ('swarmwire').
 */
export function traceWithOpenTelemetry(api: OpenTelemetryApi, options: Readonly<Partial<OpenTelemetryOptions>> = {}): void {
  setTracer(openTelemetryTracer(api, options.tracerName ?? 'swarmwire'));
}

/** A Tracer backed by the OpenTelemetry API. @internal */
export function openTelemetryTracer(api: OpenTelemetryApi, name: string): Tracer {
  const otel = api.trace.getTracer(name);
  const handle = (span: OtelSpan, parent: unknown): SpanHandle => {
    const context = api.trace.setSpan(parent, span);
    const own = toWire(span.spanContext());
    return {
      context: own,
      event: (event, attributes) => void span.addEvent(event, attributes),
      run: (fn) => api.context.with(context, fn),
      end: (error) => {
        if (error !== undefined) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: ERROR, message: error instanceof Error ? error.message : String(error) });
        }
        span.end();
      },
    };
  };
  const rpc = (info: SpanInfo, kind: number, parent: unknown): SpanHandle => {
    const attributes: Record<string, string | number | boolean> = { 'rpc.system': 'swarmwire', 'rpc.method': info.method, 'swarmwire.request_id': info.requestId };
    if (info.service !== undefined) attributes['rpc.service'] = info.service;
    const span = otel.startSpan(`${info.service ?? 'swarmwire'}/${info.method}`, { kind, attributes }, parent);
    return handle(span, parent);
  };
  return {
    client: (info) => rpc(info, CLIENT, api.context.active()),
    server: (info, carried) => {
      const root = api.context.active();
      return rpc(info, SERVER, carried ? api.trace.setSpanContext(root, fromWire(api, carried)) : root);
    },
    internal: (spanName, attributes, links) => {
      const parent = api.context.active();
      const span = otel.startSpan(spanName, { kind: INTERNAL, attributes, links: links?.map((l) => ({ context: fromWire(api, l) })) }, parent);
      return handle(span, parent);
    },
    active: () => {
      const span = api.trace.getSpan(api.context.active());
      return span ? toWire(span.spanContext()) : undefined;
    },
  };
}

function toWire(c: OtelSpanContext): TraceContext | undefined {
  // An invalid context (a no-op tracer's, all zeros) is not carried: receivers refuse all-zero ids.
  if (/^0+$/.test(c.traceId) || /^0+$/.test(c.spanId)) return undefined;
  const state = c.traceState?.serialize();
  return { traceId: c.traceId, spanId: c.spanId, flags: c.traceFlags, state: state || undefined };
}

function fromWire(api: OpenTelemetryApi, t: TraceContext): OtelSpanContext {
  return { traceId: t.traceId, spanId: t.spanId, traceFlags: t.flags, isRemote: true, traceState: t.state && api.createTraceState ? api.createTraceState(t.state) : undefined };
}
