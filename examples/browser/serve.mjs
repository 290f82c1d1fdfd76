// Serves this page and the package file it imports, and starts a relay for it to join.
//   node serve.mjs [port]        (default 8080; 0 picks a free one), then open the URL it prints
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { startRelay } from 'swarmwire/node';

const files = {
  '/': [new URL('./index.html', import.meta.url), 'text/html; charset=utf-8'],
  '/main.js': [new URL('./main.js', import.meta.url), 'text/javascript; charset=utf-8'],
  // The self-contained ESM build, wherever npm installed the package.
  '/swarmwire.esm.js': [new URL('./dist/swarmwire.esm.js', import.meta.resolve('swarmwire/package.json')), 'text/javascript; charset=utf-8'],
};

const relay = await startRelay({ port: 0 });
const server = createServer(async (request, response) => {
  const file = files[new URL(request.url, 'http://x').pathname];
  if (!file) return response.writeHead(404).end('not found');
  response.writeHead(200, { 'content-type': file[1] }).end(await readFile(file[0]));
});
server.listen(Number(process.argv[2] ?? 8080), '127.0.0.1', () => {
  console.log(`open http://127.0.0.1:${server.address().port}/?relay=${encodeURIComponent(relay.wsUrl)} (Ctrl-C to stop)`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    server.close();
    await relay.close();
    process.exit(0);
  });
}
