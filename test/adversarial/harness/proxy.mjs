// A WebSocket man in the middle the attacker controls: an SDK peer connects through it to the relay, and the
// attacker records what the peer sent (a Hello to replay), drops the peer's Acks (a peer that never acks), or stops
// reading the relay's side (a slow reader) — the relay sees an ordinary peer misbehaving.
import { WebSocket, WebSocketServer } from 'ws';
import { T, concat, readFrames } from './wire.mjs';

const sendable = (code) => code >= 1000 && code <= 4999 && code !== 1005 && code !== 1006 && code !== 1015;

/** Starts a proxy to `upstreamUrl`; each client connection gets its own upstream socket. */
export async function startProxy(upstreamUrl) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 128 * 1024 * 1024, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const conns = [];
  const listeners = [];
  wss.on('connection', (client) => {
    const conn = new ProxyConn(client, upstreamUrl);
    conns.push(conn);
    for (const l of listeners) l(conn);
  });
  return {
    url: `ws://127.0.0.1:${wss.address().port}/ws`,
    conns,
    onConnection: (l) => listeners.push(l),
    async close() {
      for (const c of conns) c.destroy();
      await new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}

export class ProxyConn {
  /** What the client sent, message by message (after filtering), in order. */
  fromClient = [];
  /** Headers of the frames the relay sent (payloads kept only when small). */
  fromRelay = [];
  /** How the relay closed its side: `{ code, reason, at }`. */
  relayClose;
  /** Drops frames the client sends for which it returns true (the message is re-assembled without them). */
  dropFromClient = () => false;
  #pendingUp = [];

  constructor(client, upstreamUrl) {
    this.client = client;
    this.up = new WebSocket(upstreamUrl, { perMessageDeflate: false, maxPayload: 128 * 1024 * 1024 });
    this.opened = new Promise((resolve) => this.up.once('open', resolve));
    this.up.on('open', () => {
      for (const m of this.#pendingUp.splice(0)) this.up.send(m);
    });
    this.up.on('error', () => {});
    client.on('error', () => {});
    client.on('message', (data) => {
      let bytes = new Uint8Array(data);
      const frames = readFrames(bytes);
      if (frames.some((f) => this.dropFromClient(f))) {
        bytes = concat(frames.filter((f) => !this.dropFromClient(f)).map((f) => f.bytes));
        if (bytes.length === 0) return;
      }
      this.fromClient.push(bytes.slice());
      if (this.up.readyState === WebSocket.OPEN) this.up.send(bytes);
      else this.#pendingUp.push(bytes);
    });
    this.up.on('message', (data) => {
      const bytes = new Uint8Array(data);
      for (const f of readFrames(bytes)) {
        this.fromRelay.push({ type: f.type, requestId: f.requestId, payload: f.payload.length <= 1024 ? f.payload.slice() : undefined });
      }
      if (client.readyState === WebSocket.OPEN) client.send(bytes);
    });
    this.up.on('close', (code, reason) => {
      this.relayClose = { code, reason: String(reason), at: performance.now() };
      if (client.readyState === WebSocket.OPEN) sendable(code) ? client.close(code, reason) : client.terminate();
    });
    client.on('close', (code, reason) => {
      if (this.up.readyState === WebSocket.OPEN) sendable(code) ? this.up.close(code, reason) : this.up.terminate();
      else if (this.up.readyState === WebSocket.CONNECTING) this.up.terminate();
    });
  }

  /** The local port of the socket to the relay (how the relay's connection table names it). */
  get upstreamPort() {
    return this.up._socket?.localPort;
  }

  /** Stops reading what the relay sends: its buffers for this peer fill. */
  pauseRelay() {
    this.up.pause();
  }

  resumeRelay() {
    this.up.resume();
  }

  /** True once a frame of `type` came from the relay (and `match(payload)` holds, if given). */
  sawFromRelay(type, match = () => true) {
    return this.fromRelay.some((f) => f.type === type && match(f.payload));
  }

  destroy() {
    this.up.terminate();
    this.client.terminate();
  }
}

/** True for a session's Ack frames (what a peer that never acks holds back). */
export const isAck = (f) => f.type === T.Ack;
