// The files README.md and the docs point a reader to are there: a newcomer who opens "test/package-tour.test.ts" to
// see how the first program is run should find it, not a name from before the package tests moved to test/package/.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
// Made by a command, not committed: `npm run docs` writes docs/api/.
const GENERATED = /^docs\/api\//;

describe.each(['README.md', 'docs/architecture.md', 'docs/protocol.md', 'CHANGELOG.md'])('%s', (doc) => {
  it('names only files of this repository that exist', () => {
    const text = readFileSync(`${root}${doc}`, 'utf8');
    const named = new Set(text.match(/\b(?:test|e2e|examples|scripts|src|bench|docs|soak|fuzz|assembly|worker)\/[\w./-]+\.(?:ts|mjs|js|md|json|html)\b/g) ?? []);
    expect(named.size).toBeGreaterThan(0);
    expect([...named].filter((path) => !GENERATED.test(path) && !existsSync(`${root}${path}`))).toEqual([]);
  });
});
