// The seam between agents and the calls that reach them. The agent host needs only this: send a call to a node and
// get its reply; serve the calls that arrive. frameCalls() carries them as plain Request / Response / Error frames
// through a MeshNode (module_id = fnv1a64(agent name), method_hash = fnv1a32(method), payload = the arguments).
// When the RPC layer (src/rpc, expose/wrap) lands, it implements CallLink and the host does not change.
import { MessageType, Status } from '../wire/constants.js';
import { decodeBody } from '../wire/frame.js';
import type { ErrorBody } from '../session/messages.js';
import { meshError, MeshErrorCode } from './errors.js';
import type { MeshMessage, MeshNode } from './node.js';

/** A call's outcome as the wire carries it. */
export type Reply = { ok: true; value: unknown } | { ok: false; status: number; message: string; data?: unknown };

/** A call that arrived at this node. */
export interface IncomingCall {
  /** Caller's node id, hex. */
  from: string;
  moduleId: bigint;
  methodHash: number;
  args: unknown[];
}

/** How agent calls travel between nodes. */
export interface CallLink {
  /**
   * Sends one call to the node `to` (acked: it arrives once) and resolves with its reply. Rejects with MeshError
   * CALL_TIMEOUT after `timeoutMs`, or what sending throws (NO_ROUTE, CLOSED).
   */
  request(to: string, moduleId: bigint, methodHash: number, args: readonly unknown[], timeoutMs: number): Promise<Reply>;
  /** Serves the calls arriving at this node (one handler; a later call replaces it). */
  serve(handler: (call: IncomingCall) => Reply | Promise<Reply>): void;
  /** Rejects every pending request with CLOSED and stops serving. */
  close(): void;
}

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** A CallLink over Request / Response / Error frames of `node`. */
export function frameCalls(node: MeshNode): CallLink {
  const pending = new Map<number, Pending>();
  let handler: ((call: IncomingCall) => Reply | Promise<Reply>) | undefined;

  const answer = (to: string, requestId: bigint, reply: Reply): void => {
    try {
      if (reply.ok) node.send(to, { type: MessageType.Response, requestId, body: reply.value });
      else node.send(to, { type: MessageType.Error, requestId, body: { status: reply.status, message: reply.message, ...(reply.data === undefined ? {} : { data: reply.data }) } satisfies ErrorBody });
    } catch {
      // the caller is gone (or unreachable): its own deadline ends the call
    }
  };

  const off = node.on('message', ({ from, frame }: MeshMessage) => {
    if (frame.type === MessageType.Request) {
      if (!handler) return answer(from, frame.requestId, { ok: false, status: Status.ModuleNotFound, message: 'this node hosts no agents' });
      let args: unknown;
      try {
        args = frame.payloadLength ? decodeBody(frame) : [];
      } catch (error) {
        return answer(from, frame.requestId, { ok: false, status: Status.InvalidFrame, message: (error as Error).message });
      }
      if (!Array.isArray(args)) return answer(from, frame.requestId, { ok: false, status: Status.InvalidFrame, message: 'a Request payload must be an array of arguments' });
      const call = { from, moduleId: frame.moduleId, methodHash: frame.methodHash, args };
      void Promise.resolve()
        .then(() => handler!(call))
        .catch((error: unknown) => ({ ok: false as const, status: Status.ExecutionError, message: String((error as Error)?.message ?? error) }))
        .then((reply) => answer(from, frame.requestId, reply));
      return;
    }
    if (frame.type !== MessageType.Response && frame.type !== MessageType.Error) return;
    const id = Number(frame.requestId);
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    clearTimeout(p.timer);
    try {
      const body = frame.payloadLength ? decodeBody(frame) : undefined;
      if (frame.type === MessageType.Response) return p.resolve({ ok: true, value: body });
      const e = (body ?? {}) as Partial<ErrorBody>;
      p.resolve({ ok: false, status: e.status ?? Status.ExecutionError, message: e.message ?? 'remote error', ...(e.data === undefined ? {} : { data: e.data }) });
    } catch (error) {
      p.reject(error);
    }
  });

  return {
    request(to, moduleId, methodHash, args, timeoutMs) {
      return new Promise<Reply>((resolve, reject) => {
        const id = node.send(to, { type: MessageType.Request, moduleId, methodHash, ack: true, body: args });
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(meshError(MeshErrorCode.CALL_TIMEOUT, `no reply from node ${to} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
      });
    },
    serve(h) {
      handler = h;
    },
    close() {
      off();
      handler = undefined;
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        p.reject(meshError(MeshErrorCode.CLOSED, 'the agent host closed'));
        pending.delete(id);
      }
    },
  };
}
