// The relay's Discovery answers, encoded once per change of its peer set rather than built, packed and deflated per
// request. An answer lists every node the relay reaches except the one asking (and, past trusted relays, routes learnt
// from it: split horizon), so each peer's differs; with 2,000 peers one was ~100 KiB and cost the relay ~17 ms of
// CPU (bench/peers-answer.mjs), and any peer may ask as often as it likes, and every core or relay peer is told at
// each announcement. While the relay has learnt no routes from other relays (no trusted relay announced any), an
// answer is its direct peers minus the asker: each peer's entry is encoded once, into one buffer, and an answer is
// that buffer with the asker's entry cut out, behind a header. With routes learnt, answers are built as before
// (Router.known), the rare case of relays linked to each other.
import { pack } from '../wire/payload.js';
import type { Router } from '../mesh/router.js';
import type { DiscoveryBody } from '../mesh/messages.js';

/** The encoded entries of one peer set: every entry in one buffer, and where each node's lies. */
interface Entries {
  /** The change count (Relay #changes) they were built at. */
  changes: number;
  bytes: Uint8Array;
  /** Node id (hex) → [start, end) of its entry in `bytes`. */
  at: Map<string, [number, number]>;
}

/** A MessagePack array header for `n` elements. */
function arrayHeader(n: number): Uint8Array {
  if (n < 16) return Uint8Array.of(0x90 | n);
  if (n < 0x10000) return Uint8Array.of(0xdc, n >>> 8, n & 0xff);
  return Uint8Array.of(0xdd, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export class DiscoveryAnswers {
  readonly #router: Router;
  /** The body up to its `peers` array's header: `peers` is its last key, so its empty array is its last byte. */
  readonly #prefix: Uint8Array;
  #entries: Entries | undefined;

  constructor(router: Router, head: Omit<DiscoveryBody, 'peers'>) {
    this.#router = router;
    const empty = pack({ ...head, peers: [] });
    this.#prefix = empty.subarray(0, empty.length - 1);
  }

  /**
   * The encoded DiscoveryBody for the direct peer `to`, the relay's peer set having changed `changes` times; undefined
   * while routes learnt from other relays make answers differ beyond the asker (build those with Router.known).
   */
  for(to: string, changes: number): Uint8Array | undefined {
    if (this.#router.learnt) return undefined;
    const entries = this.#entries?.changes === changes ? this.#entries : (this.#entries = this.#build(changes));
    const own = entries.at.get(to);
    const header = arrayHeader(entries.at.size - (own ? 1 : 0));
    const out = new Uint8Array(this.#prefix.length + header.length + entries.bytes.length - (own ? own[1] - own[0] : 0));
    out.set(this.#prefix);
    out.set(header, this.#prefix.length);
    let at = this.#prefix.length + header.length;
    if (!own) out.set(entries.bytes, at);
    else (out.set(entries.bytes.subarray(0, own[0]), at), out.set(entries.bytes.subarray(own[1]), at + own[0]));
    return out;
  }

  /** Every direct peer's entry, as Router.known lists it (same order, same fields), encoded. */
  #build(changes: number): Entries {
    const parts: Uint8Array[] = [];
    const at = new Map<string, [number, number]>();
    let length = 0;
    for (const [id, p] of this.#router.direct) {
      const entry = pack({ id: p.id, role: p.role, capabilities: [...p.capabilities], hops: 0 });
      at.set(id, [length, length + entry.length]);
      parts.push(entry);
      length += entry.length;
    }
    const bytes = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) (bytes.set(part, offset), (offset += part.length));
    return { changes, bytes, at };
  }
}
