// memlink's node-control frames, both ends: LoadModule (32) brings agent kinds to a node by importing an ES module,
// UnloadModule (33) takes them away (stopping their agents), Stats (48) asks a node for its figures. A node serves
// them with serveControl(); any node asks with loadModule(), unloadModule() and nodeStats(). The payloads and rules
// are in docs/protocol.md ("Node control").
//
// Loading code is what an attacker would most like to make a node do, so only the node's owners (ids given to
// serveControl, proven in the handshake) may send LoadModule and UnloadModule; anyone may ask for Stats.
import { MessageType, Status } from '../wire/constants.js';
import { decodeBody } from '../wire/frame.js';
import { SwarmwireError } from '../wire/errors.js';
import type { ErrorBody } from '../session/messages.js';
import type { AgentHost, AgentInfo } from './agent-host.js';
import { meshError, MeshErrorCode } from './errors.js';
import { idBytes, idHex } from './ids.js';
import type { ModuleInfo, StatsBody } from './messages.js';
import type { ConnectionStats, MeshMessage, MeshNode, NodeStats } from './node.js';
import { parseModuleInfo, parseModuleRequest, parseStats } from './parse.js';
import { importByUrl } from './import-url.js';

/**
 * An agent kind as a module exports it or a worker registers it: a class, built with `new Kind(host)`, or a factory
 * function (no prototype: an arrow or async function), called as `make(host)`. `host` is the AgentHost the agent
 * lives on, for calling other agents; keep it in a private field (`#host`), so that it is not part of the snapshot.
 */
export type AgentKind = (new (host: AgentHost) => object) | ((host: AgentHost) => object);

export interface ControlOptions {
  /** Node ids (hex) that may send LoadModule and UnloadModule; others are answered Unauthorized. Default: none. */
  owners: Iterable<string>;
  /** How a module is imported. Default: `(url) => import(url)`. */
  importModule: (url: string) => Promise<Readonly<Record<string, unknown>>>;
}

/** What serveControl() returns. */
export interface ControlServer {
  /** The modules loaded through LoadModule, with their kinds. */
  modules(): ModuleInfo[];
  /** Stops answering the control frames (the kinds stay defined). */
  close(): void;
}

/** A node's figures, as Stats answers them: NodeStats plus its agents and modules. */
export interface RemoteStats extends NodeStats {
  agents: AgentInfo[];
  modules: ModuleInfo[];
}

/** The agent kinds a module exports: every function export under its name; a default export under its own name. */
export function kindsOf(module: Readonly<Record<string, unknown>>): Map<string, AgentKind> {
  const kinds = new Map<string, AgentKind>();
  for (const [key, value] of Object.entries(module)) {
    if (typeof value === 'function') kinds.set(key === 'default' ? value.name || 'default' : key, value as AgentKind);
  }
  return kinds;
}

/** Builds one agent of `kind` for `host`: classes (anything with a prototype) with `new`, factories by a call. */
export function construct(kind: AgentKind, host: AgentHost): object {
  const made: unknown = 'prototype' in kind && kind.prototype ? new (kind as new (h: AgentHost) => object)(host) : (kind as (h: AgentHost) => object)(host);
  if (typeof made !== 'object' || made === null) throw new TypeError(`[swarmwire] the agent kind ${kind.name || '(anonymous)'} made ${made === null ? 'null' : typeof made}, not an object`);
  return made;
}

/** Answers LoadModule, UnloadModule and Stats that reach `host`'s node. */
export function serveControl(host: AgentHost, options: Readonly<Partial<ControlOptions>> = {}): ControlServer {
  const node = host.node;
  const owners = new Set([...(options.owners ?? [])].map((id) => idHex(idBytes(id))));
  const importModule = options.importModule ?? importByUrl;
  const loaded = new Map<string, string[]>();
  /** Loads of one URL in flight: a second LoadModule of it waits for the first. */
  const loading = new Map<string, Promise<ModuleInfo>>();

  const reply = (to: string, requestId: bigint, body: unknown): void => {
    try {
      node.send(to, { type: MessageType.Response, requestId, body });
    } catch {
      // the asker is gone; its own deadline ends its wait
    }
  };
  const refuse = (to: string, requestId: bigint, error: unknown): void => {
    const status = error instanceof SwarmwireError ? error.status : Status.ExecutionError;
    try {
      node.send(to, { type: MessageType.Error, requestId, body: { status, message: (error as Error).message } satisfies ErrorBody });
    } catch {
      // as above
    }
  };
  const owned = (from: string, what: string): void => {
    if (!owners.has(from)) throw meshError(MeshErrorCode.MODULE, `node ${from} may not ${what} on ${node.idHex}: only its owner may`, Status.Unauthorized);
  };

  const load = async (url: string): Promise<ModuleInfo> => {
    const known = loaded.get(url);
    if (known) return { url, kinds: [...known] };
    let module: Readonly<Record<string, unknown>>;
    try {
      module = await importModule(url);
    } catch (error) {
      throw meshError(MeshErrorCode.MODULE, `cannot import ${url}: ${(error as Error)?.message ?? String(error)}`, Status.ModuleNotFound);
    }
    const kinds = kindsOf(module);
    if (kinds.size === 0) throw meshError(MeshErrorCode.MODULE, `${url} exports no class or factory to host as an agent kind`);
    // All or nothing: a kind another module (or the worker's start) defined is not replaced behind its agents' back.
    const taken = [...kinds.keys()].filter((k) => host.kinds().includes(k));
    if (taken.length > 0) throw meshError(MeshErrorCode.MODULE, `${url} defines ${taken.map((k) => `"${k}"`).join(', ')}, already defined on ${node.idHex}`);
    for (const [name, kind] of kinds) host.define(name, () => construct(kind, host));
    loaded.set(url, [...kinds.keys()]);
    return { url, kinds: [...kinds.keys()] };
  };

  const unload = (url: string): ModuleInfo => {
    const kinds = loaded.get(url);
    if (!kinds) throw meshError(MeshErrorCode.MODULE, `${url} is not loaded on ${node.idHex}`, Status.ModuleNotFound);
    const moving = host.agents().filter((a) => kinds.includes(a.kind) && a.state !== 'active');
    if (moving.length > 0) throw meshError(MeshErrorCode.MODULE, `agents of ${url} are moving (${moving.map((a) => a.name).join(', ')}): unload it once they arrived`);
    const stopped = host.agents().filter((a) => kinds.includes(a.kind)).map((a) => a.name);
    for (const name of stopped) host.remove(name);
    for (const kind of kinds) host.undefine(kind);
    loaded.delete(url);
    return { url, kinds, stopped };
  };

  const modules = (): ModuleInfo[] => [...loaded].map(([url, kinds]) => ({ url, kinds: [...kinds] }));

  const onMessage = ({ from, frame }: MeshMessage): void => {
    const { requestId } = frame;
    try {
      switch (frame.type) {
        case MessageType.LoadModule: {
          owned(from, 'load modules');
          const { url } = parseModuleRequest(decodeBody(frame), 'LoadModule');
          let pending = loading.get(url);
          if (!pending) {
            pending = load(url).finally(() => loading.delete(url));
            loading.set(url, pending);
          }
          pending.then((info) => reply(from, requestId, info), (error: unknown) => refuse(from, requestId, error));
          return;
        }
        case MessageType.UnloadModule: {
          owned(from, 'unload modules');
          const { url } = parseModuleRequest(decodeBody(frame), 'UnloadModule');
          return reply(from, requestId, unload(url));
        }
        case MessageType.Stats:
          return reply(from, requestId, statsBody(node.stats(), host.agents(), modules()));
      }
    } catch (error) {
      refuse(from, requestId, error);
    }
  };
  const off = node.on('message', onMessage);
  return { modules, close: off };
}

/** The Stats answer: `stats` with its ids as bin(16). */
function statsBody(stats: NodeStats, agents: AgentInfo[], modules: ModuleInfo[]): StatsBody {
  return {
    ...stats, id: idBytes(stats.id), connections: stats.connections.map((c) => ({ ...c, peer: idBytes(c.peer) })),
    agents, modules,
  };
}

/** Default deadline of a control request, ms. */
const CONTROL_TIMEOUT_MS = 10_000;

/**
 * Sends one control frame to `to` and resolves with the payload of its Response; rejects with the MeshError its
 * Error carries (code MODULE for LoadModule/UnloadModule refusals), or TIMEOUT after `timeoutMs`.
 */
function ask(node: MeshNode, to: string, type: MessageType, body: unknown, timeoutMs: number, what: string): Promise<unknown> {
  const target = idHex(idBytes(to));
  // An Error about a routed frame may come from the relay it left through (no such node) rather than from `to`.
  const via = node.router.nextHop(target) ?? node.router.defaultHop();
  return new Promise<unknown>((resolve, reject) => {
    let id = -1;
    const done = (): void => {
      clearTimeout(timer);
      off();
    };
    const off = node.on('message', ({ from, frame }) => {
      if (Number(frame.requestId) !== id) return;
      if (frame.type === MessageType.Response && from === target) {
        done();
        try {
          resolve(decodeBody(frame));
        } catch (error) {
          reject(error);
        }
      } else if (frame.type === MessageType.Error && (from === target || from === via)) {
        done();
        let e: Partial<ErrorBody> = {};
        try {
          e = decodeBody<ErrorBody>(frame) ?? {};
        } catch {
          // an Error whose body does not decode still ends the request
        }
        const status = (typeof e.status === 'number' ? e.status : Status.ExecutionError) as Status;
        reject(meshError(type === MessageType.Stats ? MeshErrorCode.UNDELIVERABLE : MeshErrorCode.MODULE, `${what} refused by ${from}: ${e.message ?? 'no reason given'}`, status));
      }
    });
    const timer = setTimeout(() => {
      off();
      reject(meshError(MeshErrorCode.TIMEOUT, `${what}: no answer from ${target} within ${timeoutMs} ms`));
    }, timeoutMs);
    try {
      id = node.send(target, { type, ack: true, body });
    } catch (error) {
      done();
      reject(error);
    }
  });
}

/** Asks the node `to` to import the module at `url` (an absolute URL it can import) and define its agent kinds. */
export async function loadModule(node: MeshNode, to: string, url: string, timeoutMs = CONTROL_TIMEOUT_MS): Promise<ModuleInfo> {
  return parseModuleInfo(await ask(node, to, MessageType.LoadModule, { url }, timeoutMs, `LoadModule ${url}`));
}

/** Asks the node `to` to stop the agents of the module at `url` and forget its kinds. */
export async function unloadModule(node: MeshNode, to: string, url: string, timeoutMs = CONTROL_TIMEOUT_MS): Promise<ModuleInfo> {
  return parseModuleInfo(await ask(node, to, MessageType.UnloadModule, { url }, timeoutMs, `UnloadModule ${url}`));
}

/** Asks the node `to` for its figures (Stats): counters, connections, agents, modules. */
export async function nodeStats(node: MeshNode, to: string, timeoutMs = CONTROL_TIMEOUT_MS): Promise<RemoteStats> {
  const s = parseStats(await ask(node, to, MessageType.Stats, undefined, timeoutMs, 'Stats'));
  const connections = s.connections.map((c): ConnectionStats => ({ ...c, peer: idHex(c.peer) }));
  return { ...s, id: idHex(s.id), connections };
}
