// Run in Chromium by e2e/webtransport.e2e.test.ts against the Deno relay: sessions over WebTransport (with
// serverCertificateHashes) and WebSocket exchanging frames and calling the built-in module `relay`, protocol
// violations on a raw WebTransport stream, and the fallback to WebSocket. Returns plain JSON.
import { type CloseInfo, type Frame, MessageType, RELAY_MODULE, type Transport, connectFallback, connectSession, connectWebSocket, connectWebTransport, decodeBody } from 'swarmwire';
import { HEADER_SIZE, PROTOCOL_VERSION, decodeFrame, encodeFrame, fnv1a32, parseRouted, routedBody } from 'swarmwire/wire';

type Session = Awaited<ReturnType<typeof connectSession>>;

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

async function until(test: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function client(name: string, dial: () => Transport | Promise<Transport>) {
  const session = await within(connectSession(dial, { metadata: { name }, heartbeatIntervalMs: 0, reconnect: false }), 15_000, `${name} connect`);
  const inbox: Frame[] = [];
  session.on('frame', (f) => inbox.push({ ...f, payload: f.payload.slice() }));
  const call = async (method: string, args: unknown[] = []): Promise<{ type: number; body: any }> => {
    const id = session.send({ type: MessageType.Request, moduleId: RELAY_MODULE, methodHash: fnv1a32(method), body: args });
    await until(() => inbox.some((f) => Number(f.requestId) === id), 10_000, `${name} ${method}`);
    const f = inbox.find((x) => Number(x.requestId) === id)!;
    return { type: f.type, body: decodeBody(f) };
  };
  return { session, inbox, call };
}

const hexOf = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Two sessions, one per transport, routing acked frames both ways through the relay. */
export async function runPeers(wsUrl: string, wtUrl: string, hash: string) {
  const alice = await client('alice (wt)', () => connectWebTransport(wtUrl, { serverCertificateHashes: [hash] }));
  const bob = await client('bob (ws)', () => connectWebSocket(wsUrl));
  const echo = await alice.call('echo', [{ text: 'héllo', bytes: new Uint8Array([7, 8, 9]) }]);
  const peers = (await alice.call('peers')).body as Array<{ metadata: { name: string }; transport: string }>;
  const N = 300;
  const size = (i: number): number => (i % 60 === 0 ? 200_000 : (i * 37) % 3000);
  const send = (from: Session, to: Session): void => {
    for (let i = 0; i < N; i++) {
      const inner = encodeFrame({ type: MessageType.Event, requestId: i + 1, payload: new Uint8Array(size(i)).fill(i & 0xff) });
      from.send({ type: MessageType.Routed, ack: true, body: routedBody(to.nodeId, inner) });
    }
  };
  send(alice.session, bob.session);
  send(bob.session, alice.session);
  const routed = (inbox: Frame[]) => inbox.filter((f) => f.type === MessageType.Routed).map((f) => parseRouted(decodeBody(f)));
  await until(() => routed(alice.inbox).length >= N && routed(bob.inbox).length >= N, 60_000, 'routed frames');
  const summary = (inbox: Frame[], from: Session) => {
    const got = routed(inbox);
    const inner = got.map((r) => decodeFrame(r.frame));
    return {
      count: got.length,
      inOrder: inner.every((f, i) => Number(f.requestId) === i + 1),
      bytesOk: inner.every((f, i) => f.payloadLength === size(i) && f.payload.every((b) => b === (i & 0xff))),
      fromOk: got.every((r) => hexOf(r.from) === hexOf(from.nodeId)),
    };
  };
  const result = {
    kinds: [alice.session.transportKind, bob.session.transportKind],
    echo: { type: echo.type, text: echo.body.text, bytes: Array.from(echo.body.bytes as Uint8Array) },
    peers: peers.map((p) => `${p.metadata.name}: ${p.transport}`).sort(),
    toBob: summary(bob.inbox, alice.session),
    toAlice: summary(alice.inbox, bob.session),
    rtt: await within(alice.session.ping(), 5000, 'ping'),
  };
  alice.session.close();
  bob.session.close();
  return result;
}

/** A Hello-shaped first frame, to spoil. */
const hello = (): Uint8Array => encodeFrame({ type: MessageType.Hello, body: { version: PROTOCOL_VERSION } });

/** Raw WebTransport streams that break the protocol, and a session beside them. */
export async function runViolations(wtUrl: string, hash: string) {
  const bystander = await client('bystander', () => connectWebTransport(wtUrl, { serverCertificateHashes: [hash] }));
  const cases: Record<string, Uint8Array> = {
    'bad magic': (() => {
      const f = hello();
      f[0] = 0x58;
      return f;
    })(),
    oversized: (() => {
      const f = encodeFrame({ type: MessageType.Event, body: 'x' });
      new DataView(f.buffer, f.byteOffset).setUint32(28, 100 * 1024 * 1024);
      return f.subarray(0, HEADER_SIZE);
    })(),
  };
  const out: Record<string, { code: number; status: number | null }> = {};
  for (const [name, bytes] of Object.entries(cases)) {
    const t = connectWebTransport(wtUrl, { serverCertificateHashes: [hash] });
    const frames: Frame[] = [];
    t.on('message', (m) => frames.push(decodeFrame(m.slice())));
    const closed = new Promise<CloseInfo>((resolve) => t.on('close', resolve));
    t.send(bytes);
    const info = await within(closed, 10_000, `${name} close`);
    const error = frames.find((f) => f.type === MessageType.Error);
    out[name] = { code: info.code, status: error ? (decodeBody(error) as { status: number }).status : null };
  }
  const echo = await bystander.call('echo', ['still here']);
  const result = { cases: out, echo: echo.body, state: bystander.session.state };
  bystander.session.close();
  return result;
}

/** connectFallback: a certificate hash the relay does not have, then a runtime without WebTransport. */
export async function runFallback(wsUrl: string, wtUrl: string, wrongHash: string) {
  const reasons: string[] = [];
  const onFallback = (e: unknown): void => void reasons.push((e as { code?: string }).code ?? String((e as Error).message));
  const refused = await client('refused cert', () => connectFallback({ webtransport: wtUrl, websocket: wsUrl, deadlineMs: 5000, webtransportOptions: { serverCertificateHashes: [wrongHash] }, onFallback }));
  const viaRefused = { kind: refused.session.transportKind, echo: (await refused.call('echo', ['after a refused certificate'])).body };
  refused.session.close();
  const g = globalThis as { WebTransport?: unknown };
  const saved = g.WebTransport;
  delete g.WebTransport;
  try {
    const missing = await client('no webtransport', () => connectFallback({ webtransport: wtUrl, websocket: wsUrl, onFallback }));
    const viaMissing = { kind: missing.session.transportKind, echo: (await missing.call('echo', ['without WebTransport'])).body };
    missing.session.close();
    return { hasWebTransport: typeof saved, viaRefused, viaMissing, reasons };
  } finally {
    g.WebTransport = saved;
  }
}
