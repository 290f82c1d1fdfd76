// Agent states larger than one frame. Every hop between two nodes has a payload limit — 1 MiB − 36 through a
// Durable Object relay (the platform's WebSocket message limit), whose storage also keeps each acked frame as one
// value — so the source cuts a large state's MessagePack encoding into AgentMigration 'chunk' frames that fit
// every hop, and the destination puts them back together; the last chunk then acts as the 'transfer'. The rules
// are here once: transferFrames() for the source, and SnapshotAssembler for the destination, a state machine
// without I/O or timers (fed chunks and the time, it answers the whole state or a typed error, and says when it
// next needs to be woken), so a hostile sequence is refused the same way in every host.
import { pack } from '../wire/payload.js';
import { concat } from '../core/concat.js';
import { meshError, MeshErrorCode } from './errors.js';
import type { AgentMigrationBody, ChunkBody } from './messages.js';

/**
 * Default data bytes per chunk: a chunk frame, in its Routed envelope, stays under 128 KiB, the largest value Durable
 * Object storage (key-value backend) keeps — where a Durable Object relay holds acked frames until they are acked.
 */
export const DEFAULT_CHUNK_BYTES = 120 * 1024;

/** Default for the bytes of snapshots being assembled at once on one node (one snapshot, or several together). */
export const DEFAULT_MAX_SNAPSHOT_BYTES = 32 * 1024 * 1024;

/**
 * Default for the share of those bytes one sending node may hold: half, so a single peer (a stranger opening
 * snapshots it never finishes) cannot take the whole budget and starve every other node's migrations.
 */
export const DEFAULT_MAX_SENDER_SNAPSHOT_BYTES = DEFAULT_MAX_SNAPSHOT_BYTES / 2;

/**
 * The frames that carry a 'transfer': the transfer itself when its state encodes to at most `chunkBytes`, else the
 * encoding cut into 'chunk' bodies (the last one with the capabilities). Throws WireError BAD_PAYLOAD for a state
 * MessagePack cannot carry, as sending the transfer would.
 */
export function transferFrames(body: AgentMigrationBody, chunkBytes: number): AgentMigrationBody[] {
  if (body.state === undefined) return [body];
  const bytes = pack(body.state);
  if (bytes.length <= chunkBytes) return [body];
  const count = Math.ceil(bytes.length / chunkBytes);
  const { migrationId, name, kind, capabilities } = body;
  const out: AgentMigrationBody[] = [];
  for (let index = 0; index < count; index++) {
    const data = bytes.subarray(index * chunkBytes, (index + 1) * chunkBytes);
    out.push({ migrationId, phase: 'chunk', name, kind, index, count, bytes: bytes.length, data, ...(index === count - 1 && capabilities ? { capabilities } : {}) });
  }
  return out;
}

/** Limits of a SnapshotAssembler. */
export interface AssemblerLimits {
  /**
   * Bytes of snapshots being assembled at once (what their first chunks announce), one or several together; a
   * first chunk announcing more than what is left is refused before anything is kept. Default:
   * DEFAULT_MAX_SNAPSHOT_BYTES (32 MiB).
   */
  maxBytes: number;
  /**
   * Bytes of snapshots one sending node may have in progress at once, within maxBytes: a first chunk that would
   * take its sender past it is refused before anything is kept (SNAPSHOT_BUSY, or SNAPSHOT_TOO_LARGE for a
   * snapshot larger than this alone). Default:
   * DEFAULT_MAX_SENDER_SNAPSHOT_BYTES (16 MiB), or maxBytes if that is smaller.
   */
  maxBytesPerSender: number;
  /** Time from a snapshot's first chunk to its last, ms; past it, what arrived is dropped. Default: 10,000. */
  deadlineMs: number;
}

/** A snapshot dropped at its deadline, as expire() reports it (so its source can be told). */
export interface ExpiredSnapshot {
  from: string;
  migrationId: number;
  name: string;
  kind: string;
}

interface Assembly extends ExpiredSnapshot {
  count: number;
  bytes: number;
  /** The index the next chunk must have. */
  next: number;
  received: number;
  parts: Uint8Array[];
  deadline: number;
}

/**
 * Puts chunked snapshots back together, one per (sender, migration). Chunks must arrive in order, each once, all
 * agreeing on `count`, `bytes`, `name` and `kind`, within `deadlineMs` of the first, within `maxBytes` and within
 * the sender's share of it: any other sequence is refused with a MeshError (SNAPSHOT_SEQUENCE, SNAPSHOT_TOO_LARGE,
 * SNAPSHOT_BUSY, SNAPSHOT_EXPIRED) and drops
 * that snapshot only, so nothing is restored from it and no other snapshot is touched.
 */
export class SnapshotAssembler {
  readonly #limits: AssemblerLimits;
  readonly #open = new Map<string, Assembly>();
  /** Bytes announced by the snapshots in progress: reserved when the first chunk arrives. */
  #reserved = 0;
  /** The same, by sender. */
  readonly #bySender = new Map<string, number>();

  constructor(limits: Readonly<Partial<AssemblerLimits>> = {}) {
    const maxBytes = limits.maxBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES;
    this.#limits = { maxBytes, maxBytesPerSender: limits.maxBytesPerSender ?? Math.min(maxBytes, DEFAULT_MAX_SENDER_SNAPSHOT_BYTES), deadlineMs: limits.deadlineMs ?? 10_000 };
  }

  /** Snapshots in progress. */
  get size(): number {
    return this.#open.size;
  }

  /** Bytes the snapshots in progress announced (the share of maxBytes they hold). */
  get reservedBytes(): number {
    return this.#reserved;
  }

  /**
   * Takes one chunk from node `from` at time `now` (ms). Returns the whole encoded state when this was the last
   * chunk, else undefined. Throws MeshError SNAPSHOT_SEQUENCE (out of order, repeated, inconsistent, no first
   * chunk, fewer bytes than announced), SNAPSHOT_TOO_LARGE (over maxBytes, or more bytes than announced),
   * SNAPSHOT_BUSY (over the sender's share, maxBytesPerSender) or
   * SNAPSHOT_EXPIRED (the snapshot's deadline passed); the snapshot it belongs to is then dropped.
   * The chunk's data is copied: it may be a view of a buffer its caller reuses.
   */
  add(from: string, chunk: Readonly<ChunkBody>, now: number): Uint8Array | undefined {
    const key = `${from}/${chunk.migrationId}`;
    const open = this.#open.get(key);
    let a: Assembly | undefined;
    try {
      if (open && now > open.deadline) {
        a = open;
        throw refuse(MeshErrorCode.SNAPSHOT_EXPIRED, open, `not complete within ${this.#limits.deadlineMs} ms: the ${open.next} chunk(s) received were dropped`);
      }
      a = open ?? this.#begin(key, from, chunk, now);
      if (chunk.count !== a.count || chunk.bytes !== a.bytes || chunk.name !== a.name || chunk.kind !== a.kind) {
        throw refuse(MeshErrorCode.SNAPSHOT_SEQUENCE, a, `chunk ${chunk.index} disagrees with the first chunk (count, bytes, name or kind)`);
      }
      if (chunk.index !== a.next) {
        throw refuse(MeshErrorCode.SNAPSHOT_SEQUENCE, a, chunk.index < a.next ? `chunk ${chunk.index} arrived again` : `chunk ${chunk.index} arrived before chunk ${a.next}`);
      }
      const last = chunk.index === a.count - 1;
      if (!last && chunk.data.length === 0) throw refuse(MeshErrorCode.SNAPSHOT_SEQUENCE, a, `chunk ${chunk.index} is empty`);
      if (a.received + chunk.data.length > a.bytes) {
        throw refuse(MeshErrorCode.SNAPSHOT_TOO_LARGE, a, `chunk ${chunk.index} brings more than the ${a.bytes} bytes announced`);
      }
      if (last && a.received + chunk.data.length !== a.bytes) {
        throw refuse(MeshErrorCode.SNAPSHOT_SEQUENCE, a, `the last chunk ends at byte ${a.received + chunk.data.length} of the ${a.bytes} announced`);
      }
      a.parts.push(chunk.data.slice());
      a.received += chunk.data.length;
      a.next++;
      if (!last) return undefined;
      this.#drop(a);
      return concat(a.parts, a.bytes);
    } catch (error) {
      if (a && this.#open.get(key) === a) this.#drop(a);
      throw error;
    }
  }

  /** Drops the snapshots whose deadline is before `now` and says which (their sources wait for an answer). */
  expire(now: number): ExpiredSnapshot[] {
    const out: ExpiredSnapshot[] = [];
    for (const a of [...this.#open.values()]) {
      if (now <= a.deadline) continue;
      this.#drop(a);
      out.push({ from: a.from, migrationId: a.migrationId, name: a.name, kind: a.kind });
    }
    return out;
  }

  /** When expire() next has something to drop (ms, the clock add() was given), or undefined with nothing in progress. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const a of this.#open.values()) if (next === undefined || a.deadline < next) next = a.deadline;
    return next;
  }

  /** Drops the snapshot of `migrationId` from `from`, if one is in progress (its migration was aborted). */
  cancel(from: string, migrationId: number): void {
    const a = this.#open.get(`${from}/${migrationId}`);
    if (a) this.#drop(a);
  }

  /** Bytes the snapshots in progress from node `from` announced. */
  reservedBy(from: string): number {
    return this.#bySender.get(from) ?? 0;
  }

  /** Drops every snapshot in progress from node `from` (it disconnected: its share of maxBytes is free again). */
  forget(from: string): void {
    if (!this.#bySender.has(from)) return;
    for (const a of [...this.#open.values()]) if (a.from === from) this.#drop(a);
  }

  /** Drops every snapshot in progress. */
  clear(): void {
    this.#open.clear();
    this.#bySender.clear();
    this.#reserved = 0;
  }

  /** A first chunk: its announced size is checked against the limits before anything is kept. */
  #begin(key: string, from: string, chunk: Readonly<ChunkBody>, now: number): Assembly {
    const { migrationId, name, kind, index, count, bytes } = chunk;
    const what = { from, migrationId, name, kind };
    if (index !== 0) throw refuse(MeshErrorCode.SNAPSHOT_SEQUENCE, what, `chunk ${index} without a snapshot in progress (its first chunk never came, or it was dropped)`);
    if (count < 1 || bytes < 1 || count > bytes) throw refuse(MeshErrorCode.SNAPSHOT_SEQUENCE, what, `${count} chunk(s) cannot carry ${bytes} bytes`);
    if (bytes > this.#limits.maxBytes - this.#reserved) {
      const busy = this.#reserved > 0 ? ` (${this.#reserved} bytes of other snapshots in progress)` : '';
      throw refuse(MeshErrorCode.SNAPSHOT_TOO_LARGE, what, `${bytes} bytes announced, over the ${this.#limits.maxBytes} allowed${busy}`);
    }
    const mine = this.reservedBy(from);
    const share = this.#limits.maxBytesPerSender;
    if (bytes > share - mine) {
      // Too large for any one sender, or only while its own other snapshots are in progress.
      const code = bytes > share ? MeshErrorCode.SNAPSHOT_TOO_LARGE : MeshErrorCode.SNAPSHOT_BUSY;
      throw refuse(code, what, `${bytes} bytes announced, over the ${share} one node may have in progress (${mine} bytes of its other snapshots)`);
    }
    const a: Assembly = { ...what, count, bytes, next: 0, received: 0, parts: [], deadline: now + this.#limits.deadlineMs };
    this.#open.set(key, a);
    this.#reserved += bytes;
    this.#bySender.set(from, mine + bytes);
    return a;
  }

  #drop(a: Assembly): void {
    if (!this.#open.delete(`${a.from}/${a.migrationId}`)) return;
    this.#reserved -= a.bytes;
    const left = this.reservedBy(a.from) - a.bytes;
    if (left === 0) this.#bySender.delete(a.from);
    else this.#bySender.set(a.from, left);
  }
}

function refuse(code: MeshErrorCode, a: Readonly<ExpiredSnapshot>, why: string) {
  return meshError(code, `snapshot of agent "${a.name}" (migration ${a.migrationId} from ${a.from}): ${why}`);
}
