// The Comlink side of bench/swarm.bench.mjs: a worker_threads Worker that serves add(a, b) with Comlink on the
// MessagePort its left neighbour calls, wraps the port to its right neighbour, and, asked through its control port,
// calls that neighbour as the swarmwire Caller agent does (the same callMany()).
import { workerData } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { Adder, callMany } from './swarm-agents.mjs';

const { control, serve, next } = workerData;
Comlink.expose(new Adder(), serve);
const neighbour = Comlink.wrap(next);
Comlink.expose({ run: (count, window) => callMany((i) => neighbour.add(i, 1), count, window) }, control);
