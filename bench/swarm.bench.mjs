// Issue 16's swarm table, on Node worker_threads (the same startSwarm() a page uses with Web Workers): spawning
// agents across a swarm of 8 workers (agents/s, one spawn at a time and 64 in flight), and the 8 workers calling each
// other — worker i's Caller agent calls add() on worker i+1's Adder, all 8 at once, 16 calls in flight each — in
// calls/s across the swarm: swarmwire through the owner's node (the default: it forwards), swarmwire with every pair
// of workers linked directly (`direct: true`, rings between workers), and the same work with Comlink over a
// MessageChannel between each pair of neighbours (bench/lib/comlink-swarm-worker.mjs). Rounds interleave the three
// (order reversed each round); figures are medians over rounds, ratios medians of per-round ratios.
import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { startSwarm } from 'swarmwire';
import { sig } from './lib/table.mjs';

const SIZE = 8;
const MODULE = new URL('./lib/swarm-agents.mjs', import.meta.url);
const COMLINK_WORKER = new URL('./lib/comlink-swarm-worker.mjs', import.meta.url);
const CALLS = Number(process.env.SWARM_CALLS ?? 2000); // per worker per round
const WINDOW = 16;
const SPAWNS = Number(process.env.SWARM_SPAWNS ?? 400); // per case per round
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const expectedSum = (n) => (n * (n + 1)) / 2; // add(i, 1) for i in 0..n-1

/** A swarm of SIZE workers with an Adder and a Caller on each; run() has every Caller call its right neighbour. */
async function swarmCase(direct) {
  const swarm = await startSwarm({ size: SIZE, module: MODULE, direct, callTimeoutMs: 120_000, startTimeoutMs: 60_000 });
  const ids = swarm.workers.map((w) => w.id);
  for (let i = 0; i < SIZE; i++) {
    await swarm.spawn('Adder', `adder-${i}`, { on: ids[i] });
    await swarm.spawn('Caller', `caller-${i}`, { on: ids[i] });
  }
  const call = (i, count) => swarm.call(`caller-${i}`, 'run', [`adder-${(i + 1) % SIZE}`, count, WINDOW]);
  const run = async (count, atOnce = SIZE) => {
    if (atOnce === SIZE) return Promise.all(ids.map((_, i) => call(i, count)));
    for (let i = 0; i < SIZE; i++) await call(i, count);
  };
  return { swarm, run, close: () => swarm.close() };
}

/** SIZE Comlink workers in a ring of MessageChannels: worker i serves on channel i, calls on channel i+1. */
async function comlinkCase() {
  const channels = Array.from({ length: SIZE }, () => new MessageChannel());
  const workers = [];
  const controls = [];
  for (let i = 0; i < SIZE; i++) {
    const control = new MessageChannel();
    const serve = channels[i].port1;
    const next = channels[(i + 1) % SIZE].port2;
    workers.push(new Worker(COMLINK_WORKER, { workerData: { control: control.port2, serve, next }, transferList: [control.port2, serve, next] }));
    controls.push(Comlink.wrap(control.port1));
  }
  const run = async (count, atOnce = SIZE) => {
    if (atOnce === SIZE) return Promise.all(controls.map((c) => c.run(count, WINDOW)));
    for (const c of controls) await c.run(count, WINDOW);
  };
  return { run, close: () => Promise.all(workers.map((w) => w.terminate())) };
}

async function spawnRate(swarm, prefix, inFlight) {
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next < SPAWNS) await swarm.spawn('Adder', `${prefix}-${next++}`);
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return SPAWNS / ((performance.now() - t0) / 1000);
}

export async function run({ rounds = 5 } = {}) {
  const cases = { 'swarmwire, through the owner': await swarmCase(false), 'swarmwire, direct links': await swarmCase(true), 'Comlink + postMessage': await comlinkCase() };
  const kinds = Object.fromEntries(Object.entries(cases).filter(([, c]) => c.swarm).map(([n, c]) => [n, [...new Set(c.swarm.workers.map((w) => w.kind))].join()]));
  try {
    // Calls across the swarm.
    // Warm-up: routes learnt, each caller's first locate() done (one caller at a time: all at once on this loaded
    // machine took longer than a locate's 2 s), code optimised.
    for (const c of Object.values(cases)) await c.run(20, 1);
    for (const c of Object.values(cases)) await c.run(200);
    const callRates = Object.fromEntries(Object.keys(cases).map((n) => [n, []]));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? Object.keys(cases).reverse() : Object.keys(cases);
      for (const name of order) {
        const t0 = performance.now();
        const sums = await cases[name].run(CALLS);
        const seconds = (performance.now() - t0) / 1000;
        if (sums.some((s) => s !== expectedSum(CALLS))) throw new Error(`[bench] ${name}: wrong answers ${sums}`);
        callRates[name].push((SIZE * CALLS) / seconds);
      }
    }
    const comlink = callRates['Comlink + postMessage'];
    const callRows = Object.entries(callRates).map(([name, rates]) => ({
      'worker ↔ worker calls': name,
      links: kinds[name] ?? 'MessagePort',
      'calls/s across the swarm': Math.round(median(rates)),
      '× Comlink': sig(median(rates.map((r, i) => r / comlink[i]))),
    }));

    // Spawns across the swarm (on the first swarm: placement reads every worker's load).
    const { swarm } = cases['swarmwire, through the owner'];
    const spawnRates = { 1: [], 64: [] };
    for (let round = 0; round < rounds; round++) {
      for (const inFlight of round % 2 ? [64, 1] : [1, 64]) spawnRates[inFlight].push(await spawnRate(swarm, `s${round}-${inFlight}`, inFlight));
    }
    const per = (await swarm.stats()).map((s) => s.agents.length);
    const spawnRows = Object.entries(spawnRates).map(([inFlight, rates]) => ({ 'spawns in flight': Number(inFlight), 'agents/s': Math.round(median(rates)) }));

    const calls = {
      title: `Calls between the agents of a swarm of ${SIZE} worker_threads: each worker calls add() on its neighbour, all at once, ${WINDOW} in flight each`,
      columns: ['worker ↔ worker calls', 'links', 'calls/s across the swarm', '× Comlink'],
      rows: callRows,
      notes: [
        `${CALLS} calls per worker per round, ${rounds} rounds; every answer checked. Through the owner, each call crosses two links and the main thread forwards it; direct, one ring between the two workers, as Comlink's one MessageChannel.`,
      ],
    };
    const spawns = {
      title: `Spawning agents across a swarm of ${SIZE} worker_threads (swarm.spawn: placement on the least-loaded worker, then Spawn and its confirmed commit)`,
      columns: ['spawns in flight', 'agents/s'],
      rows: spawnRows,
      notes: [`${SPAWNS} agents per row per round, ${rounds} rounds; afterwards the workers host ${per.join(', ')} agents.`],
    };
    return { tables: [calls, spawns], readme: calls, summary: { calls: callRows, spawns: spawnRows, perWorker: per }, raw: { callRates, spawnRates } };
  } finally {
    for (const c of Object.values(cases)) await c.close();
  }
}
