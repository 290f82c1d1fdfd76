// The worker entry: a page starts it as a Web Worker (dist/worker.global.js, a classic script) or Node as a
// worker_threads Worker (swarmwire/worker). It answers connectWorker() from its parent and, until later issues host
// agents here, echoes every frame back at High priority (a frame does not carry the lane it came on).
import { acceptWorker } from '../src/index.js';

void acceptWorker((transport) => {
  transport.on('message', (frame) => {
    try {
      transport.send(frame);
    } catch {
      // FULL or closed: the parent sends faster than it reads, or is gone; an echo has nobody else to tell.
    }
  });
});
