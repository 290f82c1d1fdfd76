// The Origin check for WebSocket upgrades. A browser always sends Origin with a WebSocket handshake and a page
// cannot forge it, so an allowlist stops other sites from opening sockets with the user's cookies (cross-site
// WebSocket hijacking). Non-browser clients (Node, Deno, curl) send no Origin or any they like: the allowlist is
// not authentication, the token in Hello is.

/** Allowed origins: exact strings ("https://app.example.com", scheme://host[:port]), '*' for any, or a predicate. */
export type OriginPolicy = readonly string[] | ((origin: string | undefined) => boolean);

/**
 * Whether an upgrade with this Origin header may proceed. No policy admits everything. With a list, a request
 * without Origin (not a browser) is admitted unless `requireOrigin` is set.
 */
export function originAllowed(origin: string | null | undefined, policy: OriginPolicy | undefined, requireOrigin = false): boolean {
  if (policy === undefined) return true;
  const value = origin ?? undefined;
  if (typeof policy === 'function') return policy(value);
  if (value === undefined) return !requireOrigin;
  return policy.includes('*') || policy.includes(value.toLowerCase()) || policy.includes(value);
}
