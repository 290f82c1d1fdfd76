// The receiving half of the bridge's streams: one reader per node this relay serves, handing the node the frames in
// its stream, in stream order, and moving the node's cursor past what the node acknowledged.
//
// Why a cursor and plain XRANGE rather than a consumer group (XREADGROUP / XACK / XAUTOCLAIM): a node is connected
// to one relay at a time, so its stream has one reader at a time by design — but which relay that is changes (the
// node moves, its relay dies). A consumer group gives each entry to one consumer, so a relay that has not yet noticed
// its node left would take entries the node's new relay then never sees, and the new relay would have to claim them
// back (after an idle time) — while delivering newer ones meanwhile, out of order. With a cursor, every relay reads
// the same stream from the last position the node acknowledged; nothing is split, nothing needs claiming: a relay
// that died left its unacknowledged entries above the cursor, where the next relay starts. The node drops the
// positions it was given already (session/stream-positions.ts), so a frame handed over twice is delivered once.
//
// Fast path: each entry is also published on the node's channel with its seq (a notice), and the next expected seq
// is handed over straight from the notice — one pub/sub hop, as plain pub/sub costs. A notice that skips a seq (one
// was missed: a reconnect, a relay that started reading meanwhile), or that arrives while the reader catches up or
// has no credit left, sends the reader back to the stream, which has everything.
import { type BackoffOptions, backoffDelay } from '../transport/backoff.js';

/** What a reader needs from Redis and from the relay. */
export interface InboxIo {
  /** The node's cursor: every seq at or below it was acked. */
  cursor(): Promise<number>;
  /** Up to `count` entries after seq `after`, in order. */
  read(after: number, count: number): Promise<Array<[seq: number, entry: Uint8Array]>>;
  /** Moves the cursor to `seq` (never back). */
  commit(seq: number): Promise<void>;
  /** Hands entry `seq` to the node; `acked` once it acknowledged it. False: the node is not here any more. */
  deliver(seq: number, entry: Uint8Array, acked: () => void): boolean;
}

export interface InboxOptions {
  /** Entries handed to the node and not acked yet, at most: the reader waits for Acks beyond. Default: 256. */
  credit: number;
  /** Delays between attempts when Redis fails a read. Default: {}. */
  reconnect: Partial<BackoffOptions>;
}

/** Where a reader is: reading its cursor, handing over live notices, reading the stream, or done. */
const State = { Starting: 0, Live: 1, Reading: 2, Stopped: 3 } as const;
type State = (typeof State)[keyof typeof State];

export class NodeInbox {
  readonly #io: InboxIo;
  readonly #credit: number;
  readonly #reconnect: Partial<BackoffOptions>;
  #state: State = State.Starting;
  /** The last seq handed to the node. */
  #position = 0;
  /** Entries past #position may wait in the stream: read before taking notices again. */
  #behind = true;
  /** Seqs handed over and not acked yet, in order; acked ones leave from the front only (the cursor is a prefix). */
  readonly #unacked: number[] = [];
  readonly #ackedOutOfOrder = new Set<number>();
  /** The highest seq acked with everything below it, and the one last written as the cursor. */
  #acked = 0;
  #committed = 0;
  #committing = false;
  #failures = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(io: InboxIo, options: Readonly<Partial<InboxOptions>> = {}) {
    this.#io = io;
    this.#credit = options.credit ?? 256;
    this.#reconnect = options.reconnect ?? {};
  }

  /** The last seq handed to the node. */
  get position(): number {
    return this.#position;
  }

  /** Starts from the node's cursor. */
  start(): void {
    if (this.#state !== State.Starting) return;
    this.#io.cursor().then(
      (cursor) => {
        if (this.#state !== State.Starting) return;
        this.#position = Math.max(this.#position, cursor);
        this.#acked = this.#committed = Math.max(this.#acked, cursor);
        this.#state = State.Live;
        this.#pump();
      },
      () => this.#later(() => this.start()),
    );
  }

  /** A notice from the node's channel: entry `seq`. */
  notice(seq: number, entry: Uint8Array): void {
    if (this.#state !== State.Live || seq <= this.#position) {
      if (seq > this.#position) this.#behind = true;
      return;
    }
    if (!this.#behind && seq === this.#position + 1 && this.#unacked.length < this.#credit) {
      this.#hand(seq, entry);
      return;
    }
    this.#behind = true;
    this.#pump();
  }

  /** Notices may have been lost (a reconnect): read the stream. */
  kick(): void {
    this.#behind = true;
    if (this.#retry !== undefined && this.#state !== State.Starting) {
      clearTimeout(this.#retry);
      this.#retry = undefined;
    }
    this.#pump();
  }

  stop(): void {
    this.#state = State.Stopped;
    clearTimeout(this.#retry);
  }

  #hand(seq: number, entry: Uint8Array): boolean {
    this.#position = seq;
    this.#unacked.push(seq);
    if (this.#io.deliver(seq, entry, () => this.#ack(seq))) return true;
    this.stop();
    return false;
  }

  #ack(seq: number): void {
    this.#ackedOutOfOrder.add(seq);
    while (this.#unacked.length > 0 && this.#ackedOutOfOrder.delete(this.#unacked[0]!)) this.#acked = this.#unacked.shift()!;
    this.#commit();
    this.#pump();
  }

  #commit(): void {
    if (this.#committing || this.#acked <= this.#committed || this.#state === State.Stopped) return;
    const seq = this.#acked;
    this.#committing = true;
    this.#io.commit(seq).then(
      () => {
        this.#committing = false;
        this.#committed = Math.max(this.#committed, seq);
        this.#commit();
      },
      () => {
        // Not written: the next Ack tries again. A relay dying meanwhile costs repeats (dropped by the node), not losses.
        this.#committing = false;
      },
    );
  }

  /** Reads the stream after #position while it may hold more and the node has credit. */
  #pump(): void {
    if (this.#state !== State.Live || !this.#behind) return;
    const room = this.#credit - this.#unacked.length;
    if (room <= 0) return; // the next Ack calls again
    this.#state = State.Reading;
    this.#behind = false;
    const count = Math.min(room, 128);
    this.#io.read(this.#position, count).then(
      (entries) => {
        if (this.#state !== State.Reading) return;
        this.#failures = 0;
        this.#state = State.Live;
        for (const [seq, entry] of entries) {
          if (seq > this.#position && !this.#hand(seq, entry)) return;
        }
        if (entries.length === count) this.#behind = true; // perhaps more
        this.#pump();
      },
      () => {
        if (this.#state !== State.Reading) return;
        this.#state = State.Live;
        this.#behind = true;
        this.#later(() => this.#pump());
      },
    );
  }

  #later(again: () => void): void {
    if (this.#state === State.Stopped) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      again();
    }, backoffDelay(this.#failures++, this.#reconnect));
    (this.#retry as { unref?: () => void }).unref?.();
  }
}
