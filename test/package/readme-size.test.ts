// The README's Size tables against a fresh `npm run size` (size-limit --json on the built dist/), and size-limit's
// config against dist/: every shipped JavaScript file is measured and has a limit. The script-tag file was once
// given as 31.1 KB while it weighed 55: size-limit did not measure it, and nothing compared.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
let measured: Map<string, number>;

beforeAll(async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [`${root}node_modules/size-limit/bin.js`, '--json'], { cwd: root, maxBuffer: 1 << 22 });
  measured = new Map((JSON.parse(stdout) as { name: string; size: number }[]).map((r) => [r.name, r.size]));
}, 120_000);

/** The rows of the table under "### Size" that start with `header`: [first cell, gzip cell in KB]. */
function rows(header: string): [string, number][] {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const section = readme.slice(readme.indexOf('### Size'), readme.indexOf('### Lite client'));
  const table = section.slice(section.indexOf(header)).split('\n\n')[0]!;
  return table.split('\n').slice(2).map((line) => {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const kb = /([\d.]+) KB/.exec(cells.at(-1)!);
    if (!kb) throw new Error(`README Size row without a KB figure: ${line}`);
    return [cells[0]!.replace(/\*\*/g, ''), Number(kb[1])];
  });
}

/** README figures are rounded to 0.1 KB (0.05 for some): a row may be off by that, or 1.5 %, no more. */
function expectClose(label: string, readme: number, bytes: number | undefined): void {
  expect(bytes, `size-limit measures "${label}"`).toBeDefined();
  const actual = bytes! / 1000;
  expect(Math.abs(readme - actual), `README says ${readme} KB for "${label}"; npm run size says ${actual.toFixed(2)} KB`).toBeLessThanOrEqual(Math.max(0.06, actual * 0.015));
}

import { TREE_SHAKEN } from '../fixtures/size-labels.mjs';

describe('README Size', () => {
  it('the tree-shaken table says what npm run size measures', () => {
    const table = rows('| what | gzip |');
    expect(table.map(([label]) => label)).toEqual(Object.keys(TREE_SHAKEN));
    for (const [label, kb] of table) expectClose(label, kb, measured.get(TREE_SHAKEN[label]!));
  });

  it('the shipped-files table lists every shipped JavaScript file, each at its measured size', () => {
    const table = rows('| file | what | gzip |');
    const files = readdirSync(`${root}dist`).filter((f) => f.endsWith('.js') && !f.startsWith('chunk-') && !/-[A-Z0-9]{8}\.js$/.test(f)).sort();
    expect(table.map(([cell]) => cell.replace(/^`dist\/(.+)`$/, '$1')).sort()).toEqual(files);
    for (const [cell, kb] of table) {
      const name = [...measured.keys()].find((n) => n.startsWith(`shipped: ${cell.replace(/`/g, '')} `));
      expectClose(cell, kb, name === undefined ? undefined : measured.get(name));
    }
  });
});

describe('.size-limit.mjs', () => {
  it('measures every shipped JavaScript file, each with a limit', async () => {
    const checks = (await import(`${root}.size-limit.mjs`)).default as { name: string; path: string; limit?: string }[];
    const files = readdirSync(`${root}dist`).filter((f) => f.endsWith('.js') && !f.startsWith('chunk-') && !/-[A-Z0-9]{8}\.js$/.test(f));
    for (const file of files) {
      const check = checks.find((c) => c.name.startsWith(`shipped: dist/${file} `));
      expect(check, `a size-limit check of dist/${file}`).toMatchObject({ path: `dist/${file}`, limit: expect.stringMatching(/KB$/) });
    }
  });
});
