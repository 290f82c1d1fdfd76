// A missing module or method is reported with the names the caller used (issue 14): the callee sees only hashes
// (`no method 0xb18fb141`), the caller knows it asked for "ecoh" on "calc" — the full SDK's wrap() and lite's, each
// against a full-SDK callee and a lite one, through a real relay. The callee's error stays the cause (full SDK);
// the hash stays in parentheses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectWebSocket, expose, MeshNode, RpcError, RpcErrorCode, Status, wrap } from 'swarmwire';
import { fnv1a32, fnv1a64 } from 'swarmwire/wire';
import * as lite from 'swarmwire/lite';
import { startRelay, type RelayServer } from 'swarmwire/node';
import { memorySession, type LinkPair } from './fixtures/rpc-links.js';
import { rejection } from './rejection.js';

const hash32 = (name: string) => `0x${fnv1a32(name).toString(16).padStart(8, '0')}`;
const hash64 = (name: string) => `0x${fnv1a64(name).toString(16).padStart(16, '0')}`;
const calc = { add: (a: number, b: number) => a + b, nested: { value: 42 } };

describe('the full SDK names what it asked for', () => {
  let pair: LinkPair;
  beforeAll(async () => {
    pair = await memorySession();
    expose(calc, pair.server, { name: 'calc' });
  });
  afterAll(() => pair.close());

  it('a method the module does not have: "no method "ecoh" on module "calc"", the hash in parentheses, the callee\'s error as the cause', async () => {
    const remote = wrap<{ ecoh(s: string): string }>(pair.client, { name: 'calc' });
    const error = (await rejection(remote.ecoh('hi'))) as RpcError;
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: RpcErrorCode.METHOD_NOT_FOUND, status: Status.MethodNotFound, recoverable: false });
    expect(error.message).toBe(`[swarmwire] no method "ecoh" on module "calc" (method hash ${hash32('ecoh')})`);
    expect((error.cause as RpcError).message).toBe(`[swarmwire] no method ${hash32('ecoh')}`);
  });

  it('a module nobody exposes: "no module "clac" is exposed by the peer", its id in parentheses', async () => {
    const remote = wrap<{ add(a: number, b: number): number }>(pair.client, { name: 'clac' });
    const error = (await rejection(remote.add(1, 2))) as RpcError;
    expect(error).toMatchObject({ code: RpcErrorCode.MODULE_NOT_FOUND, status: Status.ModuleNotFound });
    expect(error.message).toBe(`[swarmwire] no module "clac" is exposed by the peer (module id ${hash64('clac')})`);
    // Reading a property goes the extended way, and still names the module.
    await expect((remote as unknown as { nested: Promise<unknown> }).nested).rejects.toThrow('no module "clac" is exposed by the peer');
  });

  it('the default module, and a nested path (which the callee names itself) are said as they are', async () => {
    const none = wrap<{ add(a: number, b: number): number }>(pair.client);
    await expect(none.add(1, 2)).rejects.toThrow(/^\[swarmwire\] no default module is exposed by the peer \(module id 0x0{16}\)$/);
    const remote = wrap<{ nested: { nope(): void } }>(pair.client, { name: 'calc' });
    const error = (await rejection(remote.nested.nope())) as RpcError;
    expect(error.code).toBe(RpcErrorCode.METHOD_NOT_FOUND);
    expect(error.message).toContain('"nested.nope"');
    expect(error.message).not.toContain('0x');
  });
});

describe('across a relay, lite and full SDK on either side', () => {
  let relay: RelayServer;
  let node: MeshNode;
  let liteServer: lite.LiteConnection;
  let liteClient: lite.LiteConnection;
  beforeAll(async () => {
    relay = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
    node = await MeshNode.create({ heartbeatIntervalMs: 0 });
    await node.connect(() => connectWebSocket(relay.wsUrl));
    node.onLink((link) => expose(calc, link, { name: 'calc' }));
    liteServer = await lite.connect(relay.wsUrl, { heartbeatIntervalMs: 0 });
    lite.expose(calc, liteServer, { name: 'calc' });
    liteClient = await lite.connect(relay.wsUrl, { heartbeatIntervalMs: 0 });
  });
  afterAll(async () => {
    liteClient?.close();
    liteServer?.close();
    node?.close();
    await relay?.close();
  });

  // Lite says it more briefly (its bytes are counted): the callee's words, then what was asked for.
  it.each([['a full-SDK callee', () => node.idHex], ['a lite callee', () => liteServer.id]])('lite caller, %s', async (_, callee) => {
    const remote = lite.wrap<{ ecoh(): void }>(liteClient, { name: 'calc', to: callee() });
    await expect(remote.ecoh()).rejects.toMatchObject({ code: RpcErrorCode.METHOD_NOT_FOUND, message: `[swarmwire] no method ${hash32('ecoh')} (asked for "ecoh" on module "calc")` });
    const missing = lite.wrap<{ add(a: number, b: number): number }>(liteClient, { name: 'clac', to: callee() });
    const error = await rejection(missing.add(1, 2));
    expect(error.code).toBe(RpcErrorCode.MODULE_NOT_FOUND);
    expect(error.message).toMatch(/^\[swarmwire\] no module 0x[0-9a-f]+ is exposed here \(asked for "add" on module "clac"\)$/);
    const none = lite.wrap<{ add(a: number, b: number): number }>(liteClient, { to: callee() });
    await expect(none.add(1, 2)).rejects.toThrow(/\(asked for "add" on the default module\)$/);
    expect(await lite.wrap<typeof calc>(liteClient, { name: 'calc', to: callee() }).add(2, 3)).toBe(5);
  });

  it('full-SDK caller, a lite callee', async () => {
    const caller = await MeshNode.create({ heartbeatIntervalMs: 0 });
    try {
      await caller.connect(() => connectWebSocket(relay.wsUrl));
      const remote = wrap<{ ecoh(): void }>(caller.link(liteServer.id), { name: 'calc' });
      await expect(remote.ecoh()).rejects.toMatchObject({ message: `[swarmwire] no method "ecoh" on module "calc" (method hash ${hash32('ecoh')})` });
    } finally {
      caller.close();
    }
  });
});
