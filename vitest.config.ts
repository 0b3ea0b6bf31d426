import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Hang guards, not speed checks: generous enough for a 2-core machine with other work beside it.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Suites that spawn servers and share the 2-core machine are calmer run a few at a time.
    maxWorkers: 2,
  },
});
