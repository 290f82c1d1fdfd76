// Authentication and isolation: the shared-secret hook, Origin allowlists on every WebSocket server, nothing
// reachable before a successful Hello, and decoded maps that cannot touch prototypes.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { memoryPair } from '../src/transport/memory.js';
import { Relay, RELAY_MODULE } from '../src/relay/relay.js';
import { startRelay, type RelayServer } from '../src/relay/node.js';
import { connectSession } from '../src/session/connect.js';
import { sharedSecret } from '../src/session/auth.js';
import { listenWebSocket } from '../src/transport/websocket-node.js';
import { upgradeWebSocket } from '../src/transport/websocket-deno.js';
import { connectWebSocket, type WebSocketConstructor } from '../src/transport/websocket.js';
import { originAllowed } from '../src/transport/origin.js';
import type { CloseInfo } from '../src/transport/transport.js';
import { decodeBody, decodeFrames, encodeFrame, type Frame } from '../src/wire/frame.js';
import { MessageType, Status } from '../src/wire/constants.js';
import { fnv1a32 } from '../src/wire/fnv.js';
import { pack, unpack } from '../src/wire/payload.js';
import { parseHello } from '../src/wire/hello.js';
import { createIdentity, type Identity, KeyAlgorithmId } from '../src/session/identity.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

let identity: Identity;
beforeAll(async () => {
  identity = await createIdentity();
});

/** A well-formed Hello of `identity` (its key and id; the proof that must follow is another frame). */
const hello = (token?: string) => ({
  version: 2, minVersion: 2, nodeId: identity.id, role: 'edge', capabilities: [], features: 0, maxPayload: 1 << 20, metadata: {},
  alg: KeyAlgorithmId[identity.algorithm], key: identity.publicKey, nonce: new Uint8Array(32).fill(1),
  ...(token === undefined ? {} : { token }),
});

describe('sharedSecret()', () => {
  it('admits the right token, refuses a wrong, a missing or a prefix one, and accepts any of several for rotation', async () => {
    const authorize = sharedSecret(['old-secret', 'new-secret']);
    const check = (token?: string) => authorize({ id: identity.idHex, hello: parseHello(hello(token)) });
    expect(await check('new-secret')).toBe(true);
    expect(await check('old-secret')).toBe(true);
    expect(await check('new-secre')).toBe(false);
    expect(await check('new-secret!')).toBe(false);
    expect(await check('')).toBe(false);
    expect(await check(undefined)).toBe(false);
    expect(() => sharedSecret('')).toThrow(RangeError);
    expect(() => sharedSecret([])).toThrow(RangeError);
  });

  it('guards a relay: a wrong token gets Unauthorized and a close, and the client does not retry', async () => {
    const relay = await Relay.create({ heartbeatIntervalMs: 0, authorize: sharedSecret('s3cret') });
    cleanups.push(() => relay.close());
    let dials = 0;
    const dial = () => {
      dials++;
      const [a, b] = memoryPair();
      relay.accept(b).catch(() => {});
      return a;
    };
    await expect(connectSession(dial, { token: 'guess', heartbeatIntervalMs: 0 })).rejects.toMatchObject({ code: 'SW_ERR_HANDSHAKE_REJECTED', status: Status.Unauthorized });
    expect(dials).toBe(1);
    const ok = await connectSession(dial, { token: 's3cret', heartbeatIntervalMs: 0 });
    cleanups.push(() => ok.close());
    expect(ok.state).toBe('open');
    expect(relay.stats().peers).toBe(1);
  });
});

describe('nothing is reachable before authentication', () => {
  async function raw(first: Uint8Array[]) {
    const relay = await Relay.create({ heartbeatIntervalMs: 0, authorize: sharedSecret('s3cret') });
    cleanups.push(() => relay.close());
    const [a, b] = memoryPair();
    const accepted = relay.accept(b);
    accepted.catch(() => {});
    const got: Frame[] = [];
    a.on('message', (bytes) => got.push(...decodeFrames(bytes.slice())));
    const closed = new Promise<CloseInfo>((r) => a.on('close', r));
    for (const bytes of first) a.send(bytes);
    const info = await closed;
    await expect(accepted).rejects.toBeDefined();
    return { relay, got, info };
  }
  const echo = encodeFrame({ type: MessageType.Request, requestId: 1, moduleId: RELAY_MODULE, methodHash: fnv1a32('echo'), body: ['leak?'] });

  it('a request before Hello gets one Error (InvalidFrame) and a close — no answer', async () => {
    const { relay, got, info } = await raw([echo, echo]);
    expect(got.map((f) => [f.type, decodeBody<{ status: number }>(f).status])).toEqual([[MessageType.Error, Status.InvalidFrame]]);
    expect(info.code).toBe(1002);
    expect(relay.stats().framesIn).toBe(0);
  });

  it('frames right behind a Hello with a wrong token get nothing: one Error (Unauthorized), then the close', async () => {
    const { relay, got, info } = await raw([encodeFrame({ type: MessageType.Hello, body: hello('wrong') }), echo, echo]);
    expect(got.map((f) => [f.type, decodeBody<{ status: number }>(f).status])).toEqual([[MessageType.Error, Status.Unauthorized]]);
    expect(info.code).toBe(1008);
    expect(relay.stats()).toMatchObject({ framesIn: 0, peers: 0 });
  });
});

describe('Origin allowlists', () => {
  it('originAllowed: no policy admits all; lists match exactly; a missing Origin passes unless required', () => {
    expect(originAllowed('https://evil.test', undefined)).toBe(true);
    expect(originAllowed('https://app.test', ['https://app.test'])).toBe(true);
    expect(originAllowed('https://app.test.evil.test', ['https://app.test'])).toBe(false);
    expect(originAllowed(undefined, ['https://app.test'])).toBe(true);
    expect(originAllowed(undefined, ['https://app.test'], true)).toBe(false);
    expect(originAllowed('https://x.test', ['*'])).toBe(true);
    expect(originAllowed('https://x.test', (o) => o?.endsWith('.test') === true)).toBe(true);
  });

  /** Opens a raw ws socket with an Origin header; resolves with 'open' or the HTTP status it was refused with. */
  const tryOrigin = (url: string, origin?: string): Promise<string | number> => new Promise((resolve) => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin });
    ws.on('open', () => (ws.close(), resolve('open')));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => {});
  });

  it('the Node relay answers 403 to an Origin not on its list, before any socket or Hello', async () => {
    const server: RelayServer = await startRelay({ port: 0, heartbeatIntervalMs: 0, allowedOrigins: ['http://app.test'] });
    cleanups.push(() => server.close());
    expect(await tryOrigin(server.wsUrl, 'http://evil.test')).toBe(403);
    expect(await tryOrigin(server.wsUrl, 'http://app.test')).toBe('open');
    expect(await tryOrigin(server.wsUrl)).toBe('open');
    const strict = await startRelay({ port: 0, heartbeatIntervalMs: 0, allowedOrigins: ['http://app.test'], requireOrigin: true });
    cleanups.push(() => strict.close());
    expect(await tryOrigin(strict.wsUrl)).toBe(403);
    // A whole session through the allowed origin works.
    const WithOrigin = class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { origin: 'http://app.test' });
      }
    } as unknown as WebSocketConstructor;
    const session = await connectSession(() => connectWebSocket(strict.wsUrl, { WebSocket: WithOrigin }), { heartbeatIntervalMs: 0, reconnect: false });
    cleanups.push(() => session.close());
    expect(session.state).toBe('open');
  });

  it('listenWebSocket answers 403 to an Origin not on its list', async () => {
    let accepted = 0;
    const listener = await listenWebSocket(() => void accepted++, { allowedOrigins: ['http://app.test'] });
    cleanups.push(() => listener.close());
    expect(await tryOrigin(listener.url, 'http://evil.test')).toBe(403);
    expect(accepted).toBe(0);
    expect(await tryOrigin(listener.url, 'http://app.test')).toBe('open');
    expect(accepted).toBe(1);
  });

  it('the Deno upgrade refuses a foreign Origin before upgrading (TransportError ORIGIN, status Unauthorized)', () => {
    let upgrades = 0;
    const deno = { upgradeWebSocket: () => (upgrades++, { socket: {} as never, response: new Response() }) };
    (globalThis as { Deno?: unknown }).Deno = deno;
    cleanups.push(() => delete (globalThis as { Deno?: unknown }).Deno);
    const request = new Request('http://127.0.0.1/ws', { headers: { origin: 'http://evil.test', upgrade: 'websocket' } });
    expect(() => upgradeWebSocket(request, { allowedOrigins: ['http://app.test'] }))
      .toThrowError(expect.objectContaining({ code: 'SW_ERR_ORIGIN_REFUSED', status: Status.Unauthorized }));
    expect(upgrades).toBe(0);
  });
});

describe('prototype pollution', () => {
  const polluted = () => ({} as Record<string, unknown>).polluted !== undefined || Object.keys(Object.prototype).length > 0;

  it('a __proto__ key is refused by the payload decoder; constructor/prototype keys stay plain own data', () => {
    const proto = new Uint8Array([0x81, 0xa9, ...new TextEncoder().encode('__proto__'), 0x81, 0xa8, ...new TextEncoder().encode('polluted'), 0xc3]);
    expect(() => unpack(proto)).toThrowError(expect.objectContaining({ code: 'SW_ERR_PAYLOAD', status: Status.InvalidFrame }));
    const value = unpack<Record<string, any>>(pack({ constructor: { prototype: { polluted: true } }, toString: 'x', hasOwnProperty: 1 }));
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['constructor', 'toString', 'hasOwnProperty']);
    expect(polluted()).toBe(false);
  });

  it('through a relay: hostile keys in Hello metadata and in broadcasts pollute nothing', async () => {
    const relay = await Relay.create({ heartbeatIntervalMs: 0 });
    cleanups.push(() => relay.close());
    const dial = () => {
      const [a, b] = memoryPair();
      relay.accept(b).catch(() => {});
      return a;
    };
    const alice = await connectSession(dial, { heartbeatIntervalMs: 0, metadata: { constructor: 'x', toString: 'y' } });
    const bob = await connectSession(dial, { heartbeatIntervalMs: 0 });
    cleanups.push(() => alice.close(), () => bob.close());
    const got: unknown[] = [];
    bob.on('frame', (f) => got.push(decodeBody(f)));
    alice.send({ type: MessageType.Broadcast, body: { data: { constructor: { prototype: { polluted: 1 } } } } });
    const end = Date.now() + 2000;
    while (!got.length && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    expect(got).toHaveLength(1);
    expect(relay.peers().find((p) => Object.getOwnPropertyDescriptor(p.metadata, 'constructor')?.value === 'x')).toBeDefined();
    expect(polluted()).toBe(false);
  });
});
