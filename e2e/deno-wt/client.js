// Deno clients of the Deno relay, driven by test/relay-deno.test.ts. One JSON line per check, then {"done":true}.
//   deno run --unstable-net -A client.js <sdk bundle> <scenario> <ws url> <wt url> <cert hash hex>
// Scenarios: "peers" (a WebTransport and a WebSocket client exchange frames through the relay and call `relay`),
// "violations" (raw WebTransport streams break the protocol; a session beside them keeps working),
// "fallback" (a WebTransport attempt that cannot succeed falls back to WebSocket), "datagrams" (Low-priority frames
// sent as datagrams by a client that opted in reach a peer through the stock relay).
const [bundle, scenario, wsUrl, wtUrl, hash] = Deno.args;
const sw = await import(bundle);
const print = (line) => console.log(JSON.stringify(line));
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function within(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

async function client(name, dial) {
  const session = await within(sw.connectSession(dial, { metadata: { name }, heartbeatIntervalMs: 0, reconnect: false }), 10_000, `${name} connect`);
  const inbox = [];
  const waiters = [];
  session.on('frame', (f) => {
    inbox.push({ ...f, payload: f.payload.slice() });
    for (const w of waiters.splice(0)) w();
  });
  const until = async (test, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!test()) {
      if (Date.now() > end) throw new Error(`${name}: condition not met within ${ms} ms`);
      await new Promise((r) => { waiters.push(r); setTimeout(r, 20); });
    }
  };
  const call = async (method, args = []) => {
    const id = session.send({ type: sw.MessageType.Request, moduleId: sw.RELAY_MODULE, methodHash: sw.fnv1a32(method), body: args });
    await until(() => inbox.some((f) => Number(f.requestId) === id));
    const f = inbox.find((x) => Number(x.requestId) === id);
    return { type: f.type, body: sw.decodeBody(f) };
  };
  return { session, inbox, until, call };
}

const overWt = () => sw.connectWebTransport(wtUrl, { serverCertificateHashes: [hash] });
const overWs = () => sw.connectWebSocket(wsUrl);

/** A bare WebTransport transport speaking raw bytes, to misbehave with. */
async function raw() {
  const t = sw.connectWebTransport(wtUrl, { serverCertificateHashes: [hash] });
  const frames = [];
  t.on('message', (bytes) => frames.push(sw.decodeFrame(bytes.slice())));
  const closed = new Promise((resolve) => t.on('close', (info) => resolve({ code: info.code, reason: info.reason })));
  await within(new Promise((resolve, reject) => { t.on('open', resolve); t.on('close', (i) => reject(new Error(`closed ${i.code} ${i.reason}`))); }), 10_000, 'raw open');
  return { t, frames, closed };
}

/** A Hello-shaped first frame, to spoil. */
const hello = () => sw.encodeFrame({ type: sw.MessageType.Hello, body: { version: sw.PROTOCOL_VERSION } });

/** The dialling handshake done by hand on a raw transport (the SDK's own sans-IO InitiatorHandshake). */
async function handshake(r) {
  const frame = async (type) => {
    await within((async () => { while (!r.frames.some((f) => f.type === type)) await new Promise((q) => setTimeout(q, 10)); })(), 5000, `frame ${type}`);
    return r.frames.find((f) => f.type === type);
  };
  const hs = new sw.InitiatorHandshake(await sw.createIdentity(), { role: 'edge', capabilities: [], features: 0, maxPayload: sw.MAX_PAYLOAD, metadata: {} });
  r.t.send(sw.encodeFrame({ type: sw.MessageType.Hello, payload: hs.hello() }));
  const ack = await frame(sw.MessageType.HelloAck);
  const { proof } = await hs.reply(ack.type, ack.payload);
  r.t.send(sw.encodeFrame({ type: sw.MessageType.HelloProof, payload: proof }));
  const done = await frame(sw.MessageType.HelloDone);
  hs.done(done.type, done.payload);
}

try {
  if (scenario === 'peers') {
    const alice = await client('alice', overWt);
    const bob = await client('bob', overWs);
    print({ check: 'kinds', alice: alice.session.transportKind, bob: bob.session.transportKind });
    const echo = await alice.call('echo', [{ n: 42, bytes: new Uint8Array([1, 2, 3]) }]);
    print({ check: 'echo', type: echo.type, n: echo.body.n, bytes: Array.from(echo.body.bytes) });
    const peers = await alice.call('peers');
    print({ check: 'peers', peers: peers.body.map((p) => ({ name: p.metadata.name, transport: p.transport })).sort((a, b) => a.name.localeCompare(b.name)) });
    // 500 acked frames each way, sizes from 0 B to 100 KiB, through the relay: all arrive, once, in order.
    const N = 500;
    const size = (i) => (i % 50 === 0 ? 100_000 : i % 7) * 13;
    const send = (from, to) => {
      for (let i = 0; i < N; i++) {
        const payload = new Uint8Array(size(i)).fill(i & 0xff);
        from.session.send({ type: sw.MessageType.Routed, ack: true, body: sw.routedBody(to.session.nodeId, sw.encodeFrame({ type: sw.MessageType.Event, requestId: i + 1, payload })) });
      }
    };
    send(alice, bob);
    send(bob, alice);
    const check = (inbox, fromId) => {
      const got = inbox.filter((f) => f.type === sw.MessageType.Routed).map((f) => sw.parseRouted(sw.decodeBody(f)));
      const inner = got.map((r) => sw.decodeFrame(r.frame));
      return {
        count: got.length,
        inOrder: inner.every((f, i) => Number(f.requestId) === i + 1),
        sizesOk: inner.every((f, i) => f.payloadLength === size(i) && f.payload.every((b) => b === (i & 0xff))),
        fromOk: got.every((r) => hex(r.from) === fromId),
      };
    };
    await alice.until(() => alice.inbox.filter((f) => f.type === sw.MessageType.Routed).length >= N, 30_000);
    await bob.until(() => bob.inbox.filter((f) => f.type === sw.MessageType.Routed).length >= N, 30_000);
    print({ check: 'routed', toBob: check(bob.inbox, hex(alice.session.nodeId)), toAlice: check(alice.inbox, hex(bob.session.nodeId)) });
    const health = alice.session.send({ type: sw.MessageType.HealthCheck });
    await alice.until(() => alice.inbox.some((f) => Number(f.requestId) === health));
    print({ check: 'health', body: sw.decodeBody(alice.inbox.find((f) => Number(f.requestId) === health)) });
    const rtt = await within(alice.session.ping(), 5000, 'ping');
    print({ check: 'ping', rtt });
    alice.session.close();
    bob.session.close();
  } else if (scenario === 'violations') {
    const bystander = await client('bystander', overWt);
    const cases = {
      magic: (() => { const f = hello(); f[0] = 0x58; return f; })(),
      oversized: (() => { const f = sw.encodeFrame({ type: sw.MessageType.Event, body: 'x' }); new DataView(f.buffer, f.byteOffset).setUint32(28, 100 * 1024 * 1024); return f.subarray(0, 32); })(),
      'not hello': sw.encodeFrame({ type: sw.MessageType.Request, body: [] }),
      'bad magic after hello': null,
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const r = await raw();
      if (bytes) r.t.send(bytes);
      else {
        await handshake(r);
        const f = sw.encodeFrame({ type: sw.MessageType.Event, body: 'y' });
        f[1] = 0x00;
        r.t.send(f);
      }
      const info = await within(r.closed, 10_000, `${name} close`);
      const error = r.frames.find((f) => f.type === sw.MessageType.Error);
      print({ check: 'violation', name, code: info.code, status: error ? sw.decodeBody(error).status : null });
    }
    const echo = await bystander.call('echo', ['still here']);
    const stats = await bystander.call('stats');
    print({ check: 'bystander', echo: echo.body, state: bystander.session.state, peers: stats.body.peers });
    bystander.session.close();
  } else if (scenario === 'chaos') {
    // Acked frames from alice to bob, both over WebTransport, while one of their sessions is closed at once
    // (streams reset, in-flight bytes lost) about every 200 ms. Exactly once, in order. CHAOS_TOTAL sets the count.
    const TOTAL = Number(Deno.env.get('CHAOS_TOTAL') ?? 50_000);
    const peer = async (name) => {
      let live;
      const Tracked = class extends WebTransport {
        constructor(...args) {
          super(...args);
          live = this;
        }
      };
      const session = await within(sw.connectSession(() => sw.connectWebTransport(wtUrl, { serverCertificateHashes: [hash], WebTransport: Tracked }), {
        // A bounded backlog: every reconnect re-sends all unacked frames, and that must fit between two kills.
        metadata: { name }, heartbeatIntervalMs: 0, maxUnacked: 2_000, reconnect: { initialDelayMs: 5, maxDelayMs: 50 },
      }), 10_000, `${name} connect`);
      return { session, kill: () => { try { live?.close({ closeCode: 4999, reason: 'chaos' }); } catch { /* already gone */ } } };
    };
    const alice = await peer('alice');
    const bob = await peer('bob');
    let received = 0, duplicates = 0, outOfOrder = 0, expected = 0;
    bob.session.on('frame', (frame) => {
      const n = sw.decodeBody(sw.decodeFrame(sw.parseRouted(sw.decodeBody(frame)).frame));
      received++;
      if (n < expected) duplicates++;
      else if (n > expected) outOfOrder++;
      expected = Math.max(expected, n + 1);
    });
    // The relay acks alice as soon as it has a frame and keeps at most maxUnacked (10,000) frames for a bob that is
    // away; past that it answers alice with an Error instead. So alice stays within 5,000 frames of bob.
    const errors = [];
    alice.session.on('frame', (f) => f.type === sw.MessageType.Error && errors.push(sw.decodeBody(f).message));
    let kills = 0;
    // A kill every 200 ms, of a session that is open again: on a slow machine a reconnect plus the re-sending of
    // every unacked frame can take longer than 200 ms, and killing it before it is back would only measure that.
    const killer = setInterval(() => {
      const victim = kills % 2 === 0 ? alice : bob;
      if (victim.session.state !== 'open') return;
      victim.kill();
      kills++;
    }, 200);
    const started = performance.now();
    for (let i = 0; i < TOTAL; ) {
      if (i - received > 5_000) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      try {
        alice.session.send({ type: sw.MessageType.Routed, ack: true, body: sw.routedBody(bob.session.nodeId, sw.encodeFrame({ type: sw.MessageType.Event, body: i })) });
        i++;
      } catch (error) {
        if (error.code !== 'SW_ERR_SESSION_FULL' && error.code !== 'SW_ERR_TRANSPORT_FULL') throw error;
        await new Promise((r) => setTimeout(r, 5));
      }
      if (i % 200 === 0) await new Promise((r) => setTimeout(r, 0));
    }
    const deadline = Date.now() + 60_000;
    while (received - duplicates < TOTAL && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    clearInterval(killer);
    print({ check: 'chaos', total: TOTAL, delivered: received, duplicates, outOfOrder, last: expected, kills, errors: errors.slice(0, 3), seconds: +((performance.now() - started) / 1000).toFixed(1) });
    alice.session.close();
    bob.session.close();
  } else if (scenario === 'datagrams') {
    // alice opted in to datagrams (the relay did not); her WebTransport class counts what goes out as a datagram.
    let sentAsDatagrams = 0;
    const Counting = class extends WebTransport {
      constructor(...args) {
        super(...args);
        const writable = this.datagrams.writable;
        const tap = new WritableStream({ async write(chunk) { sentAsDatagrams++; const w = writable.getWriter(); try { await w.write(chunk); } finally { w.releaseLock(); } } });
        Object.defineProperty(this, 'datagrams', { value: { readable: this.datagrams.readable, writable: tap, maxDatagramSize: this.datagrams.maxDatagramSize } });
      }
    };
    const alice = await client('alice', () => sw.connectWebTransport(wtUrl, { serverCertificateHashes: [hash], datagrams: true, WebTransport: Counting }));
    const bob = await client('bob', overWs);
    const N = 20;
    for (let i = 1; i <= N; i++) {
      // Spaced a little: a full datagram queue drops a frame (best effort), and this counts arrivals, not drops.
      alice.session.send({ type: sw.MessageType.Routed, priority: sw.Priority.Low, body: sw.routedBody(bob.session.nodeId, sw.encodeFrame({ type: sw.MessageType.Event, requestId: i, body: `datagram ${i}` })) });
      await new Promise((r) => setTimeout(r, 20));
    }
    const arrived = () => bob.inbox.filter((f) => f.type === sw.MessageType.Routed).length;
    await bob.until(() => arrived() >= N, 5_000).catch(() => {});
    const got = bob.inbox.filter((f) => f.type === sw.MessageType.Routed).map((f) => sw.decodeFrame(sw.parseRouted(sw.decodeBody(f)).frame));
    print({ check: 'datagrams', sent: N, sentAsDatagrams, arrived: got.length, bodies: got.map((f) => sw.decodeBody(f)).sort() });
    alice.session.close();
    bob.session.close();
  } else if (scenario === 'fallback') {
    const reasons = [];
    const dead = wtUrl; // a URL where no WebTransport server answers
    const t = await sw.connectFallback({ webtransport: dead, websocket: wsUrl, deadlineMs: 1500, webtransportOptions: { serverCertificateHashes: [hash] }, onFallback: (e) => reasons.push(e.code ?? e.message) });
    const c = await client('fallback', () => t);
    const echo = await c.call('echo', ['via fallback']);
    print({ check: 'fallback', kind: t.kind, reasons, echo: echo.body });
    c.session.close();
  }
  print({ done: true });
} catch (error) {
  print({ failed: String(error?.stack ?? error) });
}
setTimeout(() => Deno.exit(0), 300);
