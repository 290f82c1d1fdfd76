// The Deno relay's TCP front: the deadline on HTTP request heads that Deno.serve lacks (denoland/deno#3515 — it
// has no header timeout and hands no socket over, so a client trickling a header, or sending nothing at all, held
// its connection for as long as it liked). The front owns the public port and carries each connection to
// Deno.serve on a loopback port, byte for byte, and closes both sides of any connection that is not a WebSocket
// and has not completed a request head within the deadline of its opening, or of its previous head: the rule the
// Node relay gets from node:http (headersTimeout, requestTimeout), with the same figure. Once Deno.serve has
// answered 101 the connection is a WebSocket, and the handshake gate's deadline takes over. Deno only.

/** The part of Deno's TCP API the front uses. */
export interface DenoNet {
  listen(options: { hostname: string; port: number }): DenoListener;
  connect(options: { hostname: string; port: number }): Promise<DenoConn>;
}
interface DenoListener extends AsyncIterable<DenoConn> {
  readonly addr: { port: number };
  close(): void;
}
interface DenoConn {
  readonly remoteAddr: { hostname?: string; port?: number };
  readonly localAddr: { port?: number };
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  close(): void;
}

export interface DenoFront {
  /** The public port (the one asked for, or the one picked for 0). */
  readonly port: number;
  /** Connections closed at the head deadline so far. */
  readonly cut: number;
  /** The client's address of the connection Deno.serve sees coming from loopback port `port` (the front's side). */
  address(port: number | undefined): string | undefined;
  /** Stops listening and closes every connection. */
  close(): void;
}

/** 'HTTP/1.1 101': how a response that makes the connection a WebSocket begins. */
const SWITCHING = /* @__PURE__ */ new TextEncoder().encode('HTTP/1.1 101');

/**
 * Listens on `hostname`:`port` and carries every connection to 127.0.0.1:`to` (where Deno.serve listens), closing
 * those whose request head is not complete within `deadlineMs`. Throws as Deno.listen does when the port is taken.
 */
export function startDenoFront(deno: DenoNet, options: { hostname: string; port: number; to: number; deadlineMs: number }): DenoFront {
  const listener = deno.listen({ hostname: options.hostname, port: options.port });
  const clients = new Map<number, string>();
  const open = new Set<DenoConn>();
  let cut = 0;
  let closed = false;

  const carry = async (outer: DenoConn): Promise<void> => {
    open.add(outer);
    let inner: DenoConn | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const end = (): void => {
      clearTimeout(timer);
      for (const c of [outer, inner]) {
        if (!c || !open.delete(c)) continue;
        try {
          c.close();
        } catch {
          // already closed
        }
      }
    };
    // A head must be complete by then: from the opening, and again from each head that completed.
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => (cut++, end()), options.deadlineMs);
    };
    arm();
    try {
      inner = await deno.connect({ hostname: '127.0.0.1', port: options.to });
    } catch {
      return end();
    }
    if (!open.has(outer)) return end(); // cut while connecting
    open.add(inner);
    const key = inner.localAddr.port ?? -1;
    clients.set(key, outer.remoteAddr.hostname ?? '');
    let websocket = false;
    let lineFeed = false; // the last byte of the head so far ended a line (a CR after it does not count)
    let content = false; // the head so far has more than line ends: empty lines alone never rearm the deadline
    const heads = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        if (!websocket) {
          for (const b of chunk) {
            if (b === 10) {
              if (lineFeed && content) (arm(), (content = false)); // an empty line after the head's lines: complete
              lineFeed = !lineFeed;
            } else if (b !== 13) (lineFeed = false), (content = true);
          }
        }
        out.enqueue(chunk);
      },
    });
    const answers = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        if (!websocket && SWITCHING.every((b, i) => chunk[i] === b)) {
          websocket = true;
          clearTimeout(timer);
        }
        out.enqueue(chunk);
      },
    });
    try {
      // Either side ending ends the connection: a client that stops reading or writing holds nothing.
      await Promise.race([
        outer.readable.pipeThrough(heads).pipeTo(inner.writable),
        inner.readable.pipeThrough(answers).pipeTo(outer.writable),
      ]);
    } catch {
      // a reset on either side
    } finally {
      clients.delete(key);
      end();
    }
  };

  void (async () => {
    for await (const conn of listener) {
      if (closed) conn.close();
      else void carry(conn);
    }
  })().catch(() => {
    // the listener was closed
  });

  return {
    port: listener.addr.port,
    get cut() {
      return cut;
    },
    address: (port) => (port === undefined ? undefined : clients.get(port)),
    close() {
      closed = true;
      try {
        listener.close();
      } catch {
        // already closed
      }
      for (const c of [...open]) {
        open.delete(c);
        try {
          c.close();
        } catch {
          // already closed
        }
      }
    },
  };
}
