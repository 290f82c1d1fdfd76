// The far end of the worker-ring checks (ring-checks.ts): the script-tag build, then an echo of every frame at High
// priority (a frame does not carry the lane it came on). Until swarms, the shipped worker entry did this.
importScripts('../dist/swarmwire.global.js');
swarmwire.acceptWorker((transport) => {
  transport.on('message', (frame) => {
    try {
      transport.send(frame);
    } catch {
      // FULL or closed: nobody else to tell
    }
  });
});
