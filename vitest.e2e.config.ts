import { defineConfig } from 'vitest/config';

// The browser suite (e2e/**/*.e2e.test.ts) in real Chromium, against the built dist/: run `npm run build` first.
// One file at a time in one fork: each file starts its own Chromium, and the machine has two cores.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000, // beforeAll starts Chromium and bundles the page scripts
    teardownTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
