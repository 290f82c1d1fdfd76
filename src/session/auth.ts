// Who may connect, and what they may do: the accepting side's `authorize` hook gets the peer's identity — the id
// its key proves (the session opens only once the proof holds) and the Hello it sent — and answers true, false,
// or a Grant that narrows what the peer may do through a relay. Two ready-made hooks: sharedSecret (a token in the
// Hello) and allowlist (node ids, each with its grant).
//
// A shared secret is compared in constant time: both sides are hashed with SHA-256 first, so the comparison always
// runs over 32 bytes whatever the token's length, and the loop ORs differences instead of stopping at the first one
// — timing tells nothing about how much of a guess was right. crypto.subtle exists on every runtime swarmwire
// targets (browsers, Node ≥ 20, Deno, workerd).
import type { Hello } from '../wire/hello.js';

/** A peer as the authorize hook sees it. */
export interface PeerIdentity {
  /** Its node id, 32 hex digits: the id of the key it proves in the handshake. */
  readonly id: string;
  /** What it said in its Hello (role, capabilities, metadata, token, key). Only `id` and the key are proven. */
  readonly hello: Readonly<Hello>;
}

/**
 * What a peer may do through a relay, beyond connecting. Each list names what is allowed; '*' allows everything.
 * A missing field allows everything, so `{}` is the same grant as `true`.
 */
export interface Grant {
  /** Modules (by the name they are exposed under) whose methods the peer may call, on the relay or routed to any node. */
  readonly modules?: readonly string[] | '*';
  /** Topics the peer may broadcast to; a broadcast to everyone (no topic) needs '*'. */
  readonly publish?: readonly string[] | '*';
  /** Topics the peer may subscribe to. */
  readonly subscribe?: readonly string[] | '*';
}

/** The accepting side's hook: true admits with every grant, false refuses (Unauthorized), a Grant admits with limits. */
export type Authorize = (peer: PeerIdentity) => boolean | Grant | Promise<boolean | Grant>;

const utf8 = /* @__PURE__ */ new TextEncoder();

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', utf8.encode(text)));
}

/** True when `a` and `b` are equal, in time independent of where they differ. Both must be 32 bytes. */
function equal32(a: Uint8Array, b: Uint8Array): boolean {
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * An authorize hook that admits peers whose Hello carries one of `secrets` as its token (several, so a secret can
 * be rotated without a flag day). Peers without a token, or with another, are refused: Unauthorized, then close.
 * Throws RangeError for an empty secret.
 */
export function sharedSecret(secrets: string | readonly string[]): (peer: PeerIdentity) => Promise<boolean> {
  const list = typeof secrets === 'string' ? [secrets] : [...secrets];
  if (list.length === 0 || list.some((s) => typeof s !== 'string' || s.length === 0)) throw new RangeError('[swarmwire] sharedSecret needs non-empty secrets');
  const expected = Promise.all(list.map(digest));
  return async ({ hello }) => {
    const token = typeof hello.token === 'string' ? hello.token : '';
    const got = await digest(token);
    let ok = false;
    for (const e of await expected) ok = equal32(got, e) || ok; // every secret is compared, matched or not
    return ok && token.length > 0;
  };
}

/**
 * An authorize hook that admits only the listed node ids (32 hex digits), each with its grant (true: everything).
 * Anyone else is refused. Throws RangeError for an id that is not 32 hex digits.
 */
export function allowlist(nodes: Readonly<Record<string, Grant | true>>): Authorize {
  const table = new Map<string, Grant | true>();
  for (const [id, grant] of Object.entries(nodes)) {
    if (!/^[0-9a-f]{32}$/i.test(id)) throw new RangeError(`[swarmwire] allowlist: "${id}" is not a node id (32 hex digits)`);
    table.set(id.toLowerCase(), grant);
  }
  return ({ id }) => table.get(id) ?? false;
}

/** Whether `grant` allows `name` in its list `kind` (no grant, or no such list, allows everything). */
export function granted(grant: Grant | undefined, kind: keyof Grant, name: string): boolean {
  const list = grant?.[kind];
  return list === undefined || list === '*' || list.includes(name);
}
