// What counts as one remote address for the per-address limits of a server (handshaking connections, open peers).
// An IPv4 address is itself (an IPv4-mapped IPv6 address, as Node reports one on a dual-stack socket, is its IPv4
// address); an IPv6 address is its /64 prefix: one subscriber is handed a whole /64, so keyed by the full address an
// attacker would have 2^64 addresses, each under every per-address limit.

/** The key of `address` for per-address limits: IPv4 as is, IPv6 as its /64 (`2001:db8:0:1::/64`), anything else as is. */
export function addressKey(address: string): string {
  const bare = address.replace(/%.*$/, ''); // an IPv6 zone (`fe80::1%eth0`) names an interface, not a peer
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return mapped[1]!;
  if (!bare.includes(':')) return address;
  const [head, tail] = bare.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  if (right.at(-1)?.includes('.')) right.splice(-1, 1, '0', '0'); // an embedded IPv4 tail sits in the low 64 bits
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return address;
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}
