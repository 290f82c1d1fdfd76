// What every adversarial test asserts: the attack, run against a fresh relay process at the short scale, left every
// check standing (the attack's own, and the relay alive, the honest peers losing nothing). The row is printed, so a
// run of the suite shows the table.
import { expect } from 'vitest';
import { ATTACKS, SHORT, failures, formatRow, runAttack, type AttackName } from './suite.mjs';

/** Time one attack may take at the short scale, when it wins (a relay that holds takes a few seconds). */
export const ATTACK_TIMEOUT_MS = 90_000;

export async function expectHeld(name: AttackName): Promise<void> {
  const row = await runAttack(ATTACKS[name], SHORT);
  console.log(formatRow(row));
  expect(row.checks.length).toBeGreaterThan(5);
  expect(failures(row)).toEqual([]);
}
