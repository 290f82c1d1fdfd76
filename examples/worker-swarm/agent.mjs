// One agent of swarm.mjs, in a worker thread: it answers the connection from its parent and serves an object there.
import { workerData } from 'node:worker_threads';
import { acceptWorker, expose } from 'swarmwire';

const agent = {
  who: () => `#${workerData.index}`,
  sum(from, to) {
    let total = 0;
    for (let i = from; i <= to; i++) total += i;
    return total;
  },
};

await acceptWorker((link) => expose(agent, link, { name: 'agent' }));
