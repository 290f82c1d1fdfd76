// OpenTelemetry through the real SDK (in-memory exporter): a client span per call and a server span per request in
// one trace, the caller's context carried on the wire; RPC semantic conventions; events for retries, redirects
// after a migration and deadline expiries; a migration's spans linked across nodes; nothing at all when off.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AgentHost, configureDebug, type DebugEvent, type Frame, MeshNode, type Session, expose, memoryPair, setTracer, traceWithOpenTelemetry, wrap } from 'swarmwire';
import { memorySession } from './fixtures/rpc-links.js';
import { fillIdentities, takeIdentity } from './fixtures/identities.js';
import { until } from './fixtures/until.js';
import { link } from './fixtures/host-links.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const test = api.trace.getTracer('test');

beforeAll(() => {
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(provider);
});
afterAll(() => {
  api.trace.disable();
  api.context.disable();
});
beforeEach(async () => {
  exporter.reset();
  traceWithOpenTelemetry(api);
});
afterEach(() => void setTracer(undefined));

const calc = {
  add: (a: number, b: number) => a + b,
  fail(): never {
    throw new TypeError('no');
  },
  wait: (ms: number) => new Promise((r) => setTimeout(r, ms, 'waited')),
};

/** A span by name (and kind); fails when there is not exactly one. */
function only(name: string, kind?: api.SpanKind): ReadableSpan {
  const found = exporter.getFinishedSpans().filter((s) => s.name === name && (kind === undefined || s.kind === kind));
  expect(found.map((s) => s.name)).toEqual([name]);
  return found[0]!;
}
const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;

describe('RPC spans', () => {
  it('make one trace: the caller\'s span, the client span under it, the server span under that', async () => {
    const link = await memorySession();
    expose(calc, link.server, { name: 'calc' });
    const remote = wrap<typeof calc>(link.client, { name: 'calc' });
    await test.startActiveSpan('request', async (outer) => {
      expect(await remote.add(2, 3)).toBe(5);
      outer.end();
    });
    const [outer, client, server] = [only('request'), only('calc/add', api.SpanKind.CLIENT), await server_('calc/add')];
    expect(client.kind).toBe(api.SpanKind.CLIENT);
    expect(server.kind).toBe(api.SpanKind.SERVER);
    expect(new Set([outer, client, server].map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(parentOf(client)).toBe(outer.spanContext().spanId);
    expect(parentOf(server)).toBe(client.spanContext().spanId);
    expect(server.parentSpanContext?.isRemote).toBe(true);
    for (const s of [client, server]) expect(s.attributes).toMatchObject({ 'rpc.system': 'swarmwire', 'rpc.service': 'calc', 'rpc.method': 'add' });
    await link.close();
  });

  it('mark a thrown error on both sides', async () => {
    const link = await memorySession();
    expose(calc, link.server, { name: 'calc' });
    await expect(wrap<typeof calc>(link.client, { name: 'calc' }).fail()).rejects.toThrow('no');
    await until(() => exporter.getFinishedSpans().length === 2);
    for (const s of exporter.getFinishedSpans()) {
      expect(s.status.code).toBe(api.SpanStatusCode.ERROR);
      expect(s.events.some((e) => e.name === 'exception')).toBe(true);
    }
    await link.close();
  });

  it('record a deadline that passed', async () => {
    const link = await memorySession();
    expose(calc, link.server, { name: 'calc' });
    const remote = wrap<typeof calc>(link.client, { name: 'calc', timeoutMs: 30 });
    await expect(remote.wait(2_000)).rejects.toMatchObject({ code: 'SW_ERR_RPC_TIMEOUT' });
    const client = only('calc/wait');
    expect(client.events.map((e) => e.name)).toContain('deadline exceeded');
    expect(client.events.find((e) => e.name === 'deadline exceeded')!.attributes).toEqual({ 'swarmwire.timeout_ms': 30 });
    expect(client.status.code).toBe(api.SpanStatusCode.ERROR);
    await link.close();
  });

  it('put the trace id on the debug events of a traced call (a deadline passed, a method refused)', async () => {
    const events: DebugEvent[] = [];
    configureDebug({ namespaces: 'swarmwire:rpc', logger: (e) => events.push(e) });
    try {
      const link = await memorySession();
      expose(calc, link.server, { name: 'calc' });
      const remote = wrap<typeof calc & { nope(): void }>(link.client, { name: 'calc', timeoutMs: 30 });
      await expect(remote.wait(2_000)).rejects.toMatchObject({ code: 'SW_ERR_RPC_TIMEOUT' });
      const other = wrap<{ nope(): void }>(link.client, { name: 'calc' });
      await expect(other.nope()).rejects.toMatchObject({ code: 'SW_ERR_RPC_METHOD_NOT_FOUND' });
      const wait = only('calc/wait', api.SpanKind.CLIENT).spanContext().traceId;
      const nope = only('calc/nope', api.SpanKind.CLIENT).spanContext().traceId;
      expect(events.filter((e) => e.event === 'timeout').map((e) => e.traceId)).toEqual([wait]);
      expect(events.filter((e) => e.event === 'refused').map((e) => e.traceId)).toEqual([nope]);
      setTracer(undefined); // untraced: no trace id
      await expect(other.nope()).rejects.toMatchObject({ code: 'SW_ERR_RPC_METHOD_NOT_FOUND' });
      expect(events.filter((e) => e.event === 'refused').at(-1)!.traceId).toBeUndefined();
      await link.close();
    } finally {
      configureDebug({ namespaces: false, logger: () => {} });
    }
  });

  it('record a retry when a call is sent again after a reconnect', async () => {
    const link = await memorySession();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = false;
    expose({ held: async () => ((started = true), await gate, 'done') }, link.server, { name: 'gate' });
    const pending = wrap<{ held(): Promise<string> }>(link.client, { name: 'gate' }).held();
    await until(() => started); // the Request is in before the cut; its answer will be lost with the link
    link.disconnect!();
    await until(() => link.connections!() === 2);
    release();
    expect(await pending).toBe('done');
    await until(() => exporter.getFinishedSpans().some((s) => s.kind === api.SpanKind.CLIENT));
    expect(only('gate/held', api.SpanKind.CLIENT).events.map((e) => e.name)).toContain('retry');
    await link.close();
  });

  it('cost nothing when off: no spans, and no trace block on the wire', async () => {
    setTracer(undefined);
    const link = await memorySession();
    const seen: Frame[] = [];
    (link.server as Session).on('frame', (f) => void seen.push(f));
    expose(calc, link.server, { name: 'calc' });
    await test.startActiveSpan('request', async (outer) => {
      expect(await wrap<typeof calc>(link.client, { name: 'calc' }).add(1, 1)).toBe(2);
      outer.end();
    });
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['request']);
    expect(seen.length).toBeGreaterThan(0);
    for (const f of seen) expect(f.trace).toBeUndefined();
    await link.close();
  });
});

/** The server span ends just after the Response goes out: wait for it. */
async function server_(name: string): Promise<ReadableSpan> {
  await until(() => exporter.getFinishedSpans().some((s) => s.name === name && s.kind === api.SpanKind.SERVER));
  return exporter.getFinishedSpans().find((s) => s.name === name && s.kind === api.SpanKind.SERVER)!;
}

describe('agents', () => {
  const nodes: MeshNode[] = [];
  const hosts: AgentHost[] = [];
  beforeEach(() => fillIdentities(6));
  afterEach(() => {
    for (const h of hosts.splice(0)) h.close();
    for (const n of nodes.splice(0)) n.close();
  });
  class Counter {
    count = 0;
    increment(): number {
      return ++this.count;
    }
  }
  function make(): AgentHost {
    const node = new MeshNode({ heartbeatIntervalMs: 0, loadIntervalMs: 0, identity: takeIdentity() });
    nodes.push(node);
    const host = new AgentHost(node, { migrationTimeoutMs: 1_000, callTimeoutMs: 5_000, queryTimeoutMs: 500 });
    host.define('Counter', () => new Counter());
    hosts.push(host);
    return host;
  }

  it('a call that follows a moved agent is one span with a redirect event, its hops nested under it', async () => {
    const [a, b, c] = [make(), make(), make()];
    await link(a, b);
    await link(c, a);
    await link(c, b);
    a.expose('counter', new Counter());
    expect(await c.call('counter', 'increment')).toBe(1); // c now believes it lives at a
    await test.startActiveSpan('move', async (move) => {
      await a.migrate('counter', b.node.idHex);
      move.end();
    });
    await until(() => exporter.getFinishedSpans().some((s) => s.name === 'swarmwire migration commit'));
    exporter.reset();
    await test.startActiveSpan('request', async (outer) => {
      expect(await c.call('counter', 'increment')).toBe(2);
      outer.end();
    });
    const agent = only('swarmwire agent counter.increment');
    expect(agent.events.map((e) => e.name)).toEqual(['redirect']);
    expect(agent.events[0]!.attributes).toEqual({ 'swarmwire.moved_to': b.node.idHex });
    expect(parentOf(agent)).toBe(only('request').spanContext().spanId);
    await until(() => exporter.getFinishedSpans().filter((s) => s.kind === api.SpanKind.SERVER).length === 2);
    const clients = exporter.getFinishedSpans().filter((s) => s.kind === api.SpanKind.CLIENT);
    expect(clients).toHaveLength(2); // the hop to a (moved) and the hop to b
    for (const s of clients) expect(parentOf(s)).toBe(agent.spanContext().spanId);
    for (const s of exporter.getFinishedSpans()) expect(`${s.name} ${s.spanContext().traceId}`).toBe(`${s.name} ${agent.spanContext().traceId}`);
  });

  it('a migration\'s spans on the destination link to the span that moved it', async () => {
    const [a, b] = [make(), make()];
    await link(a, b);
    a.expose('counter', new Counter());
    let moveContext!: api.SpanContext;
    await test.startActiveSpan('move', async (move) => {
      moveContext = move.spanContext();
      await a.migrate('counter', b.node.idHex);
      move.end();
    });
    await until(() => exporter.getFinishedSpans().some((s) => s.name === 'swarmwire migration commit'));
    for (const phase of ['transfer', 'commit']) {
      const s = only(`swarmwire migration ${phase}`);
      expect(s.links.map((l) => l.context.spanId)).toEqual([moveContext.spanId]);
      expect(s.attributes).toMatchObject({ 'swarmwire.agent': 'counter', 'swarmwire.from': a.node.idHex });
    }
  });
});
