// Comlink's own test suite, as the comlink npm package ships it (tests/same_window.comlink.test.js: 48 tests, and
// one it skips itself), with its own assertions, over comlinkEndpoint() on three channels: a session over the
// in-process pair, a session over a real WebSocket, and a session over shared-memory rings through a
// worker_threads Worker. The harness only swaps the MessageChannel each test's beforeEach makes for the two
// endpoints of the channel under test (fixtures/comlink-suite.ts). First, the same file over the plain
// MessageChannel it was written for: the harness itself changes nothing.
// Then Comlink's Node tests (tests/node/main.mjs), with Comlink exposed inside the worker, over a ring session.
import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, comlinkEndpoint, connectSession, connectWorker, init } from 'swarmwire';
import { type Adapter, type MochaContext, TIMING_DEPENDENT, browserGlobals, loadComlinkSuite, runCase, runTimingCase } from './fixtures/comlink-suite.js';
import { startRingForwarder, workerRingSession } from './fixtures/comlink-channels.js';
import { type LinkPair, memorySession, webSocketSession } from './fixtures/rpc-links.js';

const suite = loadComlinkSuite('tests/same_window.comlink.test.js', { '/base/dist/esm/comlink.mjs': Comlink }, browserGlobals());

it('loads all of Comlink\'s same-realm suite: 48 tests, and the one it skips itself', () => {
  expect(suite.cases).toHaveLength(48);
  expect(suite.skipped).toEqual(['Comlink in the same realm › released proxy via GC should invoke finalizer']);
});

/** Runs every case of the suite with the channels `make` opens, one fresh pair per test. */
function runSuiteOver(make: () => Promise<LinkPair>): void {
  let pair: LinkPair | undefined;
  const adapter: Adapter = {
    async before(context: MochaContext) {
      (context.port1 as MessagePort).close();
      (context.port2 as MessagePort).close();
      pair = await make();
      context.port1 = comlinkEndpoint(pair.client);
      context.port2 = comlinkEndpoint(pair.server);
    },
    async after() {
      await pair?.close();
      pair = undefined;
    },
  };
  for (const c of suite.cases) {
    if (!TIMING_DEPENDENT[c.name]) {
      it(c.name, () => runCase(c, adapter));
      continue;
    }
    it(`${c.name} (timing-dependent: ${TIMING_DEPENDENT[c.name]!.why})`, async () => {
      const outcome = await runTimingCase(c, adapter);
      if (outcome !== 'passed') console.warn(`${c.name}: the message did not cross within the test's wait in 5 attempts`);
    });
  }
}

describe('Comlink\'s suite over a plain MessageChannel (the harness alone)', () => {
  const unchanged: Adapter = { before() {}, after() {} };
  for (const c of suite.cases) it(c.name, () => runCase(c, unchanged));
});

describe('Comlink\'s suite over comlinkEndpoint: a session over the in-process pair', () => {
  runSuiteOver(memorySession);
});

describe('Comlink\'s suite over comlinkEndpoint: a session over a WebSocket', () => {
  runSuiteOver(webSocketSession);
});

describe('Comlink\'s suite over comlinkEndpoint: a session over rings through a worker_threads Worker', () => {
  let forwarder: Worker;
  beforeAll(async () => {
    forwarder = await startRingForwarder();
  });
  afterAll(async () => {
    await forwarder?.terminate();
  });
  runSuiteOver(() => workerRingSession(forwarder));
});

// tests/node/main.mjs makes `new Worker("./tests/node/worker.mjs")` and wraps `nodeEndpoint(worker)`. Here the
// worker is fixtures/comlink-worker.mjs (the same exposed function, on comlinkEndpoint of a ring session), and
// nodeEndpoint gives the endpoint of the session to it.
describe('Comlink\'s Node suite, Comlink exposed in a worker_threads Worker, over a ring session', () => {
  const WORKER = new URL('./fixtures/comlink-worker.mjs', import.meta.url);
  class RingWorker {
    readonly worker = new Worker(WORKER);
    readonly session: Promise<Session> = connectSession(() => connectWorker(this.worker, { path: 'ring' }), { heartbeatIntervalMs: 0, reconnect: false });
    endpoint: ReturnType<typeof comlinkEndpoint> | undefined;
    async terminate(): Promise<void> {
      (await this.session.catch(() => undefined))?.close();
      await this.worker.terminate();
    }
  }
  const node = loadComlinkSuite('tests/node/main.mjs', {
    worker_threads: { Worker: RingWorker },
    '../../dist/esm/comlink.mjs': Comlink,
    '../../dist/esm/node-adapter.mjs': { default: (w: RingWorker) => w.endpoint },
    chai: { expect: browserGlobals().expect },
  }, {});
  const adapter: Adapter = {
    async before(context) {
      const w = context.worker as RingWorker;
      w.endpoint = comlinkEndpoint(await w.session);
    },
    after() {},
  };
  beforeAll(async () => {
    await init();
  });
  it('loads both of its tests', () => {
    expect(node.cases.map((c) => c.name)).toEqual([
      'node › Comlink across workers › can communicate',
      'node › Comlink across workers › can tunnels a new endpoint with createEndpoint',
    ]);
  });
  for (const c of node.cases) it(c.name, () => runCase(c, adapter));
});
