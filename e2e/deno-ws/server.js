// Deno side, server: Deno.serve + upgradeWebSocket (through swarmwire's adapter) on 127.0.0.1, port 0.
//   deno run --allow-net --allow-read server.js <bundle.js> [maxMessageBytes]
// Prints {"port":N}, then one JSON line per event: {"event":"open"|"close","id":n,...}.
// Each connection echoes binary frames; a frame starting 0xFF is a command: close with the code in bytes 1–2
// (big endian) and the rest as the reason. A plain HTTP request gets 400 with the adapter's error code.
// Stop it by its PID.
const [bundle, max] = Deno.args;
const sw = await import(new URL(bundle, 'file:///').href);
const print = (o) => console.log(JSON.stringify(o));

let connections = 0;
Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: ({ port }) => print({ port }) }, (request) => {
  let upgraded;
  try {
    upgraded = sw.upgradeWebSocket(request, max ? { maxMessageBytes: Number(max) } : {});
  } catch (e) {
    // A plain HTTP request: the adapter's typed error, as the body of a 400.
    return new Response(e.code, { status: 400 });
  }
  const id = ++connections;
  const { response, transport } = upgraded;
  transport.on('open', () => print({ event: 'open', id }));
  transport.on('close', (info) => print({ event: 'close', id, code: info.code, reason: info.reason, error: info.error?.code ?? null, status: info.error?.status ?? null }));
  transport.on('message', (frame) => {
    if (frame[0] === 0xff && frame.byteLength >= 3) {
      transport.close((frame[1] << 8) | frame[2], new TextDecoder().decode(frame.subarray(3)));
    } else {
      transport.send(frame.slice());
    }
  });
  return response;
});
