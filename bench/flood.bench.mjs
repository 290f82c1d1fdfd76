// Issue 13's "Pre-handshake limits" target: honest peers' round-trip p99 through the relay stays within 2x of a quiet
// run while 50 attackers flood the handshake. Three processes besides this one: the relay (default options), the
// honest peers (bench/lib/flood-honest.mjs: pairs routing small frames to each other through the relay, timed end
// to end) and the attackers (bench/lib/flood-attackers.mjs: 48 MiB pre-Hello messages, slowloris trickles, idle
// connections, each starting over when dropped). Rounds alternate a quiet phase and one under attack, so both see
// the same spells of a shared machine; the ratio is the median of the rounds' p99 ratios.
// Named only: node bench/run.mjs flood. Options (environment): FLOOD_ROUNDS (default 5), FLOOD_SECONDS per phase
// (default 8), FLOOD_ATTACKERS (50), FLOOD_PAIRS (4), FLOOD_INTERVAL_MS (20), FLOOD_KINDS (huge,slowloris,idle),
// FLOOD_PIN=1 (Linux taskset: the attackers on the last core, the relay and honest peers on the others, as if the
// attackers had machines of their own; the kernel's share of their traffic still lands anywhere).
import { execFileSync, fork } from 'node:child_process';
import { availableParallelism, setPriority } from 'node:os';

const lib = new URL('./lib/', import.meta.url);
const rounds = Number(process.env.FLOOD_ROUNDS ?? 5);
const seconds = Number(process.env.FLOOD_SECONDS ?? 8);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pin = process.env.FLOOD_PIN === '1' && availableParallelism() > 1;
const last = availableParallelism() - 1;
/** Moves process `pid` to cores `list` (taskset syntax). */
const cores = (pid, list) => execFileSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' });
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const MiB = (bytes) => +(bytes / 2 ** 20).toFixed(1);

/** Forks `file` and resolves once it says it is ready; `ask(m, kind)` sends m and resolves with its answer. */
async function child(file, args = []) {
  const proc = fork(new URL(file, lib), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`[bench] ${file} not ready in 30 s`)), 30_000);
    proc.once('message', (m) => (clearTimeout(timer), resolve(m)));
    proc.once('exit', (code) => reject(new Error(`[bench] ${file} exited with ${code}`)));
  });
  const ask = (message, kind) => new Promise((resolve) => {
    const on = (m) => {
      if (m.kind !== kind) return;
      proc.off('message', on);
      resolve(m);
    };
    proc.on('message', on);
    proc.send(message);
  });
  return { proc, ready, ask, stop: () => proc.exitCode === null && proc.signalCode === null && proc.kill('SIGKILL') };
}

export async function run() {
  const relay = await child('flood-relay.mjs');
  const { wsUrl } = relay.ready;
  const honest = await child('flood-honest.mjs', [wsUrl]);
  if (pin) for (const p of [relay, honest]) cores(p.proc.pid, `0-${last - 1}`);
  const memory = [];
  const attacks = { opened: 0, upgraded: 0, refused: 0, dropped: 0, cut: 0, bytes: 0 };
  let count = 0;
  /** Times one phase; samples the relay's memory each second. */
  const phase = async (name) => {
    honest.proc.send(`phase:${name}`);
    let rss = 0;
    const delays = [];
    const before = (await relay.ask('stats', 'stats')).cpu;
    for (let t = 0; t < seconds; t++) {
      await sleep(1_000);
      const s = await relay.ask('stats', 'stats');
      rss = Math.max(rss, s.rss);
      delays.push(s.loopDelayP99);
    }
    const { heapUsed, cpu } = await relay.ask('stats', 'stats');
    const busy = (cpu.user + cpu.system - before.user - before.system) / 1e3 / (seconds * 1e3);
    memory.push({ name, rss, heapUsed, loopDelay: Math.max(...delays), busy });
  };
  await sleep(2_000); // warm-up, not counted
  for (let r = 1; r <= rounds; r++) {
    await phase(`quiet ${r}`);
    const attackers = await child('flood-attackers.mjs', [wsUrl]);
    count = attackers.ready.count;
    // Attackers run on machines of their own; here they share the relay's cores, so they get only what is left.
    setPriority(attackers.proc.pid, 19);
    if (pin) cores(attackers.proc.pid, String(last));
    try {
      honest.proc.send('phase:ramp-up');
      await sleep(1_000);
      await phase(`attack ${r}`);
      const s = await attackers.ask('stats', 'stats');
      for (const k of Object.keys(attacks)) attacks[k] += s[k];
    } finally {
      attackers.stop();
    }
    honest.proc.send('phase:settle');
    await sleep(1_000);
  }
  const { phases } = await honest.ask('report', 'report');
  const relayStats = await relay.ask('stats', 'stats');
  honest.stop();
  relay.stop();
  const ratios = [];
  const rows = [];
  for (let r = 1; r <= rounds; r++) {
    const quiet = phases[`quiet ${r}`];
    const attack = phases[`attack ${r}`];
    ratios.push(attack.p99 / quiet.p99);
    for (const [name, p] of [[`quiet ${r}`, quiet], [`attack ${r}`, attack]]) {
      const m = memory.find((x) => x.name === name);
      rows.push({
        round: r, phase: name.startsWith('attack') ? `${count} attackers` : 'quiet', 'round trips': p.n, lost: p.lost,
        'p50 ms': +p.p50.toFixed(2), 'p99 ms': +p.p99.toFixed(2), 'max ms': +p.max.toFixed(2), 'relay CPU %': Math.round(m.busy * 100), 'relay loop delay p99 ms': +m.loopDelay.toFixed(1), 'relay RSS MiB': MiB(m.rss), 'relay heap MiB': MiB(m.heapUsed),
      });
    }
  }
  const ratio = median(ratios);
  const table = {
    title: `Honest peers' round trips through the relay, quiet and under a pre-handshake flood (${rounds} rounds of ${seconds} s each${pin ? ', attackers on a core of their own' : ''})`,
    columns: ['round', 'phase', 'round trips', 'lost', 'p50 ms', 'p99 ms', 'max ms', 'relay CPU %', 'relay loop delay p99 ms', 'relay RSS MiB', 'relay heap MiB'],
    rows,
    notes: [
      `p99 under attack / quiet, median of the rounds: ${ratio.toFixed(2)}x (rounds: ${ratios.map((x) => x.toFixed(2)).join(', ')}; target <= 2x ${ratio <= 2 ? '✓' : '✗'})`,
      `attackers: ${attacks.opened} connections opened, ${attacks.upgraded} upgraded, ${attacks.refused} refused before upgrading (429/503), ` +
        `${attacks.dropped} dropped on arrival (banned), ` +
        `${attacks.cut} dropped by the relay, ${(attacks.bytes / 2 ** 30).toFixed(1)} GiB written into their sockets; honest peers at the end: ${relayStats.stats.peers}`,
    ],
  };
  return { tables: [table], summary: { ratio, ratios, attacks, memory }, raw: { phases, relay: relayStats } };
}
