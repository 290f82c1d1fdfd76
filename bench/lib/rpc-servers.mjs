// The callee side of bench/rpc.bench.mjs, in a worker thread: one `add(a, b)` served by each RPC library over its
// own MessagePort, and by swarmwire and capnweb over WebSocket. Posts the WebSocket ports once listening.
import { parentPort, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { createBirpc } from 'birpc';
import { RpcTarget, newMessagePortRpcSession, newWebSocketRpcSession } from 'capnweb';
import { WebSocket, WebSocketServer } from 'ws';
import { SessionHost, expose } from 'swarmwire';
import { listenWebSocket } from 'swarmwire/node';
import { portTransport } from './port-transport.mjs';

// capnweb reads the global WebSocket (for its constants), which Node 20 does not have.
globalThis.WebSocket ??= WebSocket;
const api = { add: (a, b) => a + b };
class Api extends RpcTarget {
  add(a, b) {
    return a + b;
  }
}
const { ports } = workerData;
Comlink.expose(api, ports.comlink);
createBirpc(api, { post: (d) => ports.birpc.postMessage(d), on: (fn) => ports.birpc.on('message', fn) });
newMessagePortRpcSession(ports.capnweb, new Api());
expose(api, portTransport(ports.swarmwire));
const host = new SessionHost({ heartbeatIntervalMs: 0 });
host.onSession((session) => expose(api, session));
// A suite that never opens this session (lite) leaves its handshake to time out: not a crash of this worker.
void host.accept(portTransport(ports.swarmwireSession)).catch(() => {});

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => newWebSocketRpcSession(ws, new Api()));
await new Promise((r) => wss.once('listening', r));
const listener = await listenWebSocket((transport) => void host.accept(transport).catch(() => {}), { host: '127.0.0.1', port: 0 });

parentPort.postMessage({ capnwebWs: wss.address().port, swarmwireWs: listener.port });
parentPort.on('message', async (m) => {
  if (m !== 'stop') return;
  host.close();
  await listener.close();
  wss.close();
  process.exit(0);
});
