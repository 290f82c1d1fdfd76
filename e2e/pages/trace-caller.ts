// Runs in the page: traced calls that reach the agent "counter" in a Node worker thread behind a relay, from a mesh
// node of the page (tracedCall) and through an agent in a Web Worker of the page's swarm (tracedCallThroughWorker).
// The OpenTelemetry web SDK (a stack context manager: the page has no async context) records the page's spans in
// memory; they come back as plain JSON.
import * as api from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { StackContextManager, WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import { AgentHost, MeshNode, connectWebSocket, startSwarm, traceWithOpenTelemetry } from 'swarmwire';
import { type SpanJson, spansOf } from './trace-spans.js';

export type { SpanJson };

let exporter: InMemorySpanExporter | undefined;

/** The page's tracer, set up once; its finished spans are taken (and cleared) by each check. */
function pageSpans(): InMemorySpanExporter {
  if (exporter) return exporter;
  exporter = new InMemorySpanExporter();
  const provider = new WebTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register({ contextManager: new StackContextManager() });
  traceWithOpenTelemetry(api);
  return exporter;
}

/** `call` inside a root span named "click", as a user's action would start it. */
function click<T>(call: () => Promise<T>): Promise<T> {
  return api.trace.getTracer('page').startActiveSpan('click', async (span) => {
    try {
      return await call();
    } finally {
      span.end();
    }
  });
}

function taken(spans: InMemorySpanExporter): SpanJson[] {
  const out = spansOf(spans.getFinishedSpans());
  spans.reset();
  return out;
}

export async function tracedCall(wsUrl: string, agentNode: string): Promise<{ result: unknown; spans: SpanJson[] }> {
  const spans = pageSpans();
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
  const result = await click(() => host.call('counter', 'increment', [5]));
  node.close();
  return { result, spans: taken(spans) };
}

/**
 * A swarm of one Web Worker that joins the relay; the page calls its agent "forwarder", which calls "counter" in
 * Node. Returns the result, the page's spans and the worker's.
 */
export async function tracedCallThroughWorker(wsUrl: string): Promise<{ result: unknown; spans: SpanJson[]; workerSpans: SpanJson[] }> {
  const spans = pageSpans();
  const swarm = await startSwarm({ worker: new URL('./trace-worker-boot.js', location.href), size: 1, relay: wsUrl });
  try {
    await swarm.spawn('Forwarder', 'forwarder');
    const result = await click(() => swarm.call('forwarder', 'bump', [7]));
    const page = taken(spans);
    // The worker's server span ends once its Response has left: ask until it is there.
    let workerSpans: SpanJson[] = [];
    for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
      workerSpans = (await swarm.call('forwarder', 'spans')) as SpanJson[];
      if (workerSpans.some((s) => s.kind === 1 && s.name === 'forwarder/bump')) break;
    }
    return { result, spans: page, workerSpans };
  } finally {
    await swarm.close();
  }
}
