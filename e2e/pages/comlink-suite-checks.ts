// Comlink's own suite (tests/same_window.comlink.test.js from the comlink package, its 48 tests with their own chai
// assertions) in Chromium, over comlinkEndpoint() on a session over shared-memory rings through a real Web Worker
// (comlink-forwarder.js; checks.html served cross-origin isolated), on a session over two of Chromium's WebSockets joined by
// a Node server, and on the in-process pair; and over the plain MessageChannel it was written for, to show the
// harness alone changes nothing. Driven by e2e/comlink-suite.e2e.test.ts.
import { expect } from 'chai';
import * as Comlink from 'comlink';
import { type Session, SessionHost, type Transport, comlinkEndpoint, connectSession, connectWebSocket, connectWorker, init, memoryPair } from 'swarmwire';
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

/** Runs every test of the suite over `channel` (a fresh connection per test) and reports; `url`: the WebSocket joiner's. */
export async function runSuite(channel: keyof typeof CHANNELS, url = ''): Promise<SuiteReport> {
  await init();
  const channelOf = CHANNELS[channel];
  const make = channelOf && ((): Promise<Pair> => channelOf(url));
  let pair: Pair | undefined;
  const adapter: Adapter = make
    ? {
        async before(context) {
          (context.port1 as MessagePort).close();
          (context.port2 as MessagePort).close();
          pair = await make();
          context.port1 = comlinkEndpoint(pair.client);
          context.port2 = comlinkEndpoint(pair.server);
        },
        after() {
          pair?.close();
          pair = undefined;
        },
      }
    : { before() {}, after() {} };
  const report: SuiteReport = { channel, total: suite.cases.length, skipped: suite.skipped, passed: [], failed: [], lostTheRace: [] };
  for (const c of suite.cases) {
    try {
      if (TIMING_DEPENDENT[c.name] && make) {
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
