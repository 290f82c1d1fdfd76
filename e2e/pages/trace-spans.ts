// Finished OpenTelemetry spans as plain JSON, to cross from a page or worker to the test.
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export interface SpanJson {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
}

export function spansOf(spans: readonly ReadableSpan[]): SpanJson[] {
  return spans.map((s) => ({
    name: s.name, kind: s.kind, traceId: s.spanContext().traceId, spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId, attributes: { ...s.attributes },
  }));
}
