// A WebSocket client written on a bare TCP socket, for what no WebSocket library lets a client do: announce a
// 48 MiB message and stream it at the socket's pace, trickle bytes one at a time, ignore the server's Close and
// keep the connection open. It reads the server's frames and notes when the relay closed or destroyed the socket.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

const CHUNK = 64 * 1024;

/**
 * Opens a TCP connection to the relay at `wsUrl` and upgrades it (the request written at once, or one byte every
 * `trickleMs`). Resolves with the socket once the server answered 101 — or with `refused` set when it answered
 * anything else or closed first. `localAddress` picks the attacker's source address (127.0.0.x).
 */
export async function rawWebSocket(wsUrl, options = {}) {
  const raw = openRaw(wsUrl, options);
  await raw.upgrade;
  return raw;
}

/** rawWebSocket without the wait: the socket at once, its `upgrade` promise settling as rawWebSocket's would. */
export function openRaw(wsUrl, { localAddress, trickleMs } = {}) {
  const url = new URL(wsUrl);
  const raw = new RawSocket();
  const socket = connect({ host: url.hostname, port: Number(url.port), localAddress });
  raw.socket = socket;
  socket.setNoDelay(true);
  socket.on('error', () => {});
  const request = Buffer.from(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  raw.upgrade = new Promise((resolve) => {
    let head = Buffer.alloc(0);
    const onData = (d) => {
      if (raw.upgraded) return raw.onBytes(d);
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      raw.status = head.subarray(0, head.indexOf('\r\n')).toString();
      if (!/^HTTP\/1\.1 101/.test(raw.status)) {
        raw.refused = raw.status;
        return resolve(raw);
      }
      raw.upgraded = true;
      raw.openedAt = performance.now();
      resolve(raw);
      if (head.length > end + 4) raw.onBytes(head.subarray(end + 4));
    };
    socket.on('data', onData);
    socket.on('close', () => {
      raw.endedAt = performance.now();
      raw.writtenAtRefusal ??= raw.written;
      if (!raw.upgraded) {
        raw.refused ??= 'closed before the upgrade';
        resolve(raw);
      }
    });
    socket.once('connect', async () => {
      raw.localPort = socket.localPort;
      if (!trickleMs) return void socket.write(request);
      for (let i = 0; i < request.length && !socket.destroyed && !raw.upgraded && raw.endedAt === undefined; i++) {
        socket.write(request.subarray(i, i + 1));
        await sleep(trickleMs);
      }
    });
  });
  return raw;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class RawSocket {
  socket;
  /** Settles once the upgrade was answered (or refused). */
  upgrade;
  upgraded = false;
  status;
  refused;
  localPort;
  openedAt;
  /** When the relay's Close frame arrived, and its code. */
  closeFrameAt;
  closeCode;
  /** When the TCP connection ended (the relay closed or destroyed it). */
  endedAt;
  /** Payload bytes written so far, and how many had been when the relay first said no (a Close, or the end). */
  written = 0;
  writtenAtRefusal;
  /** Binary messages received (whole frames' payloads). */
  messages = [];
  #buffer = Buffer.alloc(0);

  get ended() {
    return this.endedAt !== undefined;
  }

  onBytes(d) {
    this.#buffer = Buffer.concat([this.#buffer, d]);
    for (;;) {
      const b = this.#buffer;
      if (b.length < 2) return;
      let length = b[1] & 0x7f;
      let at = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      if (b.length < at + length) return;
      const opcode = b[0] & 0x0f;
      const payload = b.subarray(at, at + length);
      this.#buffer = b.subarray(at + length);
      if (opcode === 0x8) {
        this.writtenAtRefusal ??= this.written;
        this.closeFrameAt ??= performance.now();
        this.closeCode ??= payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      } else if (opcode === 0x2) {
        this.messages.push(new Uint8Array(payload));
      }
    }
  }

  /** Writes one whole binary message (masked, as a client must). */
  send(payload) {
    this.#write(header(payload.length, 0x82));
    this.#writeMasked(payload);
  }

  /** Writes raw bytes as they are (a header, a partial frame). */
  writeRaw(bytes) {
    this.#write(bytes);
  }

  /**
   * Announces one binary message of `length` bytes and streams it in 64 KiB pieces at the pace the socket takes
   * them, until it is all sent or the relay ends the connection: `prefix` first (a length divisible by 4), then
   * zeros. Resolves with the payload bytes written.
   */
  async stream(length, prefix = new Uint8Array(0)) {
    const mask = randomBytes(4);
    this.#write(Buffer.concat([header(length, 0x82), mask, Buffer.from(prefix.map((b, i) => b ^ mask[i & 3]))]));
    this.written = prefix.length;
    const piece = Buffer.alloc(CHUNK); // zeros, masked: the mask repeated (CHUNK is a multiple of 4)
    for (let i = 0; i < CHUNK; i++) piece[i] = mask[i & 3];
    while (this.written < length && !this.ended && !this.socket.destroyed) {
      const n = Math.min(CHUNK, length - this.written);
      this.written += n;
      if (!this.socket.write(n === CHUNK ? piece : piece.subarray(0, n))) {
        await new Promise((resolve) => {
          const done = () => (this.socket.off('drain', done), this.socket.off('close', done), resolve());
          this.socket.on('drain', done);
          this.socket.on('close', done);
        });
      }
    }
    return this.written;
  }

  /** Writes `bytes` (one binary message, masked) one byte every `everyMs`, until done or the connection ends. */
  async trickle(payload, everyMs) {
    const mask = randomBytes(4);
    const framed = Buffer.concat([header(payload.length, 0x82), mask, Buffer.from(payload.map((b, i) => b ^ mask[i & 3]))]);
    for (let i = 0; i < framed.length && !this.ended && !this.socket.destroyed; i++) {
      this.socket.write(framed.subarray(i, i + 1));
      this.written++;
      await sleep(everyMs);
    }
  }

  #writeMasked(payload) {
    const mask = randomBytes(4);
    const out = Buffer.alloc(4 + payload.length);
    mask.copy(out, 0);
    for (let i = 0; i < payload.length; i++) out[4 + i] = payload[i] ^ mask[i & 3];
    this.#write(out);
  }

  #write(bytes) {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Resolves once the relay ended the TCP connection, or after `ms`; true if it ended. */
  async waitEnded(ms) {
    const end = performance.now() + ms;
    while (!this.ended && performance.now() < end) await sleep(20);
    return this.ended;
  }

  destroy() {
    this.socket.destroy();
  }
}

/** A masked client frame's header for `length` payload bytes, without the mask key (the caller writes it next). */
function header(length, first) {
  let h;
  if (length < 126) h = Buffer.from([first, 0x80 | length]);
  else if (length < 0x10000) {
    h = Buffer.alloc(4);
    h[0] = first;
    h[1] = 0x80 | 126;
    h.writeUInt16BE(length, 2);
  } else {
    h = Buffer.alloc(10);
    h[0] = first;
    h[1] = 0x80 | 127;
    h.writeBigUInt64BE(BigInt(length), 2);
  }
  return h;
}
