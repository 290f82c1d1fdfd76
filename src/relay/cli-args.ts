// The relay commands' arguments, read the same strict way by the Node command (`swarmwire relay`, src/relay/cli.ts)
// and the Deno entry (`deno run … deno.js`, src/relay/deno.ts): a misspelt flag is refused in both, never
// ignored. No runtime built-ins here (node:util's parseArgs does not exist in the Deno bundle). @internal
//
// Exit codes of both commands: 0 done, 1 a runtime failure (the port is taken, the host does not resolve), 2 a usage
// error (an unknown command or flag, a bad value).

declare const __SWARMWIRE_VERSION__: string | undefined;

/** The package version, written into the bundles by scripts/build.mjs. */
export const CLI_VERSION: string = typeof __SWARMWIRE_VERSION__ === 'string' ? __SWARMWIRE_VERSION__ : '0.0.0-dev';

/** Exit code of a usage error (a misspelt flag or command, a bad value). */
export const EXIT_USAGE = 2;
/** Exit code of a runtime failure (cannot listen, cannot start deno). */
export const EXIT_FAILURE = 1;

/** One flag: `--name value` / `--name=value` for strings, `--name` for booleans, and an optional `-x` short form. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The value's name in the help text, for string flags. */
  value?: string;
  /** What it does, for the help text (ends with its default). */
  help: string;
}

/** A wrong command line. Its message is one line, for stderr above the usage text. */
export class UsageError extends Error {}
UsageError.prototype.name = 'UsageError';

export interface ParsedArgs {
  /** Flags by long name; booleans are true when given, strings hold the last value given. */
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Reads `args` against `flags`. Throws UsageError on an unknown flag, a string flag without a value, `--bool=x`. */
export function parseFlags(args: readonly string[], flags: Readonly<Record<string, FlagSpec>>): ParsedArgs {
  const values: ParsedArgs['values'] = {};
  const positionals: string[] = [];
  const byShort = new Map(Object.entries(flags).filter(([, f]) => f.short).map(([name, f]) => [f.short!, name]));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const long = arg.startsWith('--');
    const eq = long ? arg.indexOf('=') : -1;
    const key = long ? arg.slice(2, eq < 0 ? undefined : eq) : arg.slice(1);
    const name = long ? key : byShort.get(key);
    const spec = name === undefined ? undefined : flags[name];
    if (name === undefined || spec === undefined) throw new UsageError(`unknown option ${long ? `--${key}` : arg}${suggest(key, flags)}`);
    if (spec.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      values[name] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
    // A negative number is a value (`--port -1`: the option's own check says what it takes), not the next flag.
    if (value === undefined || (eq < 0 && /^-(?!\d)./.test(value))) throw new UsageError(`option --${name} needs a value${spec.value ? ` (${spec.value})` : ''}`);
    values[name] = value;
  }
  return { values, positionals };
}

/** ", did you mean --port?" when a known flag is one or two edits away from `key`. */
function suggest(key: string, flags: Readonly<Record<string, FlagSpec>>): string {
  const near = Object.keys(flags).find((name) => name.length > 1 && distance(key, name) <= 2);
  return near ? ` (did you mean --${near}?)` : '';
}

/** Levenshtein distance, for short flag names. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** The options list of a help text: one line per flag, aligned. */
export function describeFlags(flags: Readonly<Record<string, FlagSpec>>): string {
  const rows = Object.entries(flags).map(([name, f]) => [`${f.short ? `-${f.short}, ` : '    '}--${name}${f.value ? ` <${f.value}>` : ''}`, f.help] as const);
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, help]) => `  ${left.padEnd(width)}  ${help}`).join('\n');
}

/** The flags both relay commands take (each adds its own, and --help). */
export const RELAY_FLAGS = {
  port: { type: 'string', short: 'p', value: 'n', help: 'TCP port; 0 picks a free one (default 8787)' },
  host: { type: 'string', value: 'address', help: 'interface to listen on; 0.0.0.0 for all (default 127.0.0.1)' },
  log: { type: 'boolean', short: 'v', help: 'print peers joining and leaving, and agents moving (default off)' },
  identity: { type: 'string', value: 'file', help: "keep the relay's key pair in this file (made if missing), so its node id survives restarts (default: a new id each run)" },
  trust: { type: 'string', value: 'ids', help: "other relays' node ids, comma-separated, whose reports of who sent a frame are believed (default none)" },
  'max-peers': { type: 'string', value: 'n', help: 'peers served at most (default 10000)' },
  'max-peers-per-address': { type: 'string', value: 'n', help: "peers from one remote address (an IPv6 /64) at most; behind a reverse proxy every peer has the proxy's address, so raise it to --max-peers there (default: a quarter of --max-peers)" },
  'max-broadcast-deliveries': { type: 'string', value: 'n', help: "deliveries a peer's broadcasts may cost per second (a broadcast costs one per peer it reaches); 0 for no limit (default 20000)" },
  'max-peer-info-bytes': { type: 'string', value: 'n', help: "bytes of a Hello's capabilities and metadata, which the relay repeats to every peer (default 4096)" },
  'max-topics-per-peer': { type: 'string', value: 'n', help: 'topics one peer may subscribe to at once (default 1000)' },
} as const satisfies Record<string, FlagSpec>;

/** The relay options the limit flags set (only those given; each one's default is the relay's). */
export interface RelayLimitFlags {
  maxPeers?: number;
  maxPeersPerAddress?: number;
  maxBroadcastDeliveriesPerSecond?: number;
  maxPeerInfoBytes?: number;
  maxTopicsPerPeer?: number;
}

/** Which option each limit flag sets, and its smallest value (0 only where it means "no limit"). */
const LIMIT_FLAGS: ReadonlyArray<[flag: string, option: keyof RelayLimitFlags, min: number]> = [
  ['max-peers', 'maxPeers', 1],
  ['max-peers-per-address', 'maxPeersPerAddress', 1],
  ['max-broadcast-deliveries', 'maxBroadcastDeliveriesPerSecond', 0],
  ['max-peer-info-bytes', 'maxPeerInfoBytes', 2],
  ['max-topics-per-peer', 'maxTopicsPerPeer', 1],
];

/** The relay's limits from parsed flags. Throws UsageError on a value that is not a whole number from its minimum. */
export function relayLimits(values: ParsedArgs['values']): RelayLimitFlags {
  const limits: RelayLimitFlags = {};
  for (const [flag, option, min] of LIMIT_FLAGS) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= min && Number.isSafeInteger(n))) throw new UsageError(`--${flag} must be a whole number from ${min}, got "${String(raw)}"`);
    limits[option] = n;
  }
  return limits;
}

/** The limit flags given, as arguments again (for the Deno relay the Node command starts). */
export function limitArgs(values: ParsedArgs['values']): string[] {
  return LIMIT_FLAGS.flatMap(([flag]) => (typeof values[flag] === 'string' ? [`--${flag}`, values[flag] as string] : []));
}

/** The relay's identity and trusted relays from parsed flags. Throws UsageError on an id that is not 32 hex digits. */
export function relayTrust(values: ParsedArgs['values']): { identityFile: string | undefined; trustedRelays: string[] } {
  const trusted = typeof values.trust === 'string' ? values.trust.split(',').map((id) => id.trim()).filter((id) => id !== '') : [];
  const bad = trusted.find((id) => !/^[0-9a-f]{32}$/i.test(id));
  if (bad !== undefined) throw new UsageError(`--trust takes node ids of 32 hex digits, got "${bad}"`);
  if (values.identity === '') throw new UsageError('--identity needs a file name');
  return { identityFile: typeof values.identity === 'string' ? values.identity : undefined, trustedRelays: trusted };
}

/** --help, last in every command's list. */
export const HELP_FLAG = { type: 'boolean', short: 'h', help: 'show this help' } as const satisfies FlagSpec;

/** The relay's listening address from parsed flags. Throws UsageError on a port outside 0..65535 or an empty host. */
export function relayAddress(values: ParsedArgs['values']): { port: number; host: string } {
  const raw = values.port ?? '8787';
  const port = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port must be a whole number from 0 to 65535, got "${String(raw)}"`);
  const host = values.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw new UsageError('--host must not be empty');
  return { port, host };
}

/**
 * One line for a failure to listen on host:port, for the runtime errors users cause: a port in use or not theirs,
 * a host that does not resolve or is not this machine's. Node sets `code` (EADDRINUSE); Deno sets `name` (AddrInUse).
 */
export function listenFailure(error: unknown, host: string, port: number): string {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; name?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message.split('\n')[0]! : String(error);
  // Deno reports a name that does not resolve as a plain Error, known by its message alone.
  const why = /failed to lookup address/i.test(message) ? 'ENOTFOUND' : String(e.code ?? e.name ?? '');
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (why === 'EADDRINUSE' || why === 'AddrInUse') return `cannot listen on ${where}: the port is in use (pick another with --port, or 0 for any free one)`;
  if (why === 'EACCES' || why === 'PermissionDenied') return `cannot listen on ${where}: permission denied (ports below 1024 need privileges)`;
  if (why === 'ENOTFOUND' || why === 'EAI_AGAIN' || why === 'EAI_NONAME') return `cannot listen on ${where}: the host "${host}" does not resolve (--host takes an address or a name of this machine)`;
  if (why === 'EADDRNOTAVAIL' || why === 'AddrNotAvailable') return `cannot listen on ${where}: "${host}" is not an address of this machine`;
  return `cannot listen on ${where}: ${message}`;
}
