// Every call the adversarial suite makes into the SDK, in one file: the honest peers (mesh nodes, expose/wrap) and
// the attackers that get through the handshake with the SDK and then speak hand-built frames over the session.
// The identity and RPC-surface work changes parts of this API; adapt it here and nowhere else.
import { MeshNode, MessageType, connectSession, connectWebSocket, decodeBody, expose, wrap } from 'swarmwire';
import { idHex } from 'swarmwire/wire';

export { fnv1a32, fnv1a64 } from 'swarmwire/wire';

/** A mesh node connected to the relay at `wsUrl` (reconnecting, as a real peer does). Returns it and the relay's id. */
export async function meshNode(wsUrl, { name, role = 'edge' } = {}) {
  // MeshNode.create() makes a node with a fresh identity where the SDK has identities; plain construction before.
  const options = { role, metadata: { name } };
  const node = typeof MeshNode.create === 'function' ? await MeshNode.create(options) : new MeshNode(options);
  const relayId = await node.connect(() => connectWebSocket(wsUrl));
  return { node, relayId, id: node.idHex };
}

/** Serves `target` as module `name` to every node that calls this one. */
export function exposeToAll(node, target, name) {
  const serve = (link) => void expose(target, link, { name });
  node.onLink(serve);
  for (const link of node.links()) serve(link);
}

/** A typed proxy for module `name` on node `peer`, reached through `node`. */
export const remote = (node, peer, name, timeoutMs = 10_000) => wrap(node.link(peer), { name, timeoutMs });

/** Sends an acked Event with `body` from `node` to `peer` (routed through the relay). */
export const sendAcked = (node, peer, body) => node.send(peer, { ack: true, body });

/** Calls `listener({ from, type, body })` for every Event that reaches `node`. */
export function onEvent(node, listener) {
  node.on('message', (m) => {
    if (m.frame.type !== MessageType.Event) return;
    let body;
    try {
      body = decodeBody(m.frame);
    } catch {
      return;
    }
    listener({ from: m.from, body });
  });
}

/** Calls `listener` whenever `node`'s connection to the relay drops, even for a moment (a resume follows). */
export function onRelayDrop(node, relayId, listener) {
  node.on('disconnected', (peer) => peer === relayId && listener());
  node.link(relayId).onDisconnect(listener);
}
export const nextRequestId = (node) => node.nextRequestId();
export const closeNode = (node) => node.close();

/**
 * A bare session to the relay whose handshake the SDK runs (whatever proof of identity it needs), for an attacker
 * that then sends hand-built frames. `role` is what it claims in its Hello, `metadata` (besides its name) and
 * `capabilities` what else it says there. No reconnects: a relay that drops it is part of what the attack observes.
 */
export async function openSession(wsUrl, { role = 'edge', name = 'attacker', metadata = {}, capabilities, localAddress } = {}) {
  let transport;
  // From another address of this machine (127.0.0.x) when `localAddress` is given: the relay's per-address limits.
  const WebSocket = localAddress ? await fromAddress(localAddress) : undefined;
  const session = await connectSession(async () => (transport = await connectWebSocket(wsUrl, WebSocket ? { WebSocket } : {})), {
    role, metadata: { name, ...metadata }, reconnect: false, ...(capabilities ? { capabilities } : {}),
  });
  return {
    id: idHex(session.nodeId),
    relayId: session.peer.id,
    /** Sends one frame with a payload of hand-built bytes; returns its request id. Throws what Session.send throws. */
    send: ({ type, requestId, moduleId, methodHash, payload, ack = false }) =>
      session.send({ type, requestId, moduleId, methodHash, payload, ack }),
    /**
     * Writes whole frame bytes on the session's transport, past the session: fields the SDK would never write (a
     * request id of the attacker's choosing on an acked frame). Throws what the transport throws.
     */
    sendRaw: (bytes) => transport.send(bytes),
    /** Calls `listener(frameBytesFields)` with a copy of every application frame the relay sends it. */
    onFrame: (listener) => session.on('frame', (f) => listener({ type: f.type, features: f.features, requestId: f.requestId, moduleId: f.moduleId, methodHash: f.methodHash, payload: f.payload.slice() })),
    onClose: (listener) => session.on('close', (info) => listener({ code: info.code, reason: info.reason })),
    /** Resolves when it may send again (the transport has room). */
    ready: () => session.ready(),
    get open() {
      return session.state === 'open';
    },
    close: () => session.close(),
  };
}

/** A `ws` client class whose sockets leave from `localAddress`. */
async function fromAddress(localAddress) {
  const { default: WS } = await import('ws');
  return class extends WS {
    constructor(url, protocols) {
      super(url, protocols, { localAddress });
    }
  };
}
