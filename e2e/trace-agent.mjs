// A Node worker thread hosting the agent "counter" on a mesh node of its own, joined to the relay the test runs;
// the OpenTelemetry SDK records its spans in memory and posts them to the test on request.
import { parentPort, workerData } from 'node:worker_threads';
import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AgentHost, MeshNode, connectWebSocket, traceWithOpenTelemetry } from '../dist/index.js';

const exporter = new InMemorySpanExporter();
api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
traceWithOpenTelemetry(api);

const node = await MeshNode.create({ heartbeatIntervalMs: 0, loadIntervalMs: 0 });
await node.connect(() => connectWebSocket(workerData.wsUrl), { reconnect: false });
const host = new AgentHost(node);
host.expose('counter', { count: 0, increment(by) { return (this.count += by); } });
parentPort.on('message', (m) => {
  if (m === 'spans') {
    parentPort.postMessage({ spans: exporter.getFinishedSpans().map((s) => ({
      name: s.name, kind: s.kind, traceId: s.spanContext().traceId, spanId: s.spanContext().spanId,
      parentSpanId: s.parentSpanContext?.spanId, attributes: { ...s.attributes },
    })) });
  }
  if (m === 'stop') (host.close(), node.close(), parentPort.close());
});
parentPort.postMessage({ id: node.idHex });
