// Authorize hooks for the accepting side (SessionHost / Relay `authorize`). A shared secret is compared in constant
// time: both sides are hashed with SHA-256 first, so the comparison always runs over 32 bytes whatever the token's
// length, and the loop ORs differences instead of stopping at the first one — timing tells nothing about how much
// of a guess was right. crypto.subtle exists on every runtime swarmwire targets (browsers, Node ≥ 20, Deno, workerd).
import type { Hello } from '../wire/hello.js';

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
export function sharedSecret(secrets: string | readonly string[]): (hello: Hello) => Promise<boolean> {
  const list = typeof secrets === 'string' ? [secrets] : [...secrets];
  if (list.length === 0 || list.some((s) => typeof s !== 'string' || s.length === 0)) throw new RangeError('[swarmwire] sharedSecret needs non-empty secrets');
  const expected = Promise.all(list.map(digest));
  return async (hello) => {
    const token = typeof hello.token === 'string' ? hello.token : '';
    const got = await digest(token);
    let ok = false;
    for (const e of await expected) ok = equal32(got, e) || ok; // every secret is compared, matched or not
    return ok && token.length > 0;
  };
}
