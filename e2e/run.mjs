// `npm run e2e` entry while package.json still points here: runs the browser suite with vitest's e2e config,
// passing through any extra arguments (e.g. a file filter). Equivalent to
//   vitest run --config vitest.e2e.config.ts
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const result = spawnSync(
  process.execPath,
  [`${root}node_modules/vitest/vitest.mjs`, 'run', '--config', `${root}vitest.e2e.config.ts`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
