// README "When a connection fails": the block runs as it stands against a port nothing listens on (8799 in the
// README; here one the OS just handed out and took back), and prints what the README says it prints.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readmeBlock, runModule, substitute } from '../fixtures/readme.js';

it('reports each attempt with its reason, then gives up with a recoverable CONNECT_FAILED', async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  const code = substitute(readmeBlock('connect-failure'), [
    ["from 'swarmwire'", `from ${JSON.stringify(join(new URL('../..', import.meta.url).pathname, 'dist/index.js'))}`],
    ['8799', String(port)],
  ]);
  const { stdout } = await runModule(code);
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toMatch(new RegExp(`^attempt 1: \\[swarmwire\\] websocket ws://127\\.0\\.0\\.1:${port}/ws: could not connect: connect ECONNREFUSED 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\), next in \\d+ ms$`));
  expect(lines.length).toBeGreaterThan(2);
  lines.slice(0, -1).forEach((line, i) => expect(line).toMatch(new RegExp(`^attempt ${i + 1}: .*ECONNREFUSED`)));
  expect(lines.at(-1)).toBe('SW_ERR_CONNECT_FAILED true');
});
