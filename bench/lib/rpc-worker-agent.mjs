// The callee of bench/rpc.bench.mjs's Web Worker path: a worker_threads Worker that answers connectWorker() (the
// shared-memory ring, or postMessage when asked) and serves add(a, b) on every session opened over it.
import { SessionHost, acceptWorker, expose } from 'swarmwire';

const host = new SessionHost({ heartbeatIntervalMs: 0 });
host.onSession((session) => expose({ add: (a, b) => a + b }, session));
void acceptWorker((transport) => void host.accept(transport).catch(() => {}));
