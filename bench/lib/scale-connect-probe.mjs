// A quicker look than the relay-scale suite, for working on connects and idle memory (its figures are not in any
// table): one server of KIND (as in scale-server.mjs) and N peers connected to it, then the connect time, RSS and heap
// per idle peer and the server's CPU time; with PROFILE_DIR, a CPU profile of the server during the first
// PROBE_PROFILE_MS (default 8,000) of the connects; with PROBE_HEAP_DIR, heap snapshots of the server before the
// first peer and with the peers idle (KIND-before.heapsnapshot, KIND-after.heapsnapshot: compare them with
// heap-diff.mjs or heap-owners.mjs). After `npm run build`:
//   node bench/lib/scale-connect-probe.mjs KIND N [PROFILE_DIR]
import { fork } from 'node:child_process';
const [kind, n, prof] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
function child(script, args, execArgv = []) {
  const proc = fork(new URL(script, import.meta.url), args, { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let id = 1; const waiting = new Map(); let ready;
  const readyP = new Promise((r) => (ready = r));
  proc.on('message', (m) => { if (m.kind === 'ready') return ready(m); const w = waiting.get(m.id); waiting.delete(m.id); w?.(m); });
  return { proc, ready: readyP, ask: (cmd, body = {}) => new Promise((r) => { const i = id++; waiting.set(i, r); proc.send({ id: i, cmd, ...body }); }) };
}
// PROBE_NODE_FLAGS: more flags for the server's node (e.g. --max-semi-space-size=2, to see what the young generation costs).
const server = child('./scale-server.mjs', [kind], ['--expose-gc', ...(process.env.PROBE_NODE_FLAGS ?? '').split(' ').filter(Boolean)]);
const clients = child('./scale-clients.mjs', []);
const { url } = await server.ready; await clients.ready;
await new Promise((r) => setTimeout(r, 500));
const base = await server.ask('sample');
const heapDir = process.env.PROBE_HEAP_DIR;
if (heapDir) await server.ask('heap', { file: `${heapDir}/${kind}-before.heapsnapshot` });
const profiling = prof ? server.ask('profile', { ms: Number(process.env.PROBE_PROFILE_MS ?? 8000), file: `${prof}/${kind}-${n}.cpuprofile` }) : null;
const c = await clients.ask('connect', { server: kind, url, n, batching: true });
await profiling;
if (c.error) console.log(c.error.slice(0, 400));
await new Promise((r) => setTimeout(r, 3000));
const idle = await server.ask('sample');
if (heapDir) await server.ask('heap', { file: `${heapDir}/${kind}-after.heapsnapshot` });
const perPeer = (a, b) => Math.round(((a - b) / n / 1024) * 100) / 100;
// Where RSS goes beyond the heap in use: the heap's committed pages by space (new_space is the young generation), the
// rest (native: sockets, malloc) being RSS minus all of them.
const spaces = Object.fromEntries(Object.keys(idle.spaces).map((k) => [k, perPeer(idle.spaces[k], base.spaces[k] ?? 0)]).filter(([, v]) => v !== 0));
console.log(JSON.stringify({ kind, n, connectS: c.ms / 1000, kbPerPeer: (idle.rss - base.rss) / n / 1024, heapKbPerPeer: (idle.heapUsed - base.heapUsed) / n / 1024, cpuS: (idle.cpuUs - base.cpuUs) / 1e6, heapTotalKbPerPeer: perPeer(idle.heapTotal, base.heapTotal), nonHeapKbPerPeer: perPeer(idle.rss - idle.heapTotal, base.rss - base.heapTotal), spaces }));
// With PROBE_LATER_MS, the same figures again after that much more idle time (does the young generation shrink?).
if (process.env.PROBE_LATER_MS) {
  await new Promise((r) => setTimeout(r, Number(process.env.PROBE_LATER_MS)));
  const later = await server.ask('sample');
  console.log(JSON.stringify({ kind, n, laterMs: Number(process.env.PROBE_LATER_MS), kbPerPeer: (later.rss - base.rss) / n / 1024, heapKbPerPeer: (later.heapUsed - base.heapUsed) / n / 1024, spaces: { new_space: perPeer(later.spaces.new_space, base.spaces.new_space), old_space: perPeer(later.spaces.old_space, base.spaces.old_space) } }));
}
clients.proc.send({ cmd: 'stop' }); server.proc.send({ cmd: 'stop' });
setTimeout(() => { clients.proc.kill(); server.proc.kill(); process.exit(0); }, 3000);
