// Deno side, client: swarmwire's connectWebSocket on Deno's own WebSocket, against a Node server whose
// connections echo, and answer a frame starting 0xFE with 1001 bytes.
//   deno run --allow-net --allow-read client.js <bundle.js> <ws-url>
// Prints one JSON line of results and exits 0, or prints {"failed":...} and exits 1.
const [bundle, url] = Deno.args;
const sw = await import(new URL(bundle, 'file:///').href);

function within(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`deadline: ${what}`)), ms)))])
    .finally(() => clearTimeout(timer));
}
const closed = (t) => within(new Promise((resolve) => t.on('close', resolve)), 10_000, 'close');
const opened = (t) => within(new Promise((resolve, reject) => {
  t.on('open', resolve);
  t.on('close', (i) => reject(new Error(`closed ${i.code} ${i.reason}`)));
}), 10_000, 'open');
const numbered = (seq, size) => {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seq * 7) & 0xff;
  return b;
};
const same = (a, b) => a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);

try {
  const results = { platformWebSocket: typeof globalThis.WebSocket === 'function' };

  // Frames sent while connecting go out on open, in order, and come back intact.
  const a = sw.connectWebSocket(url);
  results.initialState = a.state;
  const sizes = [0, 1, 125, 126, 65535, 65536, 70_000, 1 << 20, 3];
  const sent = sizes.map((s, i) => numbered(i, s));
  const got = [];
  const all = new Promise((resolve) => a.on('message', (f) => { got.push(f.slice()); if (got.length === sent.length) resolve(); }));
  for (const f of sent) a.send(f);
  await opened(a);
  await within(all, 15_000, 'echoes');
  results.roundTrip = got.length === sent.length && got.every((f, i) => same(f, sent[i]));
  await within(a.ready(), 10_000, 'ready');
  const aClosed = closed(a);
  a.close(1000, 'done');
  results.normalClose = await aClosed;

  // A code Deno's client socket refuses (1002) travels as its 4000-range mirror; the server maps it back.
  const b = sw.connectWebSocket(url);
  await opened(b);
  b.close(1002, 'from deno');
  results.protocolCloseState = b.state;

  // A message over this side's limit: the transport closes with 1009 and TOO_LARGE.
  const c = sw.connectWebSocket(url, { maxMessageBytes: 1000 });
  await opened(c);
  const cClosed = closed(c);
  c.send(new Uint8Array([0xfe]));
  const info = await cClosed;
  results.tooLarge = { code: info.code, error: info.error?.code, status: info.error?.status };

  // Nothing listens on port 1: CONNECT_FAILED.
  const d = sw.connectWebSocket('ws://127.0.0.1:1/');
  const dInfo = await closed(d);
  results.refused = { code: dInfo.code, error: dInfo.error?.code };

  console.log(JSON.stringify(results));
} catch (e) {
  console.log(JSON.stringify({ failed: String(e?.stack ?? e) }));
  Deno.exit(1);
}
