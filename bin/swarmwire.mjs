#!/usr/bin/env node
// The swarmwire command: `swarmwire relay [--port 8787] [--host 127.0.0.1] [--log] [--deno]`, `swarmwire --help`,
// `swarmwire --version`. The command itself is src/relay/cli.ts, built into dist/cli.js (typed, and bundled with the
// relay it starts); this file only finds it.
let cli;
try {
  cli = await import('../dist/cli.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist')) throw error;
  // A checkout that was never built (the published package always has dist/).
  process.stderr.write('swarmwire: dist/ is missing: run `npm run build` in the swarmwire checkout first\n');
  process.exit(1);
}
try {
  process.exit(await cli.main(process.argv.slice(2)));
} catch (error) {
  // Not a usage error and not a failure to listen (those are answered in one line by main): a bug. One line still,
  // with where to look; SWARMWIRE_STACK=1 prints the whole stack.
  process.stderr.write(`swarmwire: unexpected error: ${process.env.SWARMWIRE_STACK ? error?.stack : error?.message ?? error}\n`);
  process.exit(1);
}
