// HTTP spoken on a bare TCP socket, for what no HTTP client sends: request lines a URL parser refuses, headers past
// every limit, pipelines, requests trickled a byte at a time. Each resolves with what the server answered (its
// status line, or how the connection ended), never throws.
import { connect } from 'node:net';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Writes `bytes` (a string or bytes) to `url`'s host and port and reads until the server ends the connection or
 * `timeoutMs` passes. `statuses` are the status codes of the responses it read, in order.
 */
export function rawRequest(url, bytes, { timeoutMs = 2_000, localAddress } = {}) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port), localAddress });
    let text = '';
    let ended = false;
    const timer = setTimeout(() => finish(), timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
      resolve({ statuses, ended, bytes: text.length, body: text });
    };
    socket.on('error', () => {});
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('close', () => ((ended = true), finish()));
    socket.once('connect', () => socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes));
  });
}

/**
 * Opens a connection and trickles `text` one byte every `everyMs`, then the letter `a` forever (a header value that
 * never ends); resolves with the ms from opening until the server ended the connection (Infinity if it had not
 * within `giveUpMs`).
 */
export function trickleRequest(url, text, { everyMs = 200, giveUpMs = 20_000, localAddress } = {}) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port), localAddress });
    const opened = performance.now();
    let endedAt;
    socket.on('error', () => {});
    socket.on('data', () => {});
    let connected = false;
    socket.on('close', () => {
      endedAt = performance.now();
      if (!connected) resolve(0); // refused outright
    });
    socket.once('connect', async () => {
      connected = true;
      const bytes = Buffer.from(text, 'latin1');
      const giveUp = opened + giveUpMs;
      for (let i = 0; endedAt === undefined && performance.now() < giveUp; i++) {
        socket.write(i < bytes.length ? bytes.subarray(i, i + 1) : 'a');
        await sleep(everyMs);
      }
      socket.destroy();
      resolve(endedAt === undefined ? Infinity : endedAt - opened);
    });
  });
}
