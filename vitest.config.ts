import { defineConfig } from 'vitest/config';

// Unit tests import the built package by name ("swarmwire" → dist/), as users do, so `npm test` builds first.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    pool: 'forks',
  },
});
