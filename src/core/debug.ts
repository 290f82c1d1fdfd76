// The debug switch, socket.io's and partysocket's habit: `DEBUG=swarmwire:*` in the environment (Node; Deno with
// --allow-env), `localStorage.debug = 'swarmwire:*'` in a browser, or configureDebug() anywhere (Cloudflare Workers
// have neither). Each layer logs under its own namespace — swarmwire:transport, :session, :relay, :mesh, :rpc —
// what a user needs when a connection misbehaves: connects, retries with their reasons, handshakes with the peer's
// id, closes with their codes, drops (slow peers, rate limits, refusals).
//
// Off, it costs a property read: call sites check `debug.on` before building anything to log, so no string, object
// or closure is made for a disabled namespace. The switch is read once, when the first namespace is made (at
// import), and again by configureDebug().

/** One logged event. */
export interface DebugEvent {
  /** The layer that logged it: 'swarmwire:transport', 'swarmwire:session', 'swarmwire:relay', 'swarmwire:mesh', 'swarmwire:rpc'. */
  readonly namespace: string;
  /** What happened, in a word or two: 'connect', 'open', 'close', 'retry', 'give up', 'handshake', 'drop', … */
  readonly event: string;
  /** Its details: url, peer, code, reason, error, attempt, delayMs, … */
  readonly fields: Readonly<Record<string, unknown>>;
  /** When, ms since the epoch. */
  readonly time: number;
  /** The trace the event belongs to. Reserved for tracing (issue 18): undefined until then. */
  readonly traceId?: string | undefined;
}

/** Where events go: configureDebug({ logger }). Default: one line each on stderr (Node, Deno), console.debug in browsers. */
export type DebugLogger = (event: DebugEvent) => void;

export interface DebugOptions {
  /**
   * Which namespaces log: `debug`'s syntax, comma- or space-separated, `*` a wildcard, a leading `-` excludes
   * ('swarmwire:*', 'swarmwire:session,swarmwire:transport', 'swarmwire:*,-swarmwire:rpc'); '' or false for none.
   * Default: the environment's DEBUG, or localStorage.debug in a browser.
   */
  namespaces: string | false;
  /** Receives every enabled event. Default: one line each on stderr (Node, Deno), console.debug in browsers. */
  logger: DebugLogger;
}

/** A namespace's logger. Check `on` first: `if (debug.on) debug.log('retry', { attempt, error })`. @internal */
export interface Debug {
  readonly namespace: string;
  /** Whether this namespace logs. */
  readonly on: boolean;
  /** Logs one event (call it only when `on`). */
  log(event: string, fields?: Record<string, unknown>): void;
}

interface Switch {
  namespaces: string;
  logger: DebugLogger;
}

const all: Array<{ namespace: string; on: boolean }> = [];
let current: Switch | undefined;
let lastTime = 0;

/** The namespaces the host environment asks for: DEBUG (Node, Deno with env access), localStorage.debug (browsers). */
function fromEnvironment(): string {
  const g = globalThis as {
    process?: { env?: Record<string, string | undefined> };
    Deno?: { env?: { get(k: string): string | undefined }; permissions?: { querySync?(d: { name: string; variable: string }): { state: string } } };
    localStorage?: { getItem(k: string): string | null };
  };
  try {
    const deno = g.Deno;
    if (deno?.env) {
      // Asking without the permission would prompt (or throw) at import time: read it only when already granted.
      return deno.permissions?.querySync?.({ name: 'env', variable: 'DEBUG' }).state === 'granted' ? deno.env.get('DEBUG') ?? '' : '';
    }
    if (g.process?.env) return g.process.env.DEBUG ?? '';
    return g.localStorage?.getItem('debug') ?? '';
  } catch {
    return ''; // a sandboxed frame's localStorage throws; a missing switch is no reason to fail
  }
}

function matches(namespace: string, spec: string): boolean {
  let on = false;
  for (const part of spec.split(/[\s,]+/)) {
    if (!part) continue;
    const exclude = part[0] === '-';
    const pattern = exclude ? part.slice(1) : part;
    const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    if (!re.test(namespace)) continue;
    if (exclude) return false;
    on = true;
  }
  return on;
}

function settings(): Switch {
  return (current ??= { namespaces: fromEnvironment(), logger: defaultLogger });
}

/** The logger of `namespace`; whether it is on follows the switch. @internal */
export function createDebug(namespace: string): Debug {
  const debug = {
    namespace,
    on: matches(namespace, settings().namespaces),
    log(event: string, fields: Record<string, unknown> = {}): void {
      try {
        current!.logger({ namespace, event, fields, time: Date.now(), traceId: undefined });
      } catch {
        // a logger that throws must not break the connection it was told about
      }
    },
  };
  all.push(debug);
  return debug;
}

/**
 * Turns debug logging on or off, and routes it: `configureDebug({ namespaces: 'swarmwire:*' })`, or
 * `configureDebug({ namespaces: 'swarmwire:session', logger: (e) => pino.debug(e) })`. Options not given keep their
 * current value. For runtimes without an environment to read (Cloudflare Workers), and for tests.
 */
export function configureDebug(options: Readonly<Partial<DebugOptions>>): void {
  const s = settings();
  if (options.namespaces !== undefined) s.namespaces = options.namespaces || '';
  if (options.logger !== undefined) s.logger = options.logger;
  for (const d of all) d.on = matches(d.namespace, s.namespaces);
}

/** `swarmwire:session retry attempt=1 delayMs=87 error="…" +12ms`: on stderr where there is one, console.debug elsewhere. */
function defaultLogger(event: DebugEvent): void {
  const since = lastTime ? event.time - lastTime : 0;
  lastTime = event.time;
  let line = `${event.namespace} ${event.event}`;
  for (const [key, value] of Object.entries(event.fields)) if (value !== undefined) line += ` ${key}=${formatValue(value)}`;
  line += ` +${since}ms`;
  const g = globalThis as { process?: { stderr?: unknown }; Deno?: unknown };
  // debug's habit: Node and Deno write to stderr (console.error), browsers log at the Verbose level.
  if (g.process?.stderr || g.Deno) console.error(line);
  else console.debug(line);
}

/** A string as it is when it holds nothing to quote; errors as their code and message; anything else as JSON. */
function formatValue(value: unknown): string {
  if (value instanceof Error) value = `${(value as { code?: string }).code ?? value.name} ${value.message.replace(/^\[swarmwire\] /, '')}`;
  if (typeof value === 'string') return /^[\w.:/@+-]+$/.test(value) ? value : JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value); // a cycle, a bigint
  }
}
