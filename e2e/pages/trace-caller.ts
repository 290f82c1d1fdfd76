// Runs in the page: a mesh node joins the relay, and one traced call reaches the agent "counter" in a Node worker
// thread behind it. The OpenTelemetry web SDK (a stack context manager: the page has no async context) records the
// page's spans in memory; they come back as plain JSON.
import * as api from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { StackContextManager, WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import { AgentHost, MeshNode, connectWebSocket, traceWithOpenTelemetry } from 'swarmwire';

export interface SpanJson {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
}

export async function tracedCall(wsUrl: string, agentNode: string): Promise<{ result: unknown; spans: SpanJson[] }> {
  const exporter = new InMemorySpanExporter();
  const provider = new WebTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register({ contextManager: new StackContextManager() });
  traceWithOpenTelemetry(api);
  const node = await MeshNode.create({ heartbeatIntervalMs: 0, loadIntervalMs: 0 });
  await node.connect(() => connectWebSocket(wsUrl), { reconnect: false });
  await node.discover();
  const end = Date.now() + 10_000;
  while (!node.peers().some((p) => p.id === agentNode)) {
    if (Date.now() > end) throw new Error('the relay never announced the agent node');
    await new Promise((r) => setTimeout(r, 20));
    await node.discover();
  }
  const host = new AgentHost(node);
  const result = await api.trace.getTracer('page').startActiveSpan('click', async (click) => {
    try {
      return await host.call('counter', 'increment', [5]);
    } finally {
      click.end();
    }
  });
  node.close();
  return {
    result,
    spans: exporter.getFinishedSpans().map((s) => ({
      name: s.name, kind: s.kind, traceId: s.spanContext().traceId, spanId: s.spanContext().spanId,
      parentSpanId: s.parentSpanContext?.spanId, attributes: { ...s.attributes },
    })),
  };
}
