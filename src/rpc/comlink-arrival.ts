// Delivery in arrival order across a comlinkEndpoint and the ports that crossed it.
//
// A message for the endpoint reaches its listeners at once; a message for a crossed port is posted into the
// MessageChannel whose other end the user holds, and reaches their listeners a task later. Without care, a message
// that arrived after a port message would overtake it: Comlink's "will proxy deeply nested values" sends a SET on a
// proxy's port, then (1 ms later) a GET on the endpoint, and when a link hands both over in one task (a ring read
// after the reader slept, a burst on a socket) the GET was answered before the SET was applied (got 5, expected 9).
//
// So after a hop into a port, a message for anything else (the endpoint, another port) waits for a fence: a message
// through a MessageChannel made after the hop was posted. Same-thread MessageChannels hand messages on in the order
// they were posted (Chromium queues them on one task queue; Node processes its ports' async handles oldest first, and
// the fence is always the newest), so when the fence lands the hop has landed. The user's end is never touched: one
// they started late or sent away simply gets its message later, and the fence does not wait for it. Messages for one
// port need no fence between them (a MessageChannel keeps its own order), so calls through one proxy post none; a
// fence is posted only when a message has to wait (a fence after every hop made calls through a proxy's port 2.5
// times as slow in Node: a MessageChannel costs ~0.1 ms to make there).

/**
 * Messages that may wait for fences at once. A peer alternating between ports makes every message wait a fence;
 * beyond this many waiting, memory is bounded by handing them on without waiting for the hops to land.
 */
export const MAX_WAITING_FOR_FENCE = 1024;

/** What one arrived message does. */
export interface Delivery {
  /** The port it is posted into (a hop: its listeners run a task later); undefined: it is delivered at once. */
  readonly port: object | undefined;
  run(): void;
  /** The link closed before it ran: release what it holds (the ports it carries). */
  drop(): void;
}

/** @internal */
export class ArrivalOrder {
  readonly #queue: Delivery[] = [];
  /** A hop went out that no fence posted after it has seen land: it may not have reached its listeners yet. */
  #hopPending = false;
  /** The port the latest hop went to. */
  #lastPort: object | undefined;
  /**
   * The fence in flight, and whether a hop went out after it was posted. Each fence is a new MessageChannel: Node
   * hands a port's messages on in the same pass when it is posted to from that port's own listener, so a reused
   * channel would land before a hop posted from there.
   */
  #fence: MessageChannel | undefined;
  #hopAfterFence = false;
  #closed = false;

  /**
   * Runs `delivery` now if nothing may overtake it, or after the hops before it landed. At most
   * MAX_WAITING_FOR_FENCE wait: beyond that, everything waiting is handed on at once, still in arrival order.
   */
  deliver(delivery: Delivery): void {
    if (this.#closed) return delivery.drop();
    if (this.#queue.length === 0 && this.#mayRun(delivery)) return this.#run(delivery);
    this.#queue.push(delivery);
    // A fence is posted only when something has to wait: a stream of messages for one port, or for the endpoint
    // alone, posts none.
    if (!this.#fence) this.#postFence();
    if (this.#queue.length < MAX_WAITING_FOR_FENCE) return;
    this.#endFence();
    for (const waiting of this.#queue.splice(0)) this.#run(waiting);
  }

  /** Nothing more runs; what waits is dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#endFence();
    for (const waiting of this.#queue.splice(0)) waiting.drop();
  }

  /**
   * Nothing can overtake `delivery` if no hop may be on its way, or if it is a hop into the port the latest hop went
   * to (that port's MessageChannel keeps the two in order).
   */
  #mayRun(delivery: Delivery): boolean {
    return !this.#hopPending || (delivery.port !== undefined && delivery.port === this.#lastPort);
  }

  #run(delivery: Delivery): void {
    delivery.run();
    if (delivery.port === undefined) return;
    this.#lastPort = delivery.port;
    this.#hopPending = true;
    if (this.#fence) this.#hopAfterFence = true;
  }

  #postFence(): void {
    const fence = new MessageChannel();
    this.#fence = fence;
    this.#hopAfterFence = false;
    fence.port2.onmessage = () => this.#landed(fence);
    // Node: a fence must not keep the process alive (the ports it waits for do, if anyone listens on them).
    (fence.port2 as { unref?: () => void }).unref?.();
    fence.port1.postMessage(null);
  }

  /** The fence landed: every hop posted before it has too. */
  #landed(fence: MessageChannel): void {
    if (this.#fence !== fence) return;
    this.#endFence();
    // A hop to the same port went out after this fence was posted: fence again past it before anything else runs.
    if (this.#hopAfterFence) return this.#postFence();
    this.#hopPending = false;
    // What waited runs in order until one has to wait for a hop run before it.
    while (this.#queue.length > 0) {
      if (!this.#mayRun(this.#queue[0]!)) return this.#postFence();
      this.#run(this.#queue.shift()!);
    }
  }

  #endFence(): void {
    const fence = this.#fence;
    if (!fence) return;
    this.#fence = undefined;
    fence.port2.onmessage = null;
    fence.port1.close();
    fence.port2.close();
  }
}
