// node scripts/size-table.mjs: rewrites the figures of README's Size tables from a fresh `size-limit --json`, so
// they say what `npm run size` measures (test/readme-size.test.ts checks they do). Labels are kept; only the KB
// figures change, rounded to 0.01 KB.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const measured = new Map(JSON.parse(execFileSync(process.execPath, [`${root}node_modules/size-limit/bin.js`, '--json'], { cwd: root, maxBuffer: 1 << 22 }).toString())
  .map((r) => [r.name, r.size / 1000]));
const { TREE_SHAKEN } = await import(`${root}test/fixtures/size-labels.mjs`);
const readme = readFileSync(`${root}README.md`, 'utf8');
const from = readme.indexOf('### Size'), to = readme.indexOf('### Lite client');
const section = readme.slice(from, to).split('\n').map((line) => {
  if (!line.startsWith('|') || /^\|[-\s|:]+\|$/.test(line)) return line;
  const cells = line.split('|');
  const label = cells[1].trim().replace(/\*\*/g, '');
  const name = TREE_SHAKEN[label] ?? [...measured.keys()].find((n) => n.startsWith(`shipped: ${label.replace(/`/g, '')} `));
  const kb = name === undefined ? undefined : measured.get(name);
  if (kb === undefined) return line;
  cells[cells.length - 2] = cells[cells.length - 2].replace(/[\d.]+ KB/, `${kb.toFixed(2)} KB`);
  return cells.join('|');
});
writeFileSync(`${root}README.md`, readme.slice(0, from) + section.join('\n') + readme.slice(to));
console.log('README Size tables rewritten from size-limit --json');
