// The relay commands' opt-in activity log (`--log`): peers joining, dropping, resuming and leaving, and agents
// moving between nodes through this relay. It watches a Relay from outside, through its SessionHost's sessions,
// so the relay itself does no logging work unless asked. @internal
import { MessageType } from '../wire/constants.js';
import { decodeBody, decodeFrame, type Frame } from '../wire/frame.js';
import { parseRouted, type RoutedBody } from '../wire/routed.js';
import type { Session } from '../session/session.js';
import type { Relay } from './relay.js';
import { idHex } from '../wire/node-id.js';

/** Where log lines go, and the clock that stamps them (injected by tests). */
export interface ActivityOptions {
  print: (line: string) => void;
  /** Default: Date.now. */
  now?: () => number;
}

/**
 * Logs `relay`'s activity from now on. Agents are seen moving when their migration's commit passes through this relay
 * (a move over a direct link between two nodes, such as a page and its worker's ring, never reaches it).
 */
export function logRelayActivity(relay: Relay, options: Readonly<ActivityOptions>): void {
  const now = options.now ?? Date.now;
  const line = (text: string): void => options.print(`${new Date(now()).toISOString().slice(11, 23)} ${text}`);
  const count = (): string => {
    const n = relay.stats().peers;
    return `${n} peer${n === 1 ? '' : 's'}`;
  };
  const watch = (session: Session, joined: string): void => {
    const name = describePeer(session);
    line(`+ ${name} ${joined} over ${session.transportKind ?? 'an unknown transport'} (${count()})`);
    let away = false;
    session.on('disconnect', (info) => {
      away = true;
      // A peer that said Goodbye is disconnected and closed in one go: only its leaving is news.
      queueMicrotask(() => {
        if (session.state !== 'closed') line(`~ ${name} disconnected (${info.code}${info.reason ? ` ${info.reason}` : ''}); its session waits for it to come back`);
      });
    });
    session.on('open', () => {
      if (!away) return;
      away = false;
      line(`~ ${name} came back over ${session.transportKind ?? 'an unknown transport'}`);
    });
    session.on('close', (info) => {
      // The relay's own close listener ran first (it subscribed first), so the count no longer includes this peer.
      line(`- ${name} left (${info.code}${info.reason ? ` ${info.reason}` : ''}) (${count()})`);
    });
    session.on('frame', (frame) => {
      const move = frame.type === MessageType.Routed ? committedMove(session, frame) : undefined;
      // A move that came through another relay names the origin that relay wrote: say which peer passed it on.
      const via = move && move.from !== session.peer?.id ? ` (passed on by ${short(session.peer?.id ?? '?')})` : '';
      if (move) line(`> agent "${move.name}" moved ${short(move.from)} → ${short(move.to)}${via}`);
    });
  };
  // Peers already there (the relay process's own agent host joins before the command can start logging).
  for (const session of relay.host.sessions.values()) if (session.state !== 'closed') watch(session, 'is connected');
  relay.host.onSession((session) => watch(session, 'joined'));
}

/** "node 3f2a9c01 (edge, "dashboard")": a short id, the role, and the name the peer gave in its metadata. */
function describePeer(session: Session): string {
  const peer = session.peer;
  if (!peer) return 'a peer';
  const name = peer.hello.metadata?.name;
  return `node ${short(peer.id)} (${peer.hello.role}${name ? `, "${name}"` : ''})`;
}

const short = (hex: string): string => hex.slice(0, 8);

/**
 * The agent move a Routed frame finishes, if it carries an AgentMigration commit: the moment the destination's copy
 * becomes the live one. Anything else, malformed frames included, is not a move (the relay answers those itself).
 */
function committedMove(session: Session, frame: Frame): AgentMove | undefined {
  try {
    const routed = parseRouted(decodeBody(frame));
    // A frame straight from its origin has hops 0 and no trusted `from` yet: the origin is this session's peer.
    return migrationCommit(routed, routed.hops === 0 ? (session.peer?.id ?? '?') : idHex(routed.from));
  } catch {
    return undefined;
  }
}

/** An agent's move from node `from` to node `to` (ids in hex). */
export interface AgentMove {
  name: string;
  from: string;
  to: string;
}

/**
 * Longest agent name shown, characters. A name is whatever its sender wrote (any peer can send a commit), up to a
 * frame's size: the dashboard keeps its last 32 moves and serves them every second, and the log prints each, so a
 * longer one is cut here, once for both.
 */
export const MAX_SHOWN_NAME = 128;

const shortName = (name: string): string => (name.length <= MAX_SHOWN_NAME ? name : `${name.slice(0, MAX_SHOWN_NAME)}…`);

/**
 * The move `routed` (sent by node `origin`) commits, if its inner frame is an AgentMigration commit; undefined for
 * any other frame, malformed ones included. Shared by the activity log and the dashboard. @internal
 */
export function migrationCommit(routed: RoutedBody, origin: string): AgentMove | undefined {
  try {
    const inner = decodeFrame(routed.frame);
    if (inner.type !== MessageType.AgentMigration) return undefined;
    const body = decodeBody(inner) as { phase?: unknown; name?: unknown };
    if (body?.phase !== 'commit' || typeof body.name !== 'string') return undefined;
    return { name: shortName(body.name), from: origin, to: idHex(routed.to) };
  } catch {
    return undefined;
  }
}
