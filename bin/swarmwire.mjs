#!/usr/bin/env node
// swarmwire command line. `swarmwire relay [--port 8787] [--host 127.0.0.1]` starts a relay node on Node;
// with --deno it runs the Deno relay (WebSocket and WebTransport) under the `deno` binary instead.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const USAGE = `usage: swarmwire relay [--port 8787] [--host 127.0.0.1] [--deno]`;
const [command, ...rest] = process.argv.slice(2);
if (command !== 'relay') {
  console.error(USAGE);
  process.exit(command === undefined || command === '--help' || command === '-h' ? 0 : 2);
}
const { values } = parseArgs({ args: rest, options: { port: { type: 'string', default: '8787' }, host: { type: 'string', default: '127.0.0.1' }, deno: { type: 'boolean', default: false } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`swarmwire: --port must be 0..65535, got ${values.port}\n${USAGE}`);
  process.exit(2);
}

if (values.deno) {
  // $DENO_BIN, else the npm `deno` package's binary for this platform, else `deno` on PATH.
  let deno = process.env.DENO_BIN;
  if (!deno) {
    try {
      const pkg = createRequire(import.meta.url).resolve(`@deno/${process.platform}-${process.arch}${process.platform === 'linux' ? '-glibc' : ''}/package.json`);
      const bin = pkg.replace(/package\.json$/, process.platform === 'win32' ? 'deno.exe' : 'deno');
      if (existsSync(bin)) deno = bin;
    } catch {
      // not installed: try PATH
    }
  }
  const entry = new URL('../dist/relay-deno.js', import.meta.url).pathname;
  const child = spawn(deno ?? 'deno', ['run', '--unstable-net', '-A', entry, '--port', String(port), '--host', values.host], { stdio: 'inherit' });
  child.on('error', (e) => {
    console.error(`swarmwire: cannot run deno (${e.message}); install it (npm i deno) or set DENO_BIN`);
    process.exit(1);
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await startNodeRelay();
}

async function startNodeRelay() {
  const { startRelay } = await import('../dist/relay.js');
  const server = await startRelay({ port, host: values.host });
  console.log(`swarmwire relay listening
  page:      ${server.url}
  websocket: ${server.wsUrl}`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
