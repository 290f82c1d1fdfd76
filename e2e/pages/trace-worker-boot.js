// The classic worker script of the tracing page's swarm: swarmwire as script-tag users load it, then the worker's
// own code (e2e/pages/trace-worker.ts, bundled by the rig against that global).
importScripts('../dist/swarmwire.global.js', '../gen/trace-worker.global.js');
