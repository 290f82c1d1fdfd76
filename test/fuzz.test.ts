// The fuzzer's short run (npm run fuzz is the long one, ≥ 10^6 inputs per target) and the replay of every input
// that ever broke something (test/fixtures/fuzz/<target>/*.hex). Each target takes generated and mutated inputs
// from a fixed seed and must answer every one with a result or a typed SwarmwireError — never a crash or a hang.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fuzzTarget, replay, TARGET_NAMES } from '../fuzz/engine.mjs';

const SHORT = Number(process.env.FUZZ_SHORT ?? 3000);
const fixtures = new URL('./fixtures/fuzz/', import.meta.url);

describe('fuzz: short run', () => {
  it.each(TARGET_NAMES)('%s: every input gets a result or a typed error, none is slow', async (target) => {
    const stats = await fuzzTarget(target, { iterations: SHORT, seed: 20261130, slowMs: 2000 });
    expect(stats.inputs).toBe(SHORT);
    expect(stats.generated).toBeGreaterThan(0);
    expect(stats.mutated).toBeGreaterThan(0);
    expect(stats.findings).toEqual([]);
  }, 60_000);
});

describe('fuzz: regression fixtures', () => {
  const cases = readdirSync(fixtures).flatMap((target) =>
    readdirSync(new URL(`${target}/`, fixtures)).map((file) => [target, file] as const));

  it('has fixtures for the targets that once failed', () => {
    expect(new Set(cases.map(([t]) => t))).toEqual(new Set(['handshake', 'payload', 'rpc', 'session']));
    for (const [target] of cases) expect(TARGET_NAMES).toContain(target);
  });

  it.each(cases)('%s/%s no longer breaks anything', async (target, file) => {
    await replay(target, readFileSync(new URL(`${target}/${file}`, fixtures), 'utf8'));
  });
});
