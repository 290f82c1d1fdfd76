// The ring and postMessage transports against the shared transport contract, in one thread (both ends here) and
// with a real worker_threads Worker running an echo (test/fixtures/echo-worker.mjs) on each path.
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, it } from 'vitest';
import { connectWorker, init } from 'swarmwire';
import { postMessagePair, ringPair } from 'swarmwire/transport';
import { CONTRACT_CASES, ECHO_CASES, type EchoLink } from './transport-contract.js';

const WORKER = new URL('./fixtures/echo-worker.mjs', import.meta.url);

beforeAll(async () => {
  await init();
});

describe('ring transport: the contract', () => {
  for (const c of CONTRACT_CASES) it(c.name, () => c.run(async (options) => ringPair(options)));
});

describe('postmessage transport: the contract', () => {
  for (const c of CONTRACT_CASES) it(c.name, () => c.run(async (options) => postMessagePair(options)));
});

for (const path of ['ring', 'postmessage'] as const) {
  describe(`a worker_threads Worker over the ${path} path`, () => {
    const connect = async (): Promise<EchoLink> => {
      const worker = new Worker(WORKER);
      const transport = await connectWorker(worker, { path });
      if (transport.kind !== path) throw new Error(`expected kind ${path}, got ${transport.kind}`);
      return { transport, terminate: () => void worker.terminate() };
    };
    for (const c of ECHO_CASES) it(c.name, () => c.run(connect));
  });
}
