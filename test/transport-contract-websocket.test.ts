// The transport contract (test/transport-contract.ts) on WebSocket in Node: a real `ws` client through
// connectWebSocket against a real listenWebSocket server on 127.0.0.1, one listener per pair. The dialling side is
// `a` (it starts connecting, as the contract allows); the accepted side is `b`, open from the start.
import { afterEach, describe, it } from 'vitest';
import { connectWebSocket, type WebSocketTransport } from '../src/transport/websocket.js';
import { listenWebSocket, type WebSocketListener } from '../src/transport/websocket-node.js';
import type { Transport } from '../src/transport/transport.js';
import { CONTRACT_CASES, type PairFactory, within } from './transport-contract.js';

const listeners: WebSocketListener[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

const pair: PairFactory = async (options = {}) => {
  let accepted!: (t: WebSocketTransport) => void;
  const server = new Promise<WebSocketTransport>((resolve) => (accepted = resolve));
  const listener = await listenWebSocket((t) => accepted(t), options);
  listeners.push(listener);
  const client = connectWebSocket(listener.url, options);
  return [client, await within(server, 'the accepted WebSocket')] as [Transport, Transport];
};

describe('websocket transport (Node ws client and server): the contract', () => {
  for (const c of CONTRACT_CASES) it(c.name, () => c.run(pair, { frameLimit: 'maxMessageBytes' }));
});
