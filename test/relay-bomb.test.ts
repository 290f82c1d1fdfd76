// Issue 13, hole 1, end to end: ~200-byte arguments of nested extension bombs (array32 headers announcing 2^25 − 1
// elements inside Map, Set, Error, Stream and Proxy payloads, 24 levels deep), routed through a real relay to its
// in-process agent node's `dashboard` module. Before the codec of our own, the first of them exhausted the relay
// process's heap (SIGABRT). The relay runs in a child process with a small heap, so that a crash fails this test
// instead of taking the test runner down; it must answer each bomb with SW_ERR_RPC_BAD_ARGS and carry on serving.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, expect, it } from 'vitest';
import { extHex } from '../fuzz/engine.mjs';
import { MeshNode, MessageType, Status, connectWebSocket, decodeBody, type Frame, wrap } from 'swarmwire';
import { fnv1a32, fnv1a64 } from 'swarmwire/wire';

const ext = extHex;
const BOMB = 'dd01ffffff';
const nested = (levels: number, types: number[]): string => (levels === 0 ? 'c0' : ext(types[levels % types.length]!, BOMB + nested(levels - 1, types)));
const BOMBS = [[6], [7], [3], [2], [1], [6, 7, 3, 2, 1]].map((types) => Buffer.from(`91${nested(24, types)}`, 'hex')); // [bomb]: one argument

let child: ChildProcess | undefined;
let node: MeshNode | undefined;
afterEach(() => {
  node?.close();
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
});

it('the relay\'s agent node answers nested extension bombs with BAD_ARGS and stays alive', async () => {
  expect(Math.max(...BOMBS.map((b) => b.length))).toBeLessThan(260);
  child = spawn(process.execPath, ['--max-old-space-size=256', new URL('./fixtures/relay-agents.mjs', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<string>((resolve) => child!.once('exit', (code, signal) => resolve(`exited: ${code ?? signal}`)));
  const ready = new Promise<{ wsUrl: string; agent: string }>((resolve) => createInterface({ input: child!.stdout! }).once('line', (l) => resolve(JSON.parse(l))));
  const { wsUrl, agent } = await Promise.race([ready, exited.then((e) => Promise.reject(new Error(e)))]);

  node = await MeshNode.create({ heartbeatIntervalMs: 0 });
  await node.connect(() => connectWebSocket(wsUrl), { reconnect: false });
  const link = node.link(agent);
  await link.ready();
  const answers: Frame[] = [];
  link.onFrame((f) => answers.push(f));
  const DASHBOARD = fnv1a64('dashboard');
  BOMBS.forEach((payload, i) => link.send({ type: MessageType.Request, requestId: 1000 + i, moduleId: DASHBOARD, methodHash: fnv1a32('migrate'), payload }));
  const answered = expect.poll(() => answers.length, { timeout: 15_000 }).toBe(BOMBS.length);
  const outcome = await Promise.race([answered.then(() => 'answered'), exited]);
  expect(outcome).toBe('answered');
  for (const f of answers) {
    expect(f.type).toBe(MessageType.Error);
    expect(decodeBody(f)).toMatchObject({ status: Status.InvalidFrame, data: { code: 'SW_ERR_RPC_BAD_ARGS' } });
  }
  // Still serving: an honest call through the same relay, and the process is there.
  const dashboard = wrap<{ agents(): unknown[] }>(link, { name: 'dashboard', timeoutMs: 10_000 });
  expect(Array.isArray(await dashboard.agents())).toBe(true);
  expect(child.exitCode).toBe(null);
  expect(child.signalCode).toBe(null);
}, 60_000);
