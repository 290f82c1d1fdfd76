// One attack against a fresh relay: start the relay process and the honest peers, measure a quiet baseline, run the
// attack while sampling the relay's memory and /healthz, then drain the honest traffic and check what every attack
// must leave intact — the relay alive, the honest peers connected, every acked frame delivered once, every call
// answered correctly. The attack adds its own checks. Each run is one row of the table.
import { startRelayProcess } from './relay-process.mjs';
import { startHonest } from './honest-client.mjs';
import { startProxy } from './proxy.mjs';
import { Outsider } from './outsider.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A check: what must hold, whether it did, and what was seen. */
export const check = (what, ok, detail = '') => ({ what, ok: Boolean(ok), detail: String(detail) });

/**
 * The relay, the honest peers (bob through a proxy the attacker controls when `proxyBob`), and cleanups. `relayArgs`:
 * flags added to the relay's command line (a limit set low enough for the short scale to reach).
 */
export async function openArena({ proxyBob = false, relayArgs = [] } = {}) {
  const relay = await startRelayProcess({ args: relayArgs });
  const cleanups = [];
  let proxy;
  try {
    proxy = proxyBob ? await startProxy(relay.wsUrl) : undefined;
    const honest = await startHonest({ wsUrl: relay.wsUrl, bobUrl: proxy?.url });
    cleanups.push(() => honest.stop());
    return {
      relay, proxy, honest, ids: honest.ids,
      /** Runs `fn` when the arena closes (attackers' sockets, sessions). */
      defer: (fn) => cleanups.push(fn),
      /** An attacker with an SDK session to the relay (or to `url`), closed with the arena. */
      async outsider(options = {}, url = relay.wsUrl) {
        const o = await Outsider.connect(url, options);
        cleanups.push(() => o.close());
        return o;
      },
      async close() {
        for (const fn of cleanups.reverse()) await Promise.resolve().then(fn).catch(() => {});
        await proxy?.close();
        await relay.stop();
      },
    };
  } catch (error) {
    for (const fn of cleanups) await Promise.resolve().then(fn).catch(() => {});
    await proxy?.close();
    await relay.stop();
    throw error;
  }
}

/** Samples the relay's RSS every 50 ms and times /healthz in a loop, until stop(). */
function sample(relay) {
  const rss = [];
  let probing = true;
  let stallMs = 0;
  let failedProbes = 0;
  const timer = setInterval(() => rss.push(relay.rssKiB()), 50);
  const probes = (async () => {
    while (probing) {
      const r = await relay.healthz(5_000);
      stallMs = Math.max(stallMs, r.ms);
      if (!r.ok) failedProbes++;
      await sleep(100);
    }
  })();
  return {
    async stop() {
      clearInterval(timer);
      probing = false;
      await probes;
      const live = rss.filter((v) => !Number.isNaN(v));
      return { rssPeakKiB: live.length ? Math.max(...live) : NaN, stallMs, failedProbes };
    },
  };
}

/**
 * Runs `attack` at `scale` and returns its row: figures and every check, passed or not. An attack is
 * `{ title, layers, run(arena, scale) → { tried, checks, notes? } }`, and optionally `arena` (openArena's options),
 * `maxRssGrowthMiB`, `latencyBound` (honest p99 held to 2x of quiet, at a scale with strictLatency: the attacks that
 * are pure noise, where the issue asks for it; attacks that make the relay work report their latency only), and
 * `judge(honestReport, result) → checks` for what only the honest peers' report can tell.
 */
export async function runAttack(attack, scale) {
  const arena = await openArena(attack.arena);
  try {
    await sleep(scale.warmupMs);
    // The honest peers' process is attacked too (its expose() serves strangers): if it dies, that is a result.
    const window = (name) => arena.honest.window(name).catch(() => {});
    const quietSampler = sample(arena.relay);
    await window('quiet');
    await sleep(scale.quietMs);
    await window('between');
    const quietRelay = await quietSampler.stop();
    const rssBeforeKiB = arena.relay.rssKiB();
    const during = sample(arena.relay);
    await window('attack');
    const started = performance.now();
    let result = { tried: 0, checks: [] };
    try {
      result = await attack.run(arena, scale);
    } catch (error) {
      result.checks.push(check('the attack ran to its end', false, error?.stack ?? error));
    }
    const seconds = (performance.now() - started) / 1000;
    await window('after');
    const relayDuring = await during.stop();
    const alive = await arena.relay.alive();
    const honest = await arena.honest.report(alive ? scale.drainMs : 1_000).catch((error) => died(error));
    const quiet = honest.windows.quiet?.calls ?? {};
    const hit = honest.windows.attack?.calls ?? {};
    const rssGrowthMiB = (relayDuring.rssPeakKiB - rssBeforeKiB) / 1024;
    if (honest.died) result.checks.push(check('the honest peers\' process lived', false, honest.died));
    const maxGrowth = attack.maxRssGrowthMiB ?? scale.maxRssGrowthMiB;
    const f = honest.frames;
    const c = honest.calls;
    const checks = [
      ...result.checks,
      ...(attack.judge?.(honest, result) ?? []),
      check('the relay is alive (process running, /healthz answers)', alive, arena.relay.death() ?? (alive ? '' : '/healthz did not answer')),
      check('honest acked frames: each delivered exactly once', f.missing === 0 && f.duplicates === 0 && f.sendErrorCount === 0,
        `${f.sent} sent, ${f.missing} missing, ${f.duplicates} duplicated, ${f.sendErrorCount} refused ${f.sendErrors.join('; ')}`),
      check('honest calls: every one answered, correctly', c.unanswered === 0 && c.wrong === 0 && c.failed === 0,
        `${c.issued} issued, ${c.unanswered} unanswered, ${c.wrong} wrong, ${c.failed} failed ${c.examples.join('; ')}`),
      check('honest peers stayed connected', honest.disconnects.alice === 0 && honest.disconnects.bob === 0, JSON.stringify(honest.disconnects)),
      check('honest peers saw no unhandled error', honest.problems.length === 0 && arena.honest.alive, honest.problems.join('; ')),
      check(`relay RSS grew at most ${maxGrowth} MiB`, rssGrowthMiB <= maxGrowth || Number.isNaN(relayDuring.rssPeakKiB), `${rssGrowthMiB.toFixed(1)} MiB`),
    ];
    if (scale.strictLatency && attack.latencyBound) {
      // 2x of a quiet p99, with a 10 ms floor: a quiet p99 of a few ms on a shared machine doubles by noise alone.
      const limit = Math.max(2 * quiet.p99, quiet.p99 + 10);
      checks.push(check('honest p99 within 2x of quiet (10 ms floor)', hit.p99 <= limit, `${ms(hit.p99)} against ${ms(quiet.p99)} quiet`));
    }
    return {
      title: attack.title, layers: attack.layers, tried: result.tried, seconds, alive,
      lost: { frames: f.missing + f.duplicates + f.sendErrorCount, calls: c.unanswered + c.wrong + c.failed },
      quiet: { p50: quiet.p50, p99: quiet.p99 }, attack: { p50: hit.p50, p99: hit.p99, max: hit.max },
      stallMs: relayDuring.stallMs, quietStallMs: quietRelay.stallMs, rssGrowthMiB, checks, notes: result.notes ?? '',
    };
  } finally {
    await arena.close();
  }
}

/** The report of honest peers whose process died: everything they had in flight counts as lost. */
function died(error) {
  const stats = { n: 0, p50: NaN, p99: NaN, max: NaN };
  return {
    died: String(error?.message ?? error).slice(0, 300),
    frames: { sent: NaN, delivered: NaN, missing: NaN, duplicates: 0, sendErrors: [], sendErrorCount: 0 },
    calls: { issued: NaN, ok: NaN, unanswered: NaN, wrong: 0, failed: 0, examples: ['the process died'] },
    windows: { quiet: { calls: stats, frames: stats }, attack: { calls: stats, frames: stats } },
    disconnects: { alice: NaN, bob: NaN }, spoofed: [], spoofedCount: 0, problems: ['the process died'],
  };
}

const ms = (v) => (Number.isFinite(v) ? v.toFixed(1) : '—');

/** The checks of a row that failed, as readable lines (what a test asserts is empty). */
export const failures = (row) => row.checks.filter((c) => !c.ok).map((c) => `${c.what}: ${c.detail}`);

export const TABLE_HEADER = '| attack | tried | relay alive | honest lost (frames / calls) | honest p50 / p99 ms: quiet → attack | relay /healthz max ms | relay RSS growth | outcome |\n|---|---:|---|---:|---|---:|---:|---|';

/** One markdown table row. */
export function formatRow(row) {
  const bad = row.checks.filter((c) => !c.ok);
  const outcome = bad.length === 0 ? 'held' : `**broken**: ${bad.map((c) => c.what).join('; ')}`;
  const lost = Number.isNaN(row.lost.frames) ? 'all (their process died)' : `${row.lost.frames} / ${row.lost.calls}`;
  return `| ${row.title} | ${row.tried.toLocaleString('en')} | ${row.alive ? 'yes' : '**no**'} | ${lost} | ` +
    `${ms(row.quiet.p50)} / ${ms(row.quiet.p99)} → ${ms(row.attack.p50)} / ${ms(row.attack.p99)} | ${ms(row.stallMs)} | ` +
    `${Number.isFinite(row.rssGrowthMiB) ? `${row.rssGrowthMiB.toFixed(1)} MiB` : '—'} | ${outcome} |`;
}
