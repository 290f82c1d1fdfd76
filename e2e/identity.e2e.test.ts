// Node identities in real Chromium: a key pair kept in IndexedDB survives a reload with its private key never
// extractable, and pages prove Ed25519 and P-256 identities to a Node relay, which knows them by those ids.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRelay, type RelayServer } from 'swarmwire/node';
import type { WatchedContext } from './browser.js';
import type * as IdentityChecks from './pages/identity-checks.js';
import { checksPage, type Rig, startRig } from './rig.js';

type Checks = typeof IdentityChecks;
let rig: Rig;
let relay: RelayServer;
let browser: WatchedContext;
let page: Page;

const load = async (): Promise<void> => {
  page = await browser.open(rig.url(checksPage({ identityChecks: 'identity-checks' })));
  await page.waitForFunction(() => 'identityChecks' in globalThis, undefined, { timeout: 10_000 });
};
const checks = <T>(fn: (c: Checks, arg: never) => Promise<T>, arg?: unknown): Promise<T> =>
  page.evaluate(([source, a]) => (new Function('c', 'a', `return (${source})(c, a)`))((globalThis as unknown as { identityChecks: Checks }).identityChecks, a), [fn.toString(), arg] as const) as Promise<T>;

beforeAll(async () => {
  rig = await startRig();
  relay = await startRelay({ port: 0, heartbeatIntervalMs: 0 });
  browser = await rig.chromium.newContext();
  await load();
});
afterAll(async () => {
  await browser?.close();
  await relay?.close();
  await rig?.close();
});

it('keeps a key pair in IndexedDB: the same node id after a reload, and a private key the page cannot export', async () => {
  const first = await checks((c) => c.keep('e2e-identity'));
  expect(first).toMatchObject({ algorithm: 'Ed25519', extractable: false });
  expect(first.id).toMatch(/^[0-9a-f]{32}$/);
  await page.reload();
  await page.waitForFunction(() => 'identityChecks' in globalThis, undefined, { timeout: 10_000 });
  expect(await checks((c) => c.keep('e2e-identity'))).toEqual(first);
  // and the relay meets the page by that id
  const met = await checks((c, a: string) => c.connect(a, { database: 'e2e-identity' }), relay.wsUrl);
  expect(met).toMatchObject({ me: first.id, relay: relay.relay.identity.idHex, ed25519: true });
});

it('proves Ed25519 and P-256 identities to a Node relay', async () => {
  for (const algorithm of ['Ed25519', 'P-256'] as const) {
    const met = await checks((c, a: { url: string; algorithm: 'Ed25519' | 'P-256' }) => c.connect(a.url, { algorithm: a.algorithm }), { url: relay.wsUrl, algorithm });
    expect(met.relay).toBe(relay.relay.identity.idHex);
    expect(met.me).toMatch(/^[0-9a-f]{32}$/);
  }
});
