#!/usr/bin/env node
// swarmwire command line. `swarmwire relay [--port 8787] [--host 127.0.0.1]` starts a relay node.
import { parseArgs } from 'node:util';

const USAGE = `usage: swarmwire relay [--port 8787] [--host 127.0.0.1]`;
const [command, ...rest] = process.argv.slice(2);
if (command !== 'relay') {
  console.error(USAGE);
  process.exit(command === undefined || command === '--help' || command === '-h' ? 0 : 2);
}
const { values } = parseArgs({ args: rest, options: { port: { type: 'string', default: '8787' }, host: { type: 'string', default: '127.0.0.1' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`swarmwire: --port must be 0..65535, got ${values.port}\n${USAGE}`);
  process.exit(2);
}

const { startRelay } = await import('../dist/relay.js');
const server = await startRelay({ port, host: values.host, agents: true });
console.log(`swarmwire relay listening
  page:      ${server.url}
  websocket: ${server.wsUrl}`);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
