// The flood bench's attackers, in a process of their own: FLOOD_ATTACKERS (default 50) of them against the relay at
// argv[2], none ever completing a handshake, each from its own loopback address (127.0.1.n) and each starting over as
// soon as the relay drops it. Kinds, in turn: `huge` announces a 48 MiB pre-Hello message and streams it as fast as
// the socket takes it; `slowloris` trickles a frame one byte every 100 ms; `idle` holds 20 upgraded connections that
// send nothing (FLOOD_KINDS picks some: default huge,slowloris,idle). Reports its counts over IPC when asked ('stats'); stops on 'stop' or when the parent goes.
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';

const url = new URL(process.argv[2]);
const count = Number(process.env.FLOOD_ATTACKERS ?? 50);
const stats = { opened: 0, upgraded: 0, refused: 0, dropped: 0, cut: 0, bytes: 0 };
let stopping = false;

/** One raw connection that upgrades; `then(socket)` runs once it is a WebSocket. Resolves when it is gone. */
function upgrade(address, then) {
  return new Promise((resolve) => {
    stats.opened++;
    const socket = connect({ host: url.hostname, port: Number(url.port), localAddress: address });
    socket.on('error', () => {});
    let head = '';
    let upgraded = false;
    socket.on('data', (d) => {
      if (upgraded) return;
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      if (head.startsWith('HTTP/1.1 101')) {
        upgraded = true;
        stats.upgraded++;
        then(socket);
      } else stats.refused++;
    });
    socket.once('close', () => {
      if (upgraded) stats.cut++;
      else if (!head) stats.dropped++; // dropped before any HTTP answer (a banned address)
      resolve();
    });
    socket.write(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  });
}

/** A masked binary frame header announcing `length` bytes (mask all zero). */
function header(length) {
  const head = Buffer.alloc(14);
  head[0] = 0x82;
  head[1] = 0x80 | 127;
  head.writeBigUInt64BE(BigInt(length), 2);
  return head;
}

const chunk = Buffer.alloc(256 * 1024);
const kinds = {
  huge: (socket) => {
    let left = 48 << 20;
    socket.write(header(left));
    const pump = () => {
      while (!socket.destroyed && left > 0) {
        left -= chunk.length;
        stats.bytes += chunk.length;
        if (!socket.write(chunk)) return;
      }
    };
    socket.on('drain', pump);
    pump();
  },
  slowloris: (socket) => {
    socket.write(header(4096)); // a size any handshake limit lets through, sent too slowly to ever arrive
    const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : (socket.write(Buffer.alloc(1)), stats.bytes++)), 100);
  },
  idle: () => {},
};

async function attacker(kind, address) {
  const lanes = kind === 'idle' ? 20 : 1;
  await Promise.all(Array.from({ length: lanes }, async () => {
    while (!stopping) {
      await upgrade(address, kinds[kind]);
      // A refused or cut attacker comes straight back, a little apart so the loop does not spin on refusals.
      await new Promise((r) => setTimeout(r, 10));
    }
  }));
}

const names = (process.env.FLOOD_KINDS ?? 'huge,slowloris,idle').split(',');
for (let i = 0; i < count; i++) void attacker(names[i % names.length], `127.0.1.${i + 1}`);
process.send?.({ kind: 'ready', count });
process.on('message', (m) => {
  if (m === 'stats') process.send?.({ kind: 'stats', ...stats });
  if (m === 'stop') {
    stopping = true;
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
