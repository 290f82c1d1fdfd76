// One server of bench/relay-scale.bench.mjs, alone in its own process so its memory and CPU time are its own:
// `node --expose-gc scale-server.mjs KIND`, KIND one of
//   socket.io  socket.io 4.8 on the WebSocket transport (broadcast, rooms), its defaults otherwise (heartbeats on);
//   relay      startRelay({ agents: false }), the library's relay with its defaults (heartbeats on) but the
//              per-address and broadcast limits, raised (see relay() below);
//   ws         a bare `ws` server (no protocol at all): the floor that every server here builds on;
//   cli        `swarmwire relay` itself: the command's main() with the arguments a user types (agent host included),
//              and the same two limits raised by their flags.
// Tells the parent { ready, url } over IPC, then answers { cmd: 'sample' } with its memory after two full
// collections and its CPU time so far, and exits on { cmd: 'stop' } or when the parent goes.
import { createServer } from 'node:http';

const kind = process.argv[2];
const gc = globalThis.gc ?? (() => {});
let stop = async () => {};

async function socketIo() {
  const { Server } = await import('socket.io');
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false });
  io.on('connection', (socket) => {
    socket.on('b', (data) => socket.broadcast.emit('m', data));
    socket.on('t', (data) => socket.to('t').emit('m', data));
    socket.on('join', () => socket.join('t'));
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  stop = async () => {
    io.close();
  };
  return `ws://127.0.0.1:${http.address().port}/socket.io/?EIO=4&transport=websocket`;
}

async function relay() {
  const { startRelay } = await import('swarmwire/node');
  // Its defaults, but two: every bench peer connects from 127.0.0.1 (one address may hold a quarter of maxPeers by
  // default), and peer 0's burst of broadcasts to everyone is the figure measured (a sender's broadcasts may cost
  // 20,000 deliveries a second by default). Raised, the table measures the fan-out it did before these limits.
  const server = await startRelay({ port: 0, agents: false, maxPeersPerAddress: Infinity, maxBroadcastDeliveriesPerSecond: 0 });
  stop = () => server.close();
  return server.wsUrl;
}

async function cli() {
  const { main } = await import('../../dist/cli.js');
  let url;
  let stopRelay;
  const printed = new Promise((resolve) => {
    const io = {
      out: (text) => {
        const m = /websocket:\s+(\S+)/.exec(text);
        if (m) resolve((url = m[1]));
      },
      err: (text) => process.stderr.write(`${text}\n`),
      onStop: (fn) => (stopRelay = fn),
    };
    // As above: the bench's peers share 127.0.0.1, and peer 0's broadcast burst is the figure (see relay()).
    main(['relay', '--port', '0', '--max-peers-per-address', '10000', '--max-broadcast-deliveries', '0'], io).then((code) => code !== 0 && process.exit(code));
  });
  await printed;
  stop = async () => stopRelay?.();
  return url;
}

async function bareWs() {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  stop = async () => wss.close();
  return `ws://127.0.0.1:${wss.address().port}/`;
}

const url = await ({ 'socket.io': socketIo, relay, cli, ws: bareWs })[kind]();
process.send({ kind: 'ready', url, pid: process.pid });
process.on('message', async (m) => {
  if (m.cmd === 'sample') {
    gc();
    gc();
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    const { user, system } = process.cpuUsage();
    // What the heap has committed beyond what it uses, by space (the young generation grows under a connect storm).
    const { getHeapSpaceStatistics } = await import('node:v8');
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]));
    process.send({ kind: 'sample', id: m.id, rss, heapUsed, heapTotal, spaces, external: external + arrayBuffers, cpuUs: user + system });
  } else if (m.cmd === 'heap') {
    // For finding where per-peer memory goes (not used by the suite's figures).
    const { writeHeapSnapshot } = await import('node:v8');
    process.send({ kind: 'done', id: m.id, file: writeHeapSnapshot(m.file) });
  } else if (m.cmd === 'profile') {
    // A CPU profile of one phase (m.ms long), for finding where the time goes (not used by the suite's figures).
    const { Session } = await import('node:inspector/promises');
    const { writeFileSync } = await import('node:fs');
    const inspector = new Session();
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.start');
    await new Promise((r) => setTimeout(r, m.ms));
    const { profile } = await inspector.post('Profiler.stop');
    writeFileSync(m.file, JSON.stringify(profile));
    inspector.disconnect();
    process.send({ kind: 'done', id: m.id, file: m.file });
  } else if (m.cmd === 'stop') {
    await stop();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
