// Echo servers for bench/websocket.bench.mjs, run in a worker thread so servers and clients do not share an event
// loop: raw `ws`, socket.io, and swarmwire (a session host on a WebSocket listener, answering each Request frame
// with a Response carrying the same payload). Posts { ws, io, swarmwire } ports once all listen.
import { createServer } from 'node:http';
import { parentPort } from 'node:worker_threads';
import { Server as IoServer } from 'socket.io';
import { WebSocketServer } from 'ws';
import { MessageType, SessionHost } from 'swarmwire';
import { listenWebSocket } from 'swarmwire/node';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data, { binary: true })));
await new Promise((r) => wss.once('listening', r));

const http = createServer();
const io = new IoServer(http, { perMessageDeflate: false, transports: ['websocket'] });
io.on('connection', (socket) => socket.on('m', (buf) => socket.emit('m', buf)));
await new Promise((r) => http.listen(0, '127.0.0.1', r));

const host = new SessionHost({ heartbeatIntervalMs: 0 });
host.onSession((session) => {
  session.on('frame', (f) => {
    if (f.type === MessageType.Request) session.send({ type: MessageType.Response, requestId: f.requestId, payload: f.payload });
  });
});
const listener = await listenWebSocket((transport) => void host.accept(transport).catch(() => {}), { host: '127.0.0.1', port: 0 });

parentPort.postMessage({ ws: wss.address().port, io: http.address().port, swarmwire: listener.port });
parentPort.on('message', async (m) => {
  if (m !== 'stop') return;
  host.close();
  await listener.close();
  wss.close();
  io.close();
  process.exit(0);
});
