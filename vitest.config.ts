import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Two projects. Unit and integration tests (test/**) import the source: `swarmwire` and its subpaths resolve to
// src/, so editing src/ and re-running a test needs no build — only the wasm core, which the global setup compiles
// when assembly/ changed (tests that start workers, Deno, workerd or the CLI load dist/, built by `npm test`).
// Package tests (test/package/**) import the built package by its name, as users do, so the `exports` map, the
// bundles and the README's snippets are checked as shipped.
const source = [
  // Longest first: 'swarmwire/relay/deno' before 'swarmwire/relay'.
  ['swarmwire/relay/deno', 'src/deno.ts'],
  ['swarmwire/relay', 'src/node.ts'],
  ['swarmwire/node', 'src/node.ts'],
  ['swarmwire/deno', 'src/deno.ts'],
  ['swarmwire/wire', 'src/wire/index.ts'],
  ['swarmwire/transport', 'src/transport/index.ts'],
  ['swarmwire/lite', 'src/lite/index.ts'],
  ['swarmwire/workers', 'src/edge/workers.ts'],
  ['swarmwire/inline', 'src/standalone.ts'],
  ['swarmwire', 'src/index.ts'],
].map(([name, file]) => ({ find: new RegExp(`^${name}$`), replacement: here(file!) }));

const shared = { testTimeout: 20_000, pool: 'forks' as const };

export default defineConfig({
  test: {
    projects: [
      {
        resolve: {
          alias: [
            ...source,
            // init() from src/ finds the core the global setup compiled, not a swarmwire.wasm beside the module.
            { find: /^\.\/wasm-source\.js$/, replacement: here('test/fixtures/wasm-source.ts') },
          ],
        },
        test: { ...shared, name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/package/**'], globalSetup: ['test/fixtures/wasm-build.ts'] },
      },
      { test: { ...shared, name: 'package', include: ['test/package/**/*.test.ts'] } },
    ],
  },
});
