// The `swarmwire` command on Node (bin/swarmwire.mjs loads this as dist/cli.js): `swarmwire relay` starts the Node
// relay, or with --deno the Deno relay under the deno binary. Usage errors exit 2, runtime failures 1, each as one
// line on stderr: a user who mistyped a flag needs the usage, not a stack trace. @internal
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { logRelayActivity } from './activity.js';
import {
  CLI_VERSION, EXIT_FAILURE, EXIT_USAGE, type FlagSpec, HELP_FLAG, type ParsedArgs, RELAY_FLAGS, type RelayLimitFlags, UsageError, describeFlags, limitArgs, listenFailure, parseFlags,
  relayAddress, relayLimits, relayTrust,
} from './cli-args.js';
import { startRelay } from './node.js';
import { fileIdentityStore, loadIdentity } from '../session/identity-store.js';

const TOP_FLAGS = {
  help: { type: 'boolean', short: 'h', help: 'show this help (swarmwire relay --help for the relay\'s options)' },
  version: { type: 'boolean', help: 'print the version' },
} as const satisfies Record<string, FlagSpec>;

const NODE_RELAY_FLAGS = {
  ...RELAY_FLAGS,
  deno: { type: 'boolean', help: 'run the Deno relay (WebSocket and WebTransport) under deno instead (default off)' },
  'no-webtransport': { type: 'boolean', help: 'with --deno: serve WebSocket only (default: WebTransport too)' },
  'accept-agents': { type: 'boolean', help: "let any peer move agents into the relay process, as the dashboard's buttons do (default: refused)" },
  help: HELP_FLAG,
} as const satisfies Record<string, FlagSpec>;

const USAGE = `usage: swarmwire <command> [options]

commands:
  relay    start a relay: the dashboard at http://127.0.0.1:8787/, WebSocket at /ws

options:
${describeFlags(TOP_FLAGS)}`;

const RELAY_USAGE = `usage: swarmwire relay [options]

Starts a relay node: peers connect over WebSocket at /ws; its dashboard is at /.

options:
${describeFlags(NODE_RELAY_FLAGS)}`;

/** Where the command writes, and how it waits for a stop signal (tests and the bin give process's). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Calls `stop` once on SIGINT or SIGTERM. */
  onStop(stop: () => void): void;
}

// A reader that went away (`swarmwire relay --log | head`) must not take the relay down with an EPIPE stack: the
// relay keeps serving, and its lines go nowhere.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

const processIo: CliIo = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
  onStop(stop) {
    let stopping = false;
    const once = (): void => {
      if (stopping) return;
      stopping = true;
      stop();
    };
    process.once('SIGINT', once);
    process.once('SIGTERM', once);
  },
};

/**
 * Runs the command line `args` (without node and the script). Resolves with the exit code once the command is over:
 * at once for help, version and errors; when stopped (Ctrl-C) for a relay.
 */
export async function main(args: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = args;
  let usage = USAGE;
  try {
    if (command === 'relay') {
      usage = RELAY_USAGE;
      const { values, positionals } = parseFlags(rest, NODE_RELAY_FLAGS);
      if (values.help) return done(io, RELAY_USAGE);
      if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
      if (values['no-webtransport'] && !values.deno) throw new UsageError('--no-webtransport needs --deno (the Node relay serves WebSocket only)');
      if (values['accept-agents'] && values.deno) throw new UsageError('--accept-agents is for the Node relay (the Deno relay hosts no agents)');
      const { port, host } = relayAddress(values);
      const trust = relayTrust(values);
      const limits = relayLimits(values);
      return values.deno ? await runDeno(io, port, host, values) : await runNode(io, port, host, values.log === true, trust, values['accept-agents'] === true, limits);
    }
    const { values, positionals } = parseFlags(args, TOP_FLAGS);
    if (values.version) return done(io, CLI_VERSION);
    if (values.help) return done(io, USAGE);
    throw new UsageError(positionals.length > 0 ? `unknown command "${positionals[0]}"` : 'missing command');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`swarmwire: ${error.message}\n\n${usage}`);
    return EXIT_USAGE;
  }
}

function done(io: CliIo, text: string): number {
  io.out(text);
  return 0;
}

async function runNode(io: CliIo, port: number, host: string, log: boolean, trust: ReturnType<typeof relayTrust>, acceptAgents: boolean, limits: RelayLimitFlags): Promise<number> {
  let identity;
  try {
    identity = trust.identityFile ? await loadIdentity(fileIdentityStore(trust.identityFile)) : undefined;
  } catch (error) {
    io.err(`swarmwire relay: cannot use ${trust.identityFile} as the relay's identity: ${(error as Error).message.split('\n')[0]}`);
    return EXIT_FAILURE;
  }
  let server: Awaited<ReturnType<typeof startRelay>>;
  try {
    server = await startRelay({ port, host, agents: true, acceptAgents, ...(identity ? { identity } : {}), trustedRelays: trust.trustedRelays, ...limits });
  } catch (error) {
    io.err(`swarmwire relay: ${listenFailure(error, host, port)}`);
    return EXIT_FAILURE;
  }
  io.out(`swarmwire relay ${CLI_VERSION} listening
  page:      ${server.url}
  websocket: ${server.wsUrl}
  node id:   ${server.relay.identity.idHex}${identity ? ` (kept in ${trust.identityFile})` : ' (new this run: --identity FILE keeps it)'}
Ready${log ? '; logging peers and agents' : ''}. Ctrl-C to stop.`);
  if (log) logRelayActivity(server.relay, { print: io.out });
  await new Promise<void>((resolve) => io.onStop(resolve));
  io.out('swarmwire relay: stopping (telling peers goodbye)');
  await server.close();
  return 0;
}

/** `swarmwire relay --deno`: the Deno entry under $DENO_BIN, the npm deno package's binary, or `deno` on PATH. */
async function runDeno(io: CliIo, port: number, host: string, values: ParsedArgs['values']): Promise<number> {
  const entry = fileURLToPath(new URL('./deno.js', import.meta.url));
  const args = ['run', '--unstable-net', '-A', entry, '--port', String(port), '--host', host];
  if (values.log) args.push('--log');
  if (values['no-webtransport']) args.push('--no-webtransport');
  if (typeof values.identity === 'string') args.push('--identity', values.identity);
  if (typeof values.trust === 'string') args.push('--trust', values.trust);
  args.push(...limitArgs(values));
  const child = spawn(denoBinary() ?? 'deno', args, { stdio: 'inherit', env: { DENO_NO_UPDATE_CHECK: '1', ...process.env } });
  io.onStop(() => child.kill('SIGINT'));
  return new Promise<number>((resolve) => {
    child.once('error', (error) => {
      io.err(`swarmwire relay: cannot run deno (${error.message}); install it (npm i deno) or set DENO_BIN`);
      resolve(EXIT_FAILURE);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : EXIT_FAILURE)));
  });
}

function denoBinary(): string | undefined {
  if (process.env.DENO_BIN) return process.env.DENO_BIN;
  try {
    const triple = `${process.platform}-${process.arch}${process.platform === 'linux' ? '-glibc' : ''}`;
    const pkg = createRequire(import.meta.url).resolve(`@deno/${triple}/package.json`);
    const bin = pkg.replace(/package\.json$/, process.platform === 'win32' ? 'deno.exe' : 'deno');
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined; // not installed: `deno` on PATH
  }
}
