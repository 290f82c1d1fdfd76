// Runs in a Web Worker of the page's swarm (started by trace-worker-boot.js after the script-tag build): a swarm
// worker whose agent "Forwarder" passes a call on to the agent "counter" in Node, through the relay the worker joins.
// The OpenTelemetry SDK records this worker's spans in memory (a stack context manager: a worker has no async
// context); Forwarder.spans() hands them over as plain JSON.
import * as api from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { StackContextManager } from '@opentelemetry/sdk-trace-web';
import { type AgentHost, startSwarmWorker, traceWithOpenTelemetry } from 'swarmwire';
import { type SpanJson, spansOf } from './trace-spans.js';

const exporter = new InMemorySpanExporter();
api.context.setGlobalContextManager(new StackContextManager().enable());
api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
traceWithOpenTelemetry(api);

class Forwarder {
  readonly #host: AgentHost;
  constructor(host: AgentHost) {
    this.#host = host;
  }
  /** counter.increment(by), wherever "counter" lives; called while this call's server span is the active one. */
  bump(by: number): Promise<unknown> {
    return this.#host.call('counter', 'increment', [by]);
  }
  spans(): SpanJson[] {
    return spansOf(exporter.getFinishedSpans());
  }
}

startSwarmWorker({ agents: { Forwarder } }).catch((error: unknown) => console.error(`trace worker: ${String(error)}`));
