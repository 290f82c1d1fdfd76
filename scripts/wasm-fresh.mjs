// Compiles the wasm core (asc, into build/) when it is missing or older than anything in assembly/: what running
// the source needs (the unit tests' global setup, scripts/run-source.mjs) without a whole `npm run build`.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
};

export function wasmFresh() {
  const built = Math.min(mtime(`${root}build/swarmwire.wasm`), mtime(`${root}build/swarmwire.js`));
  const sources = [`${root}asconfig.json`, ...readdirSync(`${root}assembly`, { recursive: true, encoding: 'utf8' }).map((f) => `${root}assembly/${f}`)];
  if (sources.every((file) => mtime(file) <= built)) return;
  execFileSync(`${root}node_modules/.bin/asc`, ['--config', 'asconfig.json', '--target', 'release'], { cwd: root, stdio: 'inherit' });
}
