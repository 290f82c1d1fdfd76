// How the Redis bridge reaches Redis, each against a real redis-server this test starts: a password in the URL, an
// ACL user, TLS (rediss://) with a certificate made here, a database number, a master found through a real
// Sentinel (and found again after a failover) — and what happens without the optional client package installed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSession, connectWebSocket, decodeBody, MessageType, type Frame, type Session } from 'swarmwire';
import { generateCertificate } from 'swarmwire/transport';
import { decodeFrame, encodeFrame, parseRouted, routedBody } from 'swarmwire/wire';
import { bridgeRedis, startRelay, type RedisBridge, type RedisBridgeOptions } from 'swarmwire/node';
import { runCommand } from './fixtures/cli.js';
import { freePort, redisCommand, startRedis, startSentinel, type RedisServer } from './fixtures/redis.mjs';
import { until } from './fixtures/until.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
let swarm = 0;

async function server(args: readonly string[] = [], port?: number): Promise<RedisServer> {
  const s = await startRedis(port, { args });
  cleanups.push(() => s.stop());
  return s;
}

/**
 * Two relays bridged with `options`; an acked frame from alice (on A) to bob (on B) must arrive: what every way of
 * reaching Redis has to give. Resolves with the prefix the swarm used.
 */
async function crosses(options: Partial<RedisBridgeOptions>): Promise<string> {
  const prefix = `c${swarm++}`;
  const sessions: Session[] = [];
  const bridges: RedisBridge[] = [];
  for (const name of ['A', 'B']) {
    const relay = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
    cleanups.push(() => relay.close());
    const bridge = await bridgeRedis(relay.relay, { prefix, relayId: name, heartbeatMs: 100, connectTimeoutMs: 5_000, ...options });
    cleanups.push(() => bridge.close());
    bridges.push(bridge);
    const session = await connectSession(() => connectWebSocket(relay.wsUrl), { heartbeatIntervalMs: 0, reconnect: false });
    cleanups.push(() => session.close());
    sessions.push(session);
  }
  const [alice, bob] = sessions as [Session, Session];
  const inbox: Frame[] = [];
  bob.on('frame', (f) => inbox.push({ ...f, payload: f.payload.slice() }));
  // Until bob's relay has written his lease: a frame sent before finds no one (and gets an Error).
  for (let n = 0; inbox.length === 0; n++) {
    if (n > 100) throw new Error('no frame crossed within 100 tries');
    alice.send({ type: MessageType.Routed, ack: true, body: routedBody(bob.nodeId, encodeFrame({ type: MessageType.Event, body: 'across' })) });
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(decodeBody(decodeFrame(parseRouted(decodeBody(inbox[0]!)).frame))).toBe('across');
  await until(() => bridges.every((b) => b.relays().length === 2)); // heartbeats (pub/sub) too
  return prefix;
}

/** Polls an asynchronous condition every 50 ms until it holds; rejects after `ms`. */
async function eventually(what: () => Promise<boolean>, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !(await what().catch(() => false));) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** bridgeRedis on a relay with `options`, expected to fail: its error. */
async function refused(options: Partial<RedisBridgeOptions>): Promise<{ code: string; message: string; name: string }> {
  const relay = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
  cleanups.push(() => relay.close());
  return bridgeRedis(relay.relay, { connectTimeoutMs: 1_500, ...options }).then(
    (b) => (b.close(), Promise.reject(new Error('connected'))),
    (e: { code: string; message: string; name: string }) => e,
  );
}

describe('credentials in the URL', () => {
  it('a password (requirepass): redis://:secret@ connects; without it, SW_ERR_REDIS_CONNECT saying why', async () => {
    const s = await server(['--requirepass', 'se:cr@t']);
    await crosses({ url: `redis://:${encodeURIComponent('se:cr@t')}@127.0.0.1:${s.port}` });
    const e = await refused({ url: s.url });
    expect(e).toMatchObject({ name: 'RedisError', code: 'SW_ERR_REDIS_CONNECT' });
    expect(e.message).toMatch(/NOAUTH|auth/i);
    expect(e.message).not.toContain('se:cr@t');
  });

  it('an ACL user: redis://relay:pass@ connects as that user; a wrong password is refused (WRONGPASS)', async () => {
    const s = await server(['--user', 'default', 'off', '--user', 'relay', 'on', '>relay-pass', '~*', '&*', '+@all']);
    await crosses({ url: `redis://relay:relay-pass@127.0.0.1:${s.port}` });
    const e = await refused({ url: `redis://relay:wrong@127.0.0.1:${s.port}` });
    expect(e.code).toBe('SW_ERR_REDIS_CONNECT');
    expect(e.message).toMatch(/WRONGPASS|invalid username-password/i);
    expect(e.message).toContain('redis://relay:***@');
  });
});

describe('TLS', () => {
  it('rediss:// with the server certificate trusted connects over TLS; untrusted or plain, it is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmwire-tls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { cert, key } = await generateCertificate({ commonName: 'redis test', hosts: ['localhost', '127.0.0.1'] });
    writeFileSync(join(dir, 'cert.pem'), cert);
    writeFileSync(join(dir, 'key.pem'), key);
    const tlsPort = await freePort();
    await server(['--port', '0', '--tls-port', String(tlsPort), '--tls-cert-file', join(dir, 'cert.pem'), '--tls-key-file', join(dir, 'key.pem'),
      '--tls-ca-cert-file', join(dir, 'cert.pem'), '--tls-auth-clients', 'no']);
    await crosses({ url: `rediss://127.0.0.1:${tlsPort}`, tls: { ca: cert } });
    const untrusted = await refused({ url: `rediss://127.0.0.1:${tlsPort}` });
    expect(untrusted.code).toBe('SW_ERR_REDIS_CONNECT');
    expect(untrusted.message).toMatch(/self[- ]signed|certificate/i);
    const plain = await refused({ url: `redis://127.0.0.1:${tlsPort}` }); // the server speaks TLS only
    expect(plain.code).toBe('SW_ERR_REDIS_CONNECT');
  });
});

describe('database number', () => {
  it('redis://host:port/3 keeps every key of the swarm in database 3', async () => {
    const s = await server();
    const prefix = await crosses({ url: `${s.url}/3` });
    const inThree = (await redisCommand(`${s.url}/3`, 'KEYS', `*${prefix}*`)) as string[];
    expect(inThree.some((k) => k.endsWith(':s'))).toBe(true); // bob's stream
    expect(inThree.some((k) => k.startsWith(`${prefix}:relay:`))).toBe(true);
    expect(await redisCommand(s.url, 'KEYS', `*${prefix}*`)).toEqual([]);
    expect((await refused({ url: `${s.url}/x` })).message).toMatch(/database in a Redis URL is a number/);
  });
});

describe('Sentinel', () => {
  it('finds the master through a real redis-sentinel, and finds the new one after a failover', async () => {
    const master = await server(['--requirepass', 'pw', '--masterauth', 'pw']);
    const replica = await server(['--requirepass', 'pw', '--masterauth', 'pw', '--replicaof', '127.0.0.1', String(master.port)]);
    const sentinel = await startSentinel('swarm', master.port, ['sentinel auth-pass swarm pw']);
    cleanups.push(() => sentinel.stop());
    const options = { url: 'redis://:pw@sentinel-master', sentinel: { name: 'swarm', sentinels: [sentinel.url] } };
    await crosses(options);

    // The master crashes; the sentinel promotes the replica; relays bridged now reach it through the same sentinel.
    await eventually(async () => String(await redisCommand(`redis://:pw@127.0.0.1:${replica.port}`, 'INFO', 'replication')).includes('master_link_status:up'), 10_000);
    await master.kill();
    await eventually(async () => {
      const [, port] = (await redisCommand(sentinel.url, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'swarm')) as [string, string];
      return Number(port) === replica.port;
    }, 20_000);
    await crosses(options);
  });
});

describe('without @redis/client', () => {
  it('swarmwire/node loads and serves; bridgeRedis rejects with SW_ERR_REDIS_CLIENT_MISSING saying what to install', async () => {
    // A resolve hook that finds no @redis/client, as in a project that did not install the optional peer dependency.
    const hooks = `export async function resolve(s, c, next) { if (s === '@redis/client') { const e = new Error('Cannot find package'); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(s, c); }`;
    const register = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));`;
    const script = `import { bridgeRedis, startRelay } from 'swarmwire/node';
const server = await startRelay({ port: 0 });
const reply = await fetch(server.url).then((r) => r.status);
const error = await bridgeRedis(server.relay, { url: 'redis://127.0.0.1:1' }).catch((e) => e);
console.log(JSON.stringify({ reply, name: error.name, code: error.code, message: error.message }));
await server.close();`;
    const file = new URL('./.no-redis-client.tmp.mjs', import.meta.url).pathname;
    writeFileSync(file, script);
    cleanups.push(() => rmSync(file, { force: true }));
    const run = await runCommand(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, file], { ms: 20_000 });
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(out).toMatchObject({ reply: 200, name: 'RedisError', code: 'SW_ERR_REDIS_CLIENT_MISSING' });
    expect(out.message).toContain('npm install @redis/client');
  });
});
