// The worker side of bench/mesh.bench.mjs's ring rows: a mesh node with an agent host in a worker_threads Worker.
// linkWorkers() in the main thread joins two of these over a shared-memory ring; `workerData.dial` says which one
// runs the handshake's connecting side (acceptWorker hands both ends over the same way). Commands on parentPort:
//   { cmd: 'expose', bytes }    host a Blob agent 'blob' with `bytes` of random (incompressible) state
//   { cmd: 'migrate', to }      migrate 'blob' to node `to`; answers { ms } timed in this thread
//   { cmd: 'floor', to, bytes } one acked Event of `bytes` to `to` and its Response back; answers { ms }
//   { cmd: 'touch' }            call 'blob'.touch() wherever it lives; answers { value }
//   { cmd: 'id' }               answers { id } once the link is up
// Every command answers exactly once; { error } on failure.
import { parentPort, workerData } from 'node:worker_threads';
import { AgentHost, MeshNode, MessageType, acceptWorker } from 'swarmwire';

class Blob {
  data = new Uint8Array(0);
  version = 0;
  touch() {
    return ++this.version;
  }
}

const node = await MeshNode.create({ heartbeatIntervalMs: 0, loadIntervalMs: 0, ...(workerData.features === undefined ? {} : { features: workerData.features }) });
const host = new AgentHost(node, { migrationTimeoutMs: 30_000 });
host.define('Blob', () => new Blob());

// The floor's far end: answer every Event with a Response of the same request id.
node.on('message', ({ from, frame }) => {
  if (frame.type === MessageType.Event) node.send(from, { type: MessageType.Response, requestId: frame.requestId, ack: false });
});

// 'async' (Atomics.waitAsync): 'block' holds the event loop in 10 ms slices, and the session's deflate runs on it
// (1 MiB with deflate took ~700 ms that way).
const linked = new Promise((resolve, reject) => {
  void acceptWorker((t) => {
    const up = workerData.dial ? node.connect(() => t, { reconnect: false }) : node.accept(t);
    up.then(resolve, reject);
  }, { wait: 'async' });
});

function floor(to, bytes) {
  const payload = new Uint8Array(bytes);
  for (let at = 0; at < bytes; at += 65536) crypto.getRandomValues(payload.subarray(at, at + 65536));
  const t0 = performance.now();
  return new Promise((resolve) => {
    const off = node.on('message', ({ frame }) => {
      if (frame.type !== MessageType.Response) return;
      off();
      resolve(performance.now() - t0);
    });
    node.send(to, { type: MessageType.Event, ack: true, payload });
  });
}

parentPort.on('message', async (m) => {
  try {
    if (m.cmd === 'id') {
      await linked;
      parentPort.postMessage({ id: node.idHex });
    } else if (m.cmd === 'expose') {
      const blob = new Blob();
      blob.data = new Uint8Array(m.bytes);
      for (let at = 0; at < m.bytes; at += 65536) crypto.getRandomValues(blob.data.subarray(at, at + 65536));
      host.expose('blob', blob);
      parentPort.postMessage({ ok: true });
    } else if (m.cmd === 'migrate') {
      const t0 = performance.now();
      await host.migrate('blob', m.to);
      parentPort.postMessage({ ms: performance.now() - t0 });
    } else if (m.cmd === 'floor') {
      parentPort.postMessage({ ms: await floor(m.to, m.bytes) });
    } else if (m.cmd === 'touch') {
      parentPort.postMessage({ value: await host.call('blob', 'touch') });
    }
  } catch (e) {
    parentPort.postMessage({ error: String(e?.stack ?? e) });
  }
});
