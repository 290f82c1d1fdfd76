// What the debug switch costs (issue 14: "costing nothing when off"). Every log site checks a flag before building
// anything, and none sits on a per-frame path (they mark connects, handshakes, closes, retries, refusals, drops), so
// off should be indistinguishable from no logging at all. Measured in one process, the switch flipped by
// configureDebug() before each case's turn, cases interleaved round by round:
//   - sequential RPC calls over an in-process session pair (the hot path: no log site on it);
//   - handshakes over the in-process pair, with a Goodbye (connect, open, handshake on both sides, close: ~8 events);
// each with the debug log off, and on with a logger that drops every event (what turning it on costs before any
// output), and — with BASELINE_DIST=/path/to/a/dist/index.js built without the switch — that build's figures too.
import { configureDebug, connectSession, createIdentity, expose, memoryPair, SessionHost, wrap } from 'swarmwire';
import { median } from './lib/measure.mjs';
import { sig } from './lib/table.mjs';

const quiet = { heartbeatIntervalMs: 0, reconnect: false };
const noop = () => {};

/** Runs `once` back to back for `ms`; returns operations per second. */
async function rate(once, ms) {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await once();
    n++;
  }
  return (n * 1000) / (performance.now() - t0);
}

/** The two workloads on the package `sw` (this build, or a baseline's). */
async function workloads(sw) {
  const host = new sw.SessionHost({ ...quiet, identity: await sw.createIdentity() });
  // Two identities: a node id that connects again takes its session over, which would close the RPC pair's.
  const [caller, dialler] = await Promise.all([sw.createIdentity(), sw.createIdentity()]);
  const [a, b] = sw.memoryPair();
  const accepted = host.accept(b);
  const client = await sw.connectSession(() => a, { ...quiet, identity: caller });
  sw.expose({ add: (x, y) => x + y }, await accepted, { name: 'calc' });
  const calc = sw.wrap(client, { name: 'calc' });
  return {
    call: () => calc.add(2, 3),
    async handshake() {
      const [c, d] = sw.memoryPair();
      const done = host.accept(d);
      const session = await sw.connectSession(() => c, { ...quiet, identity: dialler });
      await done;
      session.close();
    },
    close() {
      client.close();
      host.close();
    },
  };
}

export async function run({ rounds, time }) {
  const ms = time * 5;
  const cases = {};
  const own = await workloads({ configureDebug, connectSession, createIdentity, expose, memoryPair, SessionHost, wrap });
  const closers = [() => own.close()];
  const off = () => configureDebug({ namespaces: false });
  const on = () => configureDebug({ namespaces: 'swarmwire:*', logger: noop });
  for (const [what, fn] of [['RPC call, in-process session', own.call], ['handshake + Goodbye, in-process pair', own.handshake]]) {
    cases[`${what}: debug off`] = { prepare: off, once: fn };
    cases[`${what}: debug on (a logger that drops every event)`] = { prepare: on, once: fn };
  }
  if (process.env.BASELINE_DIST) {
    const old = await workloads(await import(process.env.BASELINE_DIST));
    closers.push(() => old.close());
    cases['RPC call, in-process session: baseline build'] = { prepare: off, once: old.call };
    cases['handshake + Goodbye, in-process pair: baseline build'] = { prepare: off, once: old.handshake };
  }

  const names = Object.keys(cases);
  for (const name of names) {
    cases[name].prepare();
    await cases[name].once(); // warm up, and fail before timing if a case is broken
  }
  const perRound = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 ? [...names].reverse() : names) {
      cases[name].prepare();
      perRound[name].push(await rate(cases[name].once, ms));
    }
  }
  off();
  for (const close of closers) await close();

  const perSecond = Object.fromEntries(names.map((n) => [n, median(perRound[n])]));
  const rows = names.map((name) => {
    const base = perSecond[`${name.split(':')[0]}: debug off`];
    return { case: name, 'per second': sig(perSecond[name]), 'µs each': sig(1e6 / perSecond[name]), '× debug off': sig(perSecond[name] / base) };
  });
  const table = {
    title: 'What the debug switch costs: the same work with the log off and on (events dropped by the logger)',
    columns: ['case', 'per second', 'µs each', '× debug off'],
    rows,
    notes: ['No log site is on a per-frame or per-call path; off, each site is one property check.'],
  };
  // Not in the README's bench table: README "When a connection fails" quotes it.
  return { tables: [table], summary: perSecond, raw: perRound };
}
