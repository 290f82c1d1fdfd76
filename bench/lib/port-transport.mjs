// A swarmwire Transport over a worker_threads MessagePort, for bench/rpc.bench.mjs until the SDK's own
// postMessage transport (issue 3) is on this branch. Each frame is copied into its own buffer and transferred:
// frames are views into 64 KiB slabs, and posting a view would clone the whole slab.
import { BaseTransport } from 'swarmwire/transport';

class PortTransport extends BaseTransport {
  kind = 'postmessage';
  #port;
  constructor(port) {
    super();
    this.#port = port;
    port.on('message', (data) => this.emitMessage(data instanceof Uint8Array ? data : new Uint8Array(data)));
    port.start?.();
    queueMicrotask(() => this.emitOpen());
  }
  get bufferedAmount() {
    return 0;
  }
  send(frame) {
    if (this.state === 'closed') throw this.closedError();
    const copy = frame.slice();
    this.#port.postMessage(copy);
  }
  hasRoom() {
    return true;
  }
  onClose() {
    this.#port.close();
  }
}

/** A transport over `port` (one end of a MessageChannel); open in the next microtask. */
export const portTransport = (port) => new PortTransport(port);
