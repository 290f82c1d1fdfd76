// Comlink's own suite (tests/same_window.comlink.test.js from the comlink package, its 48 tests with their own chai
// assertions) in Chromium, over comlinkEndpoint() on a session over shared-memory rings through a real Web Worker
// (comlink-forwarder.js; checks.html served cross-origin isolated), on a session over two of Chromium's WebSockets joined by
// a Node server, and on the in-process pair; and over the plain MessageChannel it was written for, to show the
// harness alone changes nothing. Driven by e2e/comlink-suite.e2e.test.ts.
import { expect } from 'chai';
import * as Comlink from 'comlink';
import { type Session, SessionHost, type Transport, comlinkEndpoint, connectSession, connectWebSocket, connectWorker, init, memoryPair } from 'swarmwire';
import type { MemoryTransport } from 'swarmwire/transport';
import source from 'comlink/tests/same_window.comlink.test.js' with { type: 'text' };
import { type Adapter, TIMING_DEPENDENT, collectComlinkSuite, runCase, runTimingCase } from '../../test/fixtures/comlink-harness.js';

const suite = collectComlinkSuite('tests/same_window.comlink.test.js', source, { '/base/dist/esm/comlink.mjs': Comlink }, { expect, self, navigator });

/** What one run of the suite gave: the tests that passed, those that failed (with why), and timing-only losses. */
export interface SuiteReport {
  channel: string;
  total: number;
  skipped: string[];
  passed: string[];
  failed: Array<{ name: string; error: string }>;
  lostTheRace: string[];
}

interface Pair {
  client: Session;
  server: Session;
  close(): void;
}

/** A session whose connection is made by `dial` (client end, server end), accepted by a fresh host. */
async function sessionOver(dial: () => Promise<[Transport, Transport]>): Promise<Pair> {
  const host = new SessionHost({ heartbeatIntervalMs: 0 });
  let accepted: Promise<Session> | undefined;
  const client = await connectSession(async () => {
    const [mine, theirs] = await dial();
    accepted = host.accept(theirs);
    accepted.catch(() => {});
    return mine;
  }, { heartbeatIntervalMs: 0, reconnect: false });
  const server = await accepted!;
  return { client, server, close: () => (client.close(), host.close()) };
}

let forwarder: Worker | undefined;
/** Two ring links to the forwarder worker, which joins them: client ↔ worker ↔ server, both ends in this page. */
async function ringsThroughWorker(): Promise<[Transport, Transport]> {
  forwarder ??= new Worker('./comlink-forwarder.js', { name: 'comlink forwarder' });
  const toClient = await connectWorker(forwarder);
  const toServer = await connectWorker(forwarder);
  if (toClient.kind !== 'ring' || toServer.kind !== 'ring') throw new Error(`not over the ring: ${toClient.kind}, ${toServer.kind}`);
  return [toClient, toServer];
}

const CHANNELS = {
  messagechannel: undefined,
  memory: () => sessionOver(async () => memoryPair()),
  ring: () => sessionOver(ringsThroughWorker),
  // Two WebSockets to a server that joins connections two by two (the test's): client ↔ Node ↔ server.
  websocket: (url: string) => sessionOver(async () => [connectWebSocket(url), connectWebSocket(url)]),
} as const;

/** How the suite's cases get their channel: the MessageChannel their beforeEach made, or a fresh session's endpoints. */
function adapterOver(channel: keyof typeof CHANNELS, url: string): { adapter: Adapter; overSession: boolean } {
  const channelOf = CHANNELS[channel];
  if (!channelOf) return { adapter: { before() {}, after() {} }, overSession: false };
  let pair: Pair | undefined;
  const adapter: Adapter = {
    async before(context) {
      (context.port1 as MessagePort).close();
      (context.port2 as MessagePort).close();
      pair = await channelOf(url);
      context.port1 = comlinkEndpoint(pair.client);
      context.port2 = comlinkEndpoint(pair.server);
    },
    after() {
      pair?.close();
      pair = undefined;
    },
  };
  return { adapter, overSession: true };
}

/** Runs every test of the suite over `channel` (a fresh connection per test) and reports; `url`: the WebSocket joiner's. */
export async function runSuite(channel: keyof typeof CHANNELS, url = ''): Promise<SuiteReport> {
  await init();
  const { adapter, overSession } = adapterOver(channel, url);
  const report: SuiteReport = { channel, total: suite.cases.length, skipped: suite.skipped, passed: [], failed: [], lostTheRace: [] };
  for (const c of suite.cases) {
    try {
      if (TIMING_DEPENDENT[c.name] && overSession) {
        if ((await runTimingCase(c, adapter)) === 'lost the race') report.lostTheRace.push(c.name);
        else report.passed.push(c.name);
      } else {
        await runCase(c, adapter);
        report.passed.push(c.name);
      }
    } catch (error) {
      report.failed.push({ name: c.name, error: String((error as Error)?.stack ?? error) });
    }
  }
  return report;
}

/** Runs the case titled `name` `times` times over `channel`, a fresh connection each time; returns each failure's message. */
export async function repeatCase(channel: keyof typeof CHANNELS, name: string, times: number, url = ''): Promise<string[]> {
  await init();
  const c = suite.cases.find((x) => x.name === name);
  if (!c) throw new Error(`no case named ${name}`);
  const { adapter } = adapterOver(channel, url);
  const failures: string[] = [];
  for (let i = 0; i < times; i++) {
    try {
      await runCase(c, adapter);
    } catch (error) {
      failures.push(String((error as Error)?.message ?? error));
    }
  }
  return failures;
}

/**
 * The order in which the server side's listeners see messages posted by the client on two crossed ports and on the
 * endpoint, one after the other, while the link holds them (they arrive in one task, as after a ring reader slept),
 * and the order they were posted in. comlinkEndpoint fences a port's MessageChannel hop with a newer MessageChannel:
 * this checks Chromium hands same-thread MessageChannels' messages on in that order.
 */
export async function arrivalOrder(): Promise<{ posted: string[]; seen: string[] }> {
  await init();
  let link!: MemoryTransport;
  const pair = await sessionOver(async () => {
    const ends = memoryPair();
    link = ends[0];
    return ends;
  });
  const client = comlinkEndpoint(pair.client);
  const server = comlinkEndpoint(pair.server);
  const seen: string[] = [];
  const arrived: Array<(event: MessageEvent) => void> = [];
  server.addEventListener('message', (e) => {
    const event = e as MessageEvent;
    if (event.ports.length) arrived.shift()!(event);
    else seen.push(`endpoint:${event.data}`);
  });
  const crossed = async (label: string): Promise<MessagePort> => {
    const { port1, port2 } = new MessageChannel();
    const there = new Promise<MessagePort>((resolve) => arrived.push((e) => resolve(e.ports[0]!)));
    client.postMessage({ port: port2 }, [port2]);
    (await there).onmessage = (e) => seen.push(`${label}:${e.data}`);
    return port1;
  };
  try {
    const one = await crossed('one');
    const two = await crossed('two');
    const order: Array<[string, (m: string) => void]> = [
      ['one', (m) => one.postMessage(m)], ['one', (m) => one.postMessage(m)], ['two', (m) => two.postMessage(m)],
      ['endpoint', (m) => client.postMessage(m)], ['one', (m) => one.postMessage(m)], ['endpoint', (m) => client.postMessage(m)],
      ['two', (m) => two.postMessage(m)], ['two', (m) => two.postMessage(m)], ['one', (m) => one.postMessage(m)],
    ];
    link.faults.hold();
    const posted: string[] = [];
    for (const [i, [where, post]] of order.entries()) {
      // Each on the held link before the next is posted (a port's message crosses a MessageChannel to get there).
      const before = link.bufferedAmount;
      post(String(i));
      posted.push(`${where}:${i}`);
      for (const end = Date.now() + 5_000; link.bufferedAmount === before;) {
        if (Date.now() > end) throw new Error(`message ${i} never reached the link`);
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    link.faults.release();
    for (const end = Date.now() + 5_000; seen.length < posted.length && Date.now() < end;) await new Promise((r) => setTimeout(r, 5));
    return { posted, seen };
  } finally {
    pair.close();
  }
}

/**
 * Comlink's "released proxy should invoke finalizer" without its fixed 1 ms wait: over `channel`, the exposed
 * object's finalizer runs after the caller releases its proxy, waited for with a deadline. The suite may file that
 * test as having lost its race; this is what shows the finalizer did not simply never run. Resolves with the ms it took.
 */
export async function finalizerRuns(channel: Exclude<keyof typeof CHANNELS, 'messagechannel'>, url = ''): Promise<number> {
  await init();
  const pair = await CHANNELS[channel](url);
  try {
    let finalized = false;
    Comlink.expose({ a: 'thing', [Comlink.finalizer]: () => void (finalized = true) }, comlinkEndpoint(pair.server));
    const remote = Comlink.wrap<{ a: string }>(comlinkEndpoint(pair.client));
    if ((await remote.a) !== 'thing') throw new Error('the exposed object did not answer');
    const released = performance.now();
    remote[Comlink.releaseProxy]();
    for (const end = released + 5_000; !finalized;) {
      if (performance.now() > end) throw new Error('the finalizer did not run within 5 s of the release');
      await new Promise((r) => setTimeout(r, 1));
    }
    return performance.now() - released;
  } finally {
    pair.close();
  }
}
