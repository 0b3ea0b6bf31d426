import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites that spawn servers and share the 2-core machine are calmer run a few at a time.
    maxWorkers: 2,
  },
});
