// Limits on the connections a WebSocket server holds before their handshake completes. Anyone can open one, so
// what such a connection can cost is bounded here, before any WebSocket exists and while its bytes stream in: how
// many are handshaking at once (in all, and per remote address), how large a message and how many bytes each may
// send, how long it may take, and, for an address that broke a limit, whether it may connect at all for a while. The server host (the Node relay, listenWebSocket, the Deno relay) asks the gate
// before upgrading and tells it when the session layer has completed the handshake (accept() resolved).
import { CHECKSUM_SIZE, HANDSHAKE_MAX_PAYLOAD, HEADER_SIZE } from '../wire/constants.js';
import { Counts } from '../core/counts.js';
import { addressKey } from './address-key.js';
import { WebSocketWatch } from './websocket-watch.js';

export interface HandshakeLimits {
  /**
   * Largest message a connection may send before its handshake completes, bytes: a handshake frame of the session
   * layer's 64 KiB handshake limit (HANDSHAKE_MAX_PAYLOAD) with its header and checksum. A larger one is refused as
   * soon as its WebSocket header announces it: the socket is destroyed before the payload is read (Node).
   * Default: 65,572.
   */
  maxHandshakeMessage: number;
  /**
   * Bytes a connection may send before its handshake completes, WebSocket framing included; one more and the
   * socket is destroyed (Node). Room for two handshake messages of the largest size, and pings. Default: 163,840.
   */
  maxHandshakeBytes: number;
  /** Connections handshaking at once; one more upgrade is refused with HTTP 503 before any WebSocket exists. Default: 1,024. */
  maxHandshaking: number;
  /** Connections handshaking at once from one remote address; one more is refused with HTTP 429. Default: 64. */
  maxHandshakingPerAddress: number;
  /**
   * A connection whose handshake has not completed this long after its upgrade is destroyed (Node; the session's
   * own deadline, handshakeTimeoutMs, has already closed it politely: this is the backstop). Default: 11,000 ms.
   */
  handshakeDeadlineMs: number;
  /**
   * After a connection from an address breaks the message or byte limit (no honest client does), new connections
   * from that address are dropped as they arrive, before any HTTP is read, for this long: an attacker that reconnects
   * at once then costs an accept, not an upgrade and a megabyte of buffered bytes each time. 0 turns it off.
   * Default: 10,000 ms.
   */
  banMs: number;
}

// Made by a pure call: it reads other modules' constants, which a bundler cannot prove free of side effects.
export const DEFAULT_HANDSHAKE_LIMITS: Readonly<HandshakeLimits> = /* @__PURE__ */ (() => ({
  maxHandshakeMessage: HANDSHAKE_MAX_PAYLOAD + HEADER_SIZE + CHECKSUM_SIZE,
  maxHandshakeBytes: 160 * 1024,
  maxHandshaking: 1024,
  maxHandshakingPerAddress: 64,
  handshakeDeadlineMs: handshakeDeadline(),
  banMs: 10_000,
}))();

/**
 * The deadline of a connection that has not completed its handshake, and of an HTTP request's headers, on a server
 * whose sessions allow `handshakeTimeoutMs` for the handshake (the session layer's default, 10 s): one second past
 * it, so the session's own timeout closes politely first and this destroys what is left. The one place the relays
 * take the figure from.
 */
export function handshakeDeadline(handshakeTimeoutMs = 10_000): number {
  return handshakeTimeoutMs + 1_000;
}

/** Addresses banned at once, at most: past it the oldest ban is forgotten (an attacker with many addresses cannot grow the table). */
const MAX_BANS = 65_536;

/** HTTP statuses an upgrade is refused with: every place taken (503), or every place of its address (429). */
export type Refusal = 503 | 429;

/** The part of a Node socket (net.Socket, stream.Duplex) the gate watches. */
export interface GuardedSocket {
  prependListener(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  removeListener(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  removeListener(event: 'close', listener: () => void): unknown;
  once(event: 'close', listener: () => void): unknown;
  destroy(): void;
}

/** A connection let through the gate. */
export interface Pass {
  /** The handshake completed: the connection stops counting and its socket is no longer watched. Idempotent. */
  done(): void;
}

/**
 * Connections refused before their handshake completed, by reason, as a gate counts them: every place taken (503),
 * every place of the address taken (429), the address banned (dropped on arrival), a message or byte limit broken
 * (cut), the deadline passed. The server that owns the gate adds its own reasons (a wrong path, an origin refused).
 */
export type Refusals = Record<string, number>;

export class HandshakeGate {
  readonly limits: Readonly<HandshakeLimits>;
  /** Connections refused so far, by reason: busy, address_busy, banned, too_large, deadline, and the server's own. */
  readonly refused: Refusals = { busy: 0, address_busy: 0, banned: 0, too_large: 0, deadline: 0 };
  #handshaking = 0;
  readonly #perAddress = new Counts();
  /** Banned address → until when (performance.now()), oldest first. */
  readonly #bans = new Map<string, number>();

  constructor(limits: Readonly<Partial<HandshakeLimits>> = {}) {
    this.limits = { ...DEFAULT_HANDSHAKE_LIMITS, ...limits };
  }

  /** Connections handshaking now. */
  get handshaking(): number {
    return this.#handshaking;
  }

  /** True while connections from `address` are dropped on arrival (it broke a handshake limit within banMs). */
  banned(address: string): boolean {
    address = addressKey(address);
    const until = this.#bans.get(address);
    if (until === undefined) return false;
    if (performance.now() < until) return true;
    this.#bans.delete(address);
    return false;
  }

  #ban(address: string): void {
    if (this.limits.banMs <= 0) return;
    address = addressKey(address);
    this.#bans.delete(address); // re-inserted last: the table stays in expiry order
    this.#bans.set(address, performance.now() + this.limits.banMs);
    if (this.#bans.size > MAX_BANS) this.#bans.delete(this.#bans.keys().next().value!);
  }

  /**
   * Drops connections from banned addresses as a Node server accepts them, before its HTTP parser reads a byte.
   * `server`: an http.Server (or any net.Server).
   */
  screen(server: { prependListener(event: 'connection', listener: (socket: { remoteAddress?: string; destroy(): void }) => void): unknown }): void {
    server.prependListener('connection', (socket) => {
      if (this.#bans.size > 0 && this.banned(socket.remoteAddress ?? '')) (this.refused.banned!++, socket.destroy());
    });
  }

  /** Takes a place for a connection from `address`: its Pass (done() gives the place back), or the status that refuses it. */
  admit(address: string): Pass | Refusal {
    if (this.#handshaking >= this.limits.maxHandshaking) return (this.refused.busy!++, 503);
    address = addressKey(address); // an IPv6 peer counts by its /64, as for open peers
    const mine = this.#perAddress.of(address);
    if (mine >= this.limits.maxHandshakingPerAddress) return (this.refused.address_busy!++, 429);
    this.#handshaking++;
    this.#perAddress.add(address);
    let open = true;
    return {
      done: () => {
        if (!open) return;
        open = false;
        this.#handshaking--;
        this.#perAddress.remove(address);
      },
    };
  }

  /**
   * Admits a connection from `address` (a place, as admit() takes it) and calls `destroy` if its Pass is not done
   * within handshakeDeadlineMs, giving the place back then. For connections whose bytes the gate cannot watch
   * (WebTransport sessions, Deno's WebSockets): the cap and the deadline still hold.
   */
  hold(address: string, destroy: () => void): Pass | Refusal {
    const pass = this.admit(address);
    if (typeof pass === 'number') return pass;
    const timer = setTimeout(() => {
      this.refused.deadline!++;
      pass.done();
      destroy();
    }, this.limits.handshakeDeadlineMs);
    (timer as { unref?: () => void }).unref?.();
    return {
      done: () => {
        clearTimeout(timer);
        pass.done();
      },
    };
  }

  /**
   * Admits a Node socket about to be upgraded and watches it until its Pass is done: a message announced over
   * maxHandshakeMessage, bytes past maxHandshakeBytes or the deadline destroy it. Call before the upgrade, in the
   * same tick (the watch sees every byte, `head` included, once the upgrade puts it back into the socket).
   */
  guard(socket: GuardedSocket, address: string): Pass | Refusal {
    const pass = this.hold(address, () => socket.destroy());
    if (typeof pass === 'number') return pass;
    const watch = new WebSocketWatch(this.limits.maxHandshakeMessage, this.limits.maxHandshakeBytes);
    const onData = (chunk: Uint8Array): void => {
      if (watch.feed(chunk) === 'ok') return;
      this.refused.too_large!++;
      this.#ban(address);
      socket.destroy();
    };
    const done = (): void => {
      socket.removeListener('data', onData);
      // Left on the socket, this listener would keep the watch, its timer and these closures for as long as the
      // peer stays connected (~0.7 KB per peer on a relay).
      socket.removeListener('close', done);
      pass.done();
    };
    // First in line, so a refused message is cut before `ws` buffers the chunk that announced it.
    socket.prependListener('data', onData);
    socket.once('close', done);
    return { done };
  }
}

/** The raw HTTP answer refusing an upgrade with `status`, before any WebSocket exists. */
export function refusalResponse(status: Refusal | 403 | 404): string {
  const text = { 503: 'Service Unavailable', 429: 'Too Many Requests', 403: 'Forbidden', 404: 'Not Found' }[status];
  return `HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`;
}
