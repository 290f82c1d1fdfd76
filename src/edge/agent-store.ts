// The states of the agents a Durable Object hosts, kept in its storage so that eviction (after hibernation, a deploy,
// a crash) loses nothing: after every call, and when an agent arrives, its state is written; when it moves away,
// forgotten. Writes are issued synchronously, before the call's answer is handed on, so the object's output gate
// holds that answer (and everything sent after it) until they are durable: a caller that saw an answer can count
// on the state it left. A state is kept as its MessagePack encoding — what a migration carries — in parts of at most
// PART_BYTES, since the key-value backend keeps values of up to 128 KiB; the writes of one save are issued without an
// await between them, which Durable Objects commit as one atomic batch, so a save is never half done.
//   agent:<name>               AgentRecord
//   agent-part:<name>:<index>  part <index> of a state larger than PART_BYTES
import { pack } from '../wire/payload.js';
import { concat } from '../core/concat.js';
import type { AgentChange } from '../mesh/agent-host.js';
import { takeSnapshot } from '../mesh/snapshot.js';
import type { DurableStorage } from './workers-types.js';

/** Bytes of a state kept in one storage value: under 128 KiB, the value limit of the key-value backend. */
export const PART_BYTES = 120 * 1024;

/** What is kept of one agent, under `agent:<name>`. */
export interface AgentRecord {
  kind: string;
  capabilities: string[];
  /** The state's MessagePack encoding, bytes. */
  bytes: number;
  /** Parts under `agent-part:<name>:…`; 0 when the state is kept inline here. */
  parts: number;
  inline?: Uint8Array;
}

/** An agent as load() finds it. */
export interface KeptAgent {
  name: string;
  record: AgentRecord;
  /** The state's MessagePack encoding. */
  state: Uint8Array;
}

/** storage.delete and storage.get take at most this many keys at a time. */
const KEYS_PER_CALL = 128;

const recordKey = (name: string): string => `agent:${name}`;
const partKey = (name: string, index: number): string => `agent-part:${name}:${String(index).padStart(6, '0')}`;

export class AgentStore {
  readonly #storage: DurableStorage;
  /** What was last written per agent (its encoding and its number of parts), so a call that changed nothing writes nothing. */
  readonly #kept = new Map<string, { state: Uint8Array; parts: number }>();
  /** Where a failed write is reported. */
  readonly #onError: (error: unknown) => void;

  constructor(storage: DurableStorage, onError: (error: unknown) => void) {
    this.#storage = storage;
    this.#onError = onError;
  }

  /** Every agent kept, with its state's encoding. */
  async load(): Promise<KeptAgent[]> {
    const out: KeptAgent[] = [];
    for (const [key, record] of await this.#storage.list<AgentRecord>({ prefix: 'agent:' })) {
      const name = key.slice('agent:'.length);
      let state: Uint8Array;
      if (record.parts === 0) state = record.inline ?? new Uint8Array(0);
      else {
        const keys = Array.from({ length: record.parts }, (_, i) => partKey(name, i));
        const parts: Uint8Array[] = [];
        for (let i = 0; i < keys.length; i += KEYS_PER_CALL) {
          const got = await this.#storage.get<Uint8Array>(keys.slice(i, i + KEYS_PER_CALL));
          for (const k of keys.slice(i, i + KEYS_PER_CALL)) parts.push(got.get(k) ?? new Uint8Array(0));
        }
        state = concat(parts, parts.reduce((n, p) => n + p.length, 0));
      }
      if (state.length !== record.bytes) {
        this.#onError(new Error(`[swarmwire] the kept state of agent "${name}" has ${state.length} bytes, not ${record.bytes}: not restored`));
        continue;
      }
      this.#kept.set(name, { state, parts: record.parts });
      out.push({ name, record, state });
    }
    return out;
  }

  /** An AgentHost's onChange listener: the agent's state is written (or forgotten, once it has moved away or gone). */
  onChange(change: AgentChange): void {
    try {
      if (change.event === 'left' || change.event === 'removed') this.forget(change.name);
      else this.save(change.name, change.kind, change.capabilities, pack(takeSnapshot(change.agent)));
    } catch (error) {
      this.#onError(error); // a state MessagePack cannot carry: the agent runs on, but is not kept
    }
  }

  /** Writes `state` (an encoding) for `name`, unless it is what was kept already. */
  save(name: string, kind: string, capabilities: readonly string[], state: Uint8Array): void {
    const before = this.#kept.get(name);
    if (before && equal(before.state, state)) return;
    const parts = state.length <= PART_BYTES ? 0 : Math.ceil(state.length / PART_BYTES);
    const record: AgentRecord = { kind, capabilities: [...capabilities], bytes: state.length, parts, ...(parts === 0 ? { inline: state } : {}) };
    const entries: Record<string, unknown> = {};
    // slice, not subarray: storage clones a view's whole buffer
    for (let i = 0; i < parts; i++) entries[partKey(name, i)] = state.slice(i * PART_BYTES, (i + 1) * PART_BYTES);
    entries[recordKey(name)] = record;
    // No await between these: one atomic batch.
    const keys = Object.keys(entries);
    for (let i = 0; i < keys.length; i += KEYS_PER_CALL) {
      this.#write(this.#storage.put(Object.fromEntries(keys.slice(i, i + KEYS_PER_CALL).map((k) => [k, entries[k]]))));
    }
    this.#deleteParts(name, parts, before?.parts ?? 0);
    this.#kept.set(name, { state, parts });
  }

  /** Forgets `name` (it moved away). */
  forget(name: string): void {
    const before = this.#kept.get(name);
    this.#kept.delete(name);
    this.#write(this.#storage.delete(recordKey(name)));
    this.#deleteParts(name, 0, before?.parts ?? 0);
  }

  /** Deletes parts [from, to) of `name`. */
  #deleteParts(name: string, from: number, to: number): void {
    for (let i = from; i < to; i += KEYS_PER_CALL) {
      const keys = Array.from({ length: Math.min(KEYS_PER_CALL, to - i) }, (_, k) => partKey(name, i + k));
      this.#write(this.#storage.delete(keys));
    }
  }

  #write(done: Promise<unknown>): void {
    done.catch(this.#onError);
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
