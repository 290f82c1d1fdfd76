// npm run attack: every attack of the adversarial suite at the long scale, each against a fresh relay process, one
// table row per attack as it finishes and the whole table at the end (the figures of docs/adversarial.md). Exits 1
// if any attack broke something. Usage: node --import ./scripts/ts-hooks.mjs test/adversarial/run.mjs [--short] [attack…]
// (the hooks let the cross-layer fuzzer's engine import the .ts source it reads).
// Environment: ATTACK_SECONDS (timed attacks, default 10), ATTACK_FUZZ_INPUTS (default 20,000), ATTACK_SEED (1),
// ATTACK_FLOOD_PARALLEL (huge first messages streaming at once, default 50).
import { ATTACKS, SHORT, TABLE_HEADER, failures, formatRow, longScale, runAttack } from './suite.mjs';

const args = process.argv.slice(2);
const scale = args.includes('--short') ? SHORT : longScale();
const names = args.filter((a) => !a.startsWith('--'));
for (const n of names) if (!(n in ATTACKS)) throw new Error(`[attack] unknown attack ${n}; known: ${Object.keys(ATTACKS).join(', ')}`);

let unhandled = 0;
process.on('unhandledRejection', (reason) => {
  unhandled++;
  console.error('[attack] unhandled rejection in the attackers:', reason);
});

const rows = [];
for (const name of names.length ? names : Object.keys(ATTACKS)) {
  const row = await runAttack(ATTACKS[name], scale);
  rows.push(row);
  console.log(`[attack] ${name} (${row.seconds.toFixed(1)} s): ${failures(row).length ? 'BROKEN' : 'held'}${row.notes ? ` — ${row.notes}` : ''}`);
  for (const f of failures(row)) console.log(`    ${f.slice(0, 400)}`);
}
console.log(`\n${scale.name} scale, ${new Date().toISOString()}\n`);
console.log(TABLE_HEADER);
for (const row of rows) console.log(formatRow(row));
const broken = rows.filter((r) => failures(r).length > 0).length;
console.log(`\n[attack] ${rows.length} attacks, ${broken} broke something, ${unhandled} unhandled rejections in the attackers`);
process.exit(broken || unhandled ? 1 : 0);
