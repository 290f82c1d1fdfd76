// The dashboard's traffic recorder (src/relay/dashboard-traffic.ts) fed Routed envelopes as the relay hands them
// over, on an injected clock: call latencies per second (timed by a CallLatency, wired as the relay wires it: the
// Request, then the answer, whose latency goes to the observer's answered()), traced hops with their answer times,
// agent moves, and the bounds that hold whatever ids a hostile peer sends.
import { describe, expect, it } from 'vitest';
import { MessageType, decodeFrame, encodeFrame, routedBody } from 'swarmwire/wire';
import type { RoutedBody } from '../src/wire/routed.js';
import type { DirectPeer } from '../src/mesh/router.js';
import { DashboardTraffic, MAX_MOVES, MAX_TRACED_CALLS, WATCH_MS } from '../src/relay/dashboard-traffic.js';
import { MAX_SHOWN_NAME } from '../src/relay/activity.js';
import type { RelayObserver } from '../src/relay/relay.js';
import { HISTORY_SECONDS } from '../src/relay/dashboard-calls.js';
import { CallLatency } from '../src/relay/call-latency.js';
import { MAX_HOPS, MAX_TRACES } from '../src/relay/dashboard-trace-ring.js';

const id = (n: number): Uint8Array => new Uint8Array(16).fill(n);
const hex = (n: number): string => n.toString(16).padStart(2, '0').repeat(16);
const hexOf = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
const A: DirectPeer = { id: id(0xa1), role: 'edge', capabilities: [], trusted: false };
const B: DirectPeer = { id: id(0xb2), role: 'core', capabilities: [], trusted: false };
const TRACE = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 1 };

function rig() {
  const clock = { t: 1_000_000 };
  const counters = { framesIn: 0, routed: 0 };
  const calls = new CallLatency({ clock: { now: () => clock.t, setTimeout: () => 0, clearTimeout: () => {} } });
  const relay = { nodeId: id(0xee), uplink: undefined, stats: () => counters, callLatency: () => calls.snapshot(), observer: undefined as RelayObserver | undefined };
  const traffic = new DashboardTraffic(relay, () => clock.t);
  traffic.snapshot(); // a dashboard looks: the recorder watches from now on
  /** `from` sends `init` in a Routed envelope to `to`. */
  const pass = (from: DirectPeer, to: DirectPeer, init: Parameters<typeof encodeFrame>[0]): void => {
    const body: RoutedBody = { ...routedBody(to.id, encodeFrame(init)), from: new Uint8Array(16) };
    counters.framesIn++;
    counters.routed++;
    relay.observer?.routed(body, from);
    const [caller, callee] = [hexOf(from.id), hexOf(to.id)];
    if (init.type === MessageType.Request) calls.request(caller, callee, Number(init.requestId ?? 0));
    else if (init.type === MessageType.Response || init.type === MessageType.Error) {
      const seconds = calls.response(caller, callee, Number(init.requestId ?? 0));
      if (seconds !== undefined) relay.observer?.answered(seconds);
    }
  };
  return { clock, traffic, pass, relay };
}

describe('dashboard traffic', () => {
  it('times a call from its Request to its Response and keeps each second\'s rates and percentiles', () => {
    const { clock, traffic, pass } = rig();
    pass(A, B, { type: MessageType.Request, requestId: 7, moduleId: 1n, body: [1] });
    clock.t += 3.5;
    pass(B, A, { type: MessageType.Response, requestId: 8, moduleId: 1n, body: 0 }); // another id: not this call
    pass(A, B, { type: MessageType.Response, requestId: 7, moduleId: 1n, body: 0 }); // the wrong direction
    expect(traffic.snapshot().pending).toBe(1);
    pass(B, A, { type: MessageType.Response, requestId: 7, moduleId: 1n, body: 2 });
    expect(traffic.snapshot().pending).toBe(0);
    expect(traffic.snapshot().series).toEqual([]); // the second is not over yet
    clock.t += 2_000;
    const series = traffic.snapshot().series;
    expect(series).toHaveLength(2);
    expect(series[0]).toEqual({ t: 1_000_000, frames: 4, routed: 4, calls: 1, uplink: 0, p50: 3.5, p95: 3.5, p99: 3.5 });
    expect(series[1]).toEqual({ t: 1_001_000, frames: 0, routed: 0, calls: 0, uplink: 0, p50: null, p95: null, p99: null });
  });

  it('records each traced frame as a hop of its trace, with the time its answer came back', () => {
    const { clock, traffic, pass } = rig();
    pass(A, B, { type: MessageType.Request, requestId: 1, moduleId: 0x1234n, methodHash: 0xabcd, body: [], trace: TRACE });
    clock.t += 2;
    pass(A, B, { type: MessageType.Event, requestId: 2, body: 'x', trace: { ...TRACE, spanId: '1111111111111111' } });
    clock.t += 3;
    pass(B, A, { type: MessageType.Response, requestId: 1, moduleId: 0x1234n, body: 5 });
    const [trace] = traffic.snapshot().traces;
    expect(trace).toMatchObject({ traceId: TRACE.traceId, start: 1_000_000, dropped: 0 });
    expect(trace!.hops).toEqual([
      { from: hex(0xa1), to: hex(0xb2), type: 'Request', module: '0000000000001234', method: '0000abcd', requestId: 1, span: TRACE.spanId, at: 1_000_000, answered: 1_000_005 },
      { from: hex(0xa1), to: hex(0xb2), type: 'Event', module: '0000000000000000', method: '00000000', requestId: 2, span: '1111111111111111', at: 1_000_002 },
    ]);
  });

  it('records a traced call to the relay\'s own module as a hop answered at once, and times no call for it', () => {
    const { clock, traffic } = rig();
    traffic.snapshot();
    const call = (trace?: typeof TRACE) => decodeFrame(encodeFrame({ type: MessageType.Request, requestId: 5, moduleId: 0x77n, methodHash: 9, body: [], trace }));
    traffic.request(call(), A);
    traffic.request(call(TRACE), A);
    clock.t += 1_000;
    const { series, traces, pending } = traffic.snapshot();
    expect([series[0]!.calls, pending]).toEqual([0, 0]);
    expect(traces.map((t) => t.hops)).toEqual([[
      { from: hex(0xa1), to: hex(0xee), type: 'Request', module: '0000000000000077', method: '00000009', requestId: 5, span: TRACE.spanId, at: 1_000_000, answered: 1_000_000 },
    ]]);
  });

  it('watches only while someone looks: it stops WATCH_MS after the last snapshot and starts again with the next', () => {
    const { clock, traffic, pass, relay } = rig();
    expect(relay.observer).toBe(traffic);
    clock.t += WATCH_MS + 1;
    pass(A, B, { type: MessageType.Request, requestId: 1, body: [], trace: TRACE });
    expect(relay.observer).toBeUndefined();
    expect(traffic.snapshot().traces).toEqual([]);
    expect(relay.observer).toBe(traffic);
    pass(A, B, { type: MessageType.Request, requestId: 2, body: [], trace: TRACE });
    expect(traffic.snapshot().traces[0]!.hops.map((h) => h.requestId)).toEqual([2]);
  });

  it('sees an agent move when its migration commit passes', () => {
    const { traffic, pass } = rig();
    pass(A, B, { type: MessageType.AgentMigration, requestId: 3, body: { migrationId: 1, phase: 'transfer', name: 'counter', kind: 'Counter', state: {} } });
    expect(traffic.snapshot().moves).toEqual([]);
    pass(A, B, { type: MessageType.AgentMigration, requestId: 4, body: { migrationId: 1, phase: 'commit', name: 'counter', kind: 'Counter' } });
    expect(traffic.snapshot().moves).toEqual([{ name: 'counter', from: hex(0xa1), to: hex(0xb2), at: 1_000_000 }]);
  });

  it('keeps what a stranger\'s commits can make it hold and serve small: a 512 KiB agent name is shown cut at 128 characters', () => {
    const { traffic, pass } = rig();
    const huge = 'n'.repeat(512 * 1024);
    for (let i = 0; i < MAX_MOVES + 8; i++) pass(A, B, { type: MessageType.AgentMigration, requestId: i + 1, body: { migrationId: i, phase: 'commit', name: huge, kind: 'Counter' } });
    const moves = traffic.snapshot().moves;
    expect(moves).toHaveLength(MAX_MOVES);
    expect(moves.every((m) => m.name === `${'n'.repeat(MAX_SHOWN_NAME)}…`)).toBe(true);
    expect(JSON.stringify(traffic.snapshot()).length).toBeLessThan(64 * 1024);
  });

  it('holds its bounds against made-up trace ids, endless hops, unanswered calls and malformed frames', () => {
    const { clock, traffic, pass } = rig();
    for (let i = 1; i <= MAX_TRACES + 10; i++) pass(A, B, { type: MessageType.Event, requestId: i, body: 0, trace: { ...TRACE, traceId: i.toString(16).padStart(32, '0') } });
    let traces = traffic.snapshot().traces;
    expect(traces).toHaveLength(MAX_TRACES);
    expect(traces[0]!.traceId).toBe((MAX_TRACES + 10).toString(16).padStart(32, '0')); // most recent first
    for (let i = 0; i < MAX_HOPS + 5; i++) pass(A, B, { type: MessageType.Event, requestId: i, body: 0, trace: TRACE });
    traces = traffic.snapshot().traces;
    const long = traces.find((t) => t.traceId === TRACE.traceId)!;
    expect([long.hops.length, long.dropped]).toEqual([MAX_HOPS, 5]);
    // Traced calls nobody answers, each in a trace of its own: the table of waiting traced calls keeps the newest
    // MAX_TRACED_CALLS, so the last one's answer still finds its hop.
    const last = MAX_TRACED_CALLS + 99;
    for (let i = 0; i <= last; i++) pass(A, B, { type: MessageType.Request, requestId: 10_000 + i, body: [], trace: { ...TRACE, traceId: (0x10000 + i).toString(16).padStart(32, '0') } });
    pass(B, A, { type: MessageType.Response, requestId: 10_000, body: 0 });
    pass(B, A, { type: MessageType.Response, requestId: 10_000 + last, body: 0 });
    expect(traffic.snapshot().traces[0]!.hops).toMatchObject([{ requestId: 10_000 + last, answered: clock.t }]);
    // The relay's own table (CallLatency) holds at most 1,250 open calls of one caller (maxPending / 8): it timed the
    // first answer, not the last one's call, and waits for the rest of the first 1,250.
    expect(traffic.snapshot().pending).toBe(1_249);
    // A carried frame that is not one (too short, bad magic, a trace block that does not fit) is not counted.
    const garbage: RoutedBody = { to: B.id, from: new Uint8Array(16), ttl: 16, hops: 0, frame: new Uint8Array(40).fill(0xff) };
    traffic.routed(garbage, A);
    traffic.routed({ ...garbage, frame: new Uint8Array(3) }, A);
    const badTrace = encodeFrame({ type: MessageType.Event, body: 0, trace: TRACE });
    badTrace[32] = 9; // trace block version 9
    traffic.routed({ ...garbage, frame: badTrace }, A);
    expect(traffic.snapshot().traces).toHaveLength(MAX_TRACES);
    clock.t += 10 * HISTORY_SECONDS * 1000;
    expect(traffic.snapshot().series).toHaveLength(HISTORY_SECONDS);
  });
});
