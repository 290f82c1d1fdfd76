// node --import ./scripts/ts-hooks.mjs <script>: lets a plain-JavaScript script that runs against dist/ import one of
// the source's own .ts files, types stripped by esbuild, their `./x.js` imports found as `./x.ts` (as tsc and vitest
// resolve them). `npm run attack` needs it: the adversarial suite reaches the cross-layer fuzzer, whose engine
// imports src/rpc/messages.ts and src/session/accept.ts. Node 20 has no type stripping of its own; scripts/run-source.mjs (a bundle)
// would move the suite's import.meta.url-relative paths (the relay's bin, the honest peers' entry).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) register(import.meta.url);

/** The load hook (run in Node's hooks thread): .ts files as ES modules, types stripped. */
export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const { transform } = await import('esbuild');
  const { code } = await transform(await readFile(new URL(url), 'utf8'), { loader: 'ts', format: 'esm', sourcefile: url });
  return { format: 'module', source: code, shortCircuit: true };
}

/** The resolve hook: from a .ts file, `./x.js` is `./x.ts` when that exists. */
export function resolve(specifier, context, next) {
  if (context.parentURL?.endsWith('.ts') && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const ts = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (existsSync(ts)) return { url: ts.href, shortCircuit: true };
  }
  return next(specifier, context);
}
