// swarmwire/lite against the full SDK over real sockets on 127.0.0.1: through the Node relay (relay, full-SDK
// peer and full-SDK caller each in its own process; the lite node in this one, with a key pair kept in a file),
// and directly to a full-SDK WebSocket server (both sides calling each other on one connection). Every connection
// runs the four-step identity handshake: lite proves its key to the relay and checks the relay's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RpcError, SessionError, WireError, connect, createIdentity, expose, loadIdentity, withOptions, wrap, type Identity, type LiteConnection } from 'swarmwire/lite';
import { Feature } from 'swarmwire/wire';
import { SessionHost, expose as fullExpose, fileIdentityStore, wrap as fullWrap, type Session } from 'swarmwire';
import { listenWebSocket } from 'swarmwire/node';
import { exited, spawnJson, type JsonChild } from './fixtures/ws-helpers.js';
import { rejection } from './rejection.js';

const FIXTURE = new URL('./fixtures/lite-peers.mjs', import.meta.url).pathname;
const spawnPeer = (...args: string[]): Promise<JsonChild> => spawnJson(process.execPath, [FIXTURE, ...args]);

interface Calc {
  add(a: number, b: number): number;
  echo<T>(v: T): T;
  double(n: bigint): bigint;
  fail(): never;
  slow(ms: number): Promise<string>;
  cancelled(): number;
  map(): Map<number, number>;
  count(): AsyncGenerator<number>;
  nested: { value: number; twice(x: number): number };
  version: string;
}

/** What the lite node exposes to full-SDK callers. */
const liteModule = {
  greet: (name: string) => `hello ${name}`,
  sum: (xs: number[]) => xs.reduce((a, b) => a + b, 0),
  bytes: (b: Uint8Array) => b.map((x) => x * 2),
  big: (n: bigint) => n + 1n,
  echo: (v: unknown) => v,
  fail() {
    const error = new RangeError('out of range');
    (error as RangeError & { code: string }).code = 'E_RANGE';
    throw error;
  },
  slow: (ms: number) => new Promise((resolve) => setTimeout(() => resolve('late'), ms)),
  count: 7,
  deep: { inner: (x: number) => x + 100 },
};


type RelayModule = { echo(x: unknown): unknown; peers(): Array<{ id: string; role: string }> };

describe('lite ↔ full SDK through the Node relay (separate processes)', () => {
  let relay: JsonChild;
  let peer: JsonChild;
  let conn: LiteConnection;
  let identity: Identity;
  let calc: ReturnType<typeof wrap<Calc>>;
  const dir = mkdtempSync(join(tmpdir(), 'swarmwire-lite-interop-'));

  beforeAll(async () => {
    relay = await spawnPeer('relay');
    peer = await spawnPeer('peer', relay.info.wsUrl);
    // A kept key pair (in a file, as a Node script would keep it; a page uses indexedDbIdentityStore()).
    identity = await loadIdentity(fileIdentityStore(join(dir, 'lite.key')));
    conn = await connect(relay.info.wsUrl, { WebSocket: WebSocket as never, identity });
    expose(liteModule, conn, { name: 'lite' });
    calc = wrap<Calc>(conn, { name: 'calc', to: peer.info.id, timeoutMs: 5_000 });
  }, 30_000);

  afterAll(async () => {
    conn?.close();
    for (const child of [peer, relay]) {
      child?.child.kill('SIGTERM');
      if (child) await exited(child.child).catch(() => child.child.kill('SIGKILL'));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the identity handshake: the relay lists the lite node by the id of its key; conn.peer is the relay\'s proven id', async () => {
    expect(conn.id).toBe(identity.idHex);
    expect(conn.peer).toBe(relay.info.id);
    const relayModule = wrap<RelayModule>(conn, { name: 'relay' });
    expect(await relayModule.echo({ hi: [1, 'two'] })).toEqual({ hi: [1, 'two'] });
    expect((await relayModule.peers()).map((p) => p.id)).toContain(identity.idHex);
  });

  it('a kept identity survives a restart: loaded again from its file, the node is back at the relay under the same id', async () => {
    const file = join(dir, 'restart.key');
    const first = await loadIdentity(fileIdentityStore(file));
    const before = await connect(relay.info.wsUrl, { WebSocket: WebSocket as never, identity: first });
    before.close();
    await before.closed;
    const again = await loadIdentity(fileIdentityStore(file)); // a new process would do just this
    expect(again).not.toBe(first);
    const after = await connect(relay.info.wsUrl, { WebSocket: WebSocket as never, identity: again });
    try {
      expect(after.id).toBe(first.idHex);
      expect((await wrap<RelayModule>(after, { name: 'relay' }).peers()).map((p) => p.id)).toContain(first.idHex);
      // …and a full-SDK node reaches it there by that id (its own process).
      expose({ greet: (name: string) => `hello ${name}`, slow: () => 'x' }, after, { name: 'lite' });
      const caller = await spawnPeer('caller', relay.info.wsUrl, first.idHex);
      await exited(caller.child);
      expect(caller.info.results.greet).toEqual({ value: 'hello full' });
    } finally {
      after.close();
    }
  });

  it('expectPeer pins the relay: its own id connects; any other id is refused with SW_ERR_IDENTITY and 1008', async () => {
    const pinned = await connect(relay.info.wsUrl, { WebSocket: WebSocket as never, expectPeer: Buffer.from(relay.info.id, 'hex') });
    expect(pinned.peer).toBe(relay.info.id);
    pinned.close();
    const someoneElse = await createIdentity();
    const e = await rejection(connect(relay.info.wsUrl, { WebSocket: WebSocket as never, expectPeer: someoneElse.id }));
    expect([e.constructor, e.code, e.status, e.message]).toEqual([SessionError, 'SW_ERR_IDENTITY', 11, `[swarmwire] expected node ${someoneElse.idHex}, reached node ${relay.info.id}`]);
  });

  it('calls a full-SDK object: values, bigint, nested paths, property reads', async () => {
    expect(await calc.add(2, 3)).toBe(5);
    const value = { s: 'ünïcødé ✓', n: -(2 ** 40), f: 1.5, b: new Uint8Array([0, 255]), a: [null, true, 2 ** 53 - 1], o: {} };
    expect(await calc.echo(value)).toStrictEqual(value);
    expect(await calc.double(2n ** 64n)).toBe(2n ** 65n);
    expect(await calc.nested.twice(21)).toBe(42);
    expect(await calc.nested.value).toBe(42);
    expect(await calc.version).toBe('1.0');
  });

  it('errors keep class, message, code and own fields; refusals are RpcErrors with stable codes', async () => {
    const failed = await rejection(calc.fail());
    expect(failed).toBeInstanceOf(TypeError);
    expect([failed.message, failed.code, failed.detail]).toEqual(['no', 'E_NO', 'kept']);
    for (const call of [(calc as any).constructor(), (calc as any).__proto__(), (calc as any).toString(), (calc as any).nope()]) {
      const e = await rejection(call);
      expect(e).toBeInstanceOf(RpcError);
      expect([e.code, e.status]).toEqual(['SW_ERR_RPC_METHOD_NOT_FOUND', 2]);
    }
    // @ts-expect-error Remote<T> keeps the parameter list (a type-level check, run by tsc)
    const arity = await rejection(calc.add(1));
    expect([arity.code, arity.status]).toEqual(['SW_ERR_RPC_ARITY', 7]);
  });

  it('deadlines and AbortSignal: the call rejects and a Cancel reaches the callee', async () => {
    const before = await calc.cancelled();
    const timedOut = await rejection(withOptions(calc, { timeoutMs: 200 }).slow(5_000));
    expect([timedOut.code, timedOut.status]).toEqual(['SW_ERR_RPC_TIMEOUT', 4]);
    const controller = new AbortController();
    const pending = withOptions(calc, { signal: controller.signal }).slow(5_000);
    setTimeout(() => controller.abort(new Error('user left')), 50);
    const aborted = await rejection(pending);
    expect([aborted.code, aborted.status, aborted.message]).toEqual(['SW_ERR_RPC_CANCELLED', 12, '[swarmwire] the call was cancelled: user left']);
    await expect.poll(() => calc.cancelled(), { timeout: 5_000 }).toBe(before + 2);
  });

  it('what lite cannot read arrives as a typed error, not a hang', async () => {
    const map = await rejection(calc.map());
    expect(map).toBeInstanceOf(WireError);
    expect(map.code).toBe('SW_ERR_PAYLOAD');
    const stream = await rejection(calc.count());
    expect([stream.code, stream.status]).toEqual(['SW_ERR_RPC_PROTOCOL', 7]);
    expect(await calc.add(1, 1)).toBe(2); // the connection carries on
  });

  it('a node that is not there: the relay answers ModuleNotFound for the routed call', async () => {
    const ghost = wrap<Calc>(conn, { name: 'calc', to: '00'.repeat(16), timeoutMs: 5_000 });
    const e = await rejection(ghost.add(1, 2));
    expect(e).toBeInstanceOf(RpcError);
    expect([e.code, e.status]).toEqual(['SW_ERR_RPC_MODULE_NOT_FOUND', 1]);
  });

  it('a full-SDK node calls the object the lite node exposes', async () => {
    const caller = await spawnPeer('caller', relay.info.wsUrl, conn.id);
    const { results } = caller.info;
    await exited(caller.child);
    expect(results.greet).toEqual({ value: 'hello full' });
    expect(results.sum).toEqual({ value: 6 });
    expect(results.bytes).toEqual({ value: [2, 4, 6] });
    expect(results.big).toEqual({ value: `${2n ** 70n + 1n}n` });
    expect(results.count).toEqual({ value: 7 });
    expect(results.nested).toEqual({ value: 105 });
    expect(results.fail.error).toMatchObject({ cls: 'RangeError', message: 'out of range', code: 'E_RANGE' });
    expect(results.proto.error).toMatchObject({ name: 'RpcError', code: 'SW_ERR_RPC_METHOD_NOT_FOUND', status: 2 });
    expect(results.unknown.error).toMatchObject({ code: 'SW_ERR_RPC_METHOD_NOT_FOUND', status: 2 });
    expect(results.arity.error).toMatchObject({ code: 'SW_ERR_RPC_ARITY', status: 7 });
    expect(results.map.error).toMatchObject({ code: 'SW_ERR_RPC_BAD_ARGS', status: 7 });
    expect(results.timeout.error).toMatchObject({ code: 'SW_ERR_RPC_TIMEOUT', status: 4 });
    expect(results.afterTimeout).toEqual({ value: 'hello again' });
  });

  it('closing rejects every pending call with SW_ERR_RPC_CLOSED', async () => {
    const other = await connect(relay.info.wsUrl, { WebSocket: WebSocket as never });
    const slow = wrap<Calc>(other, { name: 'calc', to: peer.info.id }).slow(5_000);
    setTimeout(() => other.close(), 50);
    const e = await rejection(slow);
    expect([e.code, e.constructor]).toEqual(['SW_ERR_RPC_CLOSED', RpcError]);
    expect((await other.closed).code).toBe(1000);
    await expect(wrap<Calc>(other, { name: 'calc', to: peer.info.id }).add(1, 2)).rejects.toMatchObject({ code: 'SW_ERR_RPC_CLOSED' });
  });
});

describe('lite ↔ a full-SDK WebSocket server, directly', () => {
  it('both sides call each other on one connection; a server that offers CHECKSUM sends lite no trailer', async () => {
    const calc = { add: (a: number, b: number) => a + b, big: (s: string) => s.repeat(100) };
    const sessions: Session[] = [];
    const host = new SessionHost({ checksum: true }); // CHECKSUM offered: lite does not take it up
    host.onSession((session) => {
      sessions.push(session);
      fullExpose(calc, session, { name: 'calc' });
    });
    const server = await listenWebSocket((t) => void host.accept(t).catch(() => {}));
    try {
      const identity = await createIdentity();
      const conn = await connect(server.url, { WebSocket: WebSocket as never, identity });
      expose(liteModule, conn, { name: 'lite' });
      const remote = wrap<typeof calc>(conn, { name: 'calc' });
      expect(await remote.add(20, 22)).toBe(42);
      expect(await remote.big('0123456789')).toHaveLength(1000); // lite would close on a trailer (SW_ERR_FRAME_CHECKSUM)
      const { id, negotiated } = sessions[0]!.peer!;
      expect([id, negotiated.features & Feature.CHECKSUM]).toEqual([identity.idHex, 0]);
      const back = fullWrap<typeof liteModule>(sessions[0]!, { name: 'lite', timeoutMs: 5_000 });
      expect(await back.greet('server')).toBe('hello server');
      expect(await back.deep.inner(1)).toBe(101);
      conn.close();
    } finally {
      host.close();
      await server.close();
    }
  });

  it('a server that requires checksums cannot take lite, and lite says why', async () => {
    const host = new SessionHost({ requireChecksum: true });
    const server = await listenWebSocket((t) => void host.accept(t).catch(() => {}));
    try {
      const e = await rejection(connect(server.url, { WebSocket: WebSocket as never }));
      expect([e.constructor, e.code, e.status]).toEqual([SessionError, 'SW_ERR_PROTOCOL', 8]);
      expect(e.message).toMatch(/^\[swarmwire\] the peer could not read the handshake: .*without the checksum this session requires/);
    } finally {
      host.close();
      await server.close();
    }
  });

  it('a refused Hello rejects connect() with SessionError SW_ERR_HANDSHAKE_REJECTED and the status', async () => {
    const host = new SessionHost({ authorize: ({ hello }) => hello.token === 'secret' });
    const server = await listenWebSocket((t) => void host.accept(t).catch(() => {}));
    try {
      const refused = await rejection(connect(server.url, { WebSocket: WebSocket as never, token: 'wrong' }));
      expect(refused).toBeInstanceOf(SessionError);
      expect([refused.code, refused.status]).toEqual(['SW_ERR_HANDSHAKE_REJECTED', 11]);
      const ok = await connect(server.url, { WebSocket: WebSocket as never, token: 'secret' });
      ok.close();
    } finally {
      host.close();
      await server.close();
    }
  });
});
