// swarmwire/lite in real Chromium: a page imports the lite ESM (import map → dist/lite-browser.js), keeps its key
// pair in IndexedDB (the same node id after a reload), connects with the browser's WebSocket to a Node relay this
// test starts (its own process) — proving its id, checking the relay's, refusing a relay that is not the pinned
// one — calls a full-SDK node behind it (another process), and serves an object that a full-SDK node calls through
// the relay by the page's kept id.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exited, spawnJson, type JsonChild } from '../test/fixtures/ws-helpers.js';
import type { WatchedContext } from './browser.js';
import { type Rig, ROOT, startRig } from './rig.js';

const FIXTURE = `${ROOT}test/fixtures/lite-peers.mjs`;
let rig: Rig;
let browser: WatchedContext;
let relay: JsonChild;
let peer: JsonChild;

beforeAll(async () => {
  relay = await spawnJson(process.execPath, [FIXTURE, 'relay']);
  [rig, peer] = await Promise.all([startRig(), spawnJson(process.execPath, [FIXTURE, 'peer', relay.info.wsUrl])]);
  browser = await rig.chromium.newContext();
});

afterAll(async () => {
  await browser?.close();
  await rig?.close();
  for (const child of [peer, relay]) {
    child?.child.kill('SIGTERM');
    if (child) await exited(child.child).catch(() => child.child.kill('SIGKILL'));
  }
});

it('a page on swarmwire/lite calls and serves through the relay, with the full SDK on the other side', async () => {
  await browser.explain((async () => {
    const page: Page = await browser.open(rig.url('/pages/lite.html', { isolated: false }));
    await page.waitForFunction(() => 'runLite' in globalThis, undefined, { timeout: 10_000 });
    const kept = await page.evaluate(() => (globalThis as any).keptIdentity());
    expect(kept).toMatchObject({ same: true, extractable: false });
    expect(kept.id).toMatch(/^[0-9a-f]{32}$/);
    const pins = await page.evaluate(([url, id]) => (globalThis as any).pinLite(url, id), [relay.info.wsUrl, relay.info.id] as const);
    expect(pins.right).toEqual({ value: relay.info.id });
    expect(pins.wrong.error).toMatchObject({ session: true, code: 'SW_ERR_IDENTITY', status: 11 });
    expect(pins.wrong.error.message).toContain(`reached node ${relay.info.id}`);

    const report = await page.evaluate(([url, id]) => (globalThis as any).runLite(url, id), [relay.info.wsUrl, peer.info.id] as const);
    expect([report.id, report.kept, report.peer]).toEqual([kept.id, kept.id, relay.info.id]);
    expect(report.listed).toEqual({ value: true }); // the relay's peers() has the page under its kept id
    expect(report.add).toEqual({ value: 5 });
    expect(report.echo).toEqual({ value: { s: 'ünï ✓', n: -(2 ** 40), b: [1, 255] } });
    expect(report.large).toEqual({ value: true });
    expect(report.double).toEqual({ value: String(2n ** 65n) });
    expect(report.nested).toEqual({ value: 42 });
    expect(report.version).toEqual({ value: '1.0' });
    expect(report.fail.error).toMatchObject({ name: 'TypeError', type: true, message: 'no', code: 'E_NO' });
    expect(report.proto.error).toMatchObject({ rpc: true, code: 'SW_ERR_RPC_METHOD_NOT_FOUND', status: 2 });
    expect(report.timeout.error).toMatchObject({ rpc: true, code: 'SW_ERR_RPC_TIMEOUT', status: 4 });
    expect(report.aborted.error).toMatchObject({ rpc: true, code: 'SW_ERR_RPC_CANCELLED', status: 12, message: '[swarmwire] the call was cancelled: user left' });
    expect(report.map.error).toMatchObject({ code: 'SW_ERR_PAYLOAD', status: 7 });

    // A full-SDK node (its own process) calls the object the page exposes.
    const caller = await spawnJson(process.execPath, [FIXTURE, 'caller', relay.info.wsUrl, report.id]);
    await exited(caller.child);
    const { results } = caller.info;
    expect(results.greet).toEqual({ value: 'hello full' });
    expect(results.bytes).toEqual({ value: [2, 4, 6] });
    expect(results.big).toEqual({ value: `${2n ** 70n + 1n}n` });
    expect(results.count).toEqual({ value: 7 });
    expect(results.nested).toEqual({ value: 105 });
    expect(results.fail.error).toMatchObject({ cls: 'RangeError', code: 'E_RANGE' });
    expect(results.proto.error).toMatchObject({ code: 'SW_ERR_RPC_METHOD_NOT_FOUND' });
    expect(results.map.error).toMatchObject({ code: 'SW_ERR_RPC_BAD_ARGS' });
    expect(results.timeout.error).toMatchObject({ code: 'SW_ERR_RPC_TIMEOUT' });

    const end = await page.evaluate((id) => (globalThis as any).closeLite(id), peer.info.id);
    expect(end.pending.error).toMatchObject({ rpc: true, code: 'SW_ERR_RPC_CLOSED' });
    expect(end.closed).toEqual({ code: 1000, reason: '' });

    // A reload is a restart: the page is the same node.
    await page.reload();
    await page.waitForFunction(() => 'keptIdentity' in globalThis, undefined, { timeout: 10_000 });
    expect((await page.evaluate(() => (globalThis as any).keptIdentity())).id).toBe(kept.id);
  })(), 60_000);
  expect(browser.problems).toEqual([]);
});
