// The README's "Web Worker rings" example, run as it is written: extracted from README.md into a module inside the
// package (so `swarmwire` resolves to the build, as for a user) and run by Node.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';

it('the README ring example runs and prints what its comments say', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Web Worker rings'));
  const code = /```js\n([\s\S]*?)```/.exec(section)![1]!;
  const file = new URL(`./readme-ring-example-${process.pid}.mjs`, import.meta.url);
  writeFileSync(file, code);
  try {
    const out = execFileSync(process.execPath, [file.pathname], { encoding: 'utf8', timeout: 30_000 });
    expect(out).toBe('ring\n1n\n');
  } finally {
    rmSync(file, { force: true });
  }
});
